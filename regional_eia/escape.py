"""Text from users, written safely into the formats the tool produces.

Project ids, names, reasons and catalogue names come from people and, through the online channel, from
strangers. Every output writes them as text in its own context: HTML pages escape them (Jinja2
autoescape), and this module holds the other contexts:

- spreadsheets (OWASP "CSV injection"): a cell that begins with ``= + - @`` or a tab or carriage return
  is a formula to Excel and LibreOffice. In a workbook such a cell is written as a string cell; in a CSV,
  which has no cell types, it gets a leading apostrophe, which spreadsheet programs hide and treat as
  "text", and which :func:`undefuse_csv` takes off again when the tool reads its own CSV back;
- Markdown: HTML, link and emphasis syntax and line breaks are escaped, so a name stays one line of text;
- a Leaflet tooltip, which folium puts into a JavaScript template literal as HTML: HTML-escaped, and the
  template literal's own specials (backtick, ``${``, backslash) written as HTML character references.
"""

from __future__ import annotations

import html
import re

__all__ = [
    "FORMULA_TRIGGERS",
    "defuse_csv",
    "undefuse_csv",
    "is_formula_like",
    "markdown_inline",
    "markdown_code",
    "tooltip_html",
]

FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
_DEFUSED = re.compile(r"^'[=+\-@\t\r]")


def is_formula_like(text: object) -> bool:
    """Whether a spreadsheet would read ``text`` as a formula."""
    return isinstance(text, str) and text.startswith(FORMULA_TRIGGERS)


def defuse_csv(text: str) -> str:
    """``text`` for a CSV cell: an apostrophe before a formula trigger, otherwise unchanged.

    >>> defuse_csv("=HYPERLINK(\\"http://x\\")"), defuse_csv("XC-01"), defuse_csv("-5 reasons")
    ('\\'=HYPERLINK("http://x")', 'XC-01', "'-5 reasons")
    """
    return "'" + text if is_formula_like(text) else text


def undefuse_csv(text: str) -> str:
    """The inverse of :func:`defuse_csv` (for reading the tool's own CSV output back).

    >>> undefuse_csv(defuse_csv("=1+1")), undefuse_csv("'quoted")
    ('=1+1', "'quoted")
    """
    return text[1:] if _DEFUSED.match(text) else text


_MD_SPECIAL = re.compile(r"([\\`*_\[\]{}#|~!])")
_MD_LINE_START = re.compile(r"^(\s*)([-+=>]|\d+[.)])")


def markdown_inline(text: object) -> str:
    """``text`` as one line of literal Markdown text: no HTML, links, emphasis, headings or line breaks.

    >>> markdown_inline("<script>x</script> [a](javascript:alert(1))\\n# h")
    '&lt;script&gt;x&lt;/script&gt; \\\\[a\\\\](javascript:alert(1)) \\\\# h'
    """
    flat = " ".join(str(text).splitlines()) if text is not None else ""
    flat = html.escape(flat, quote=False)
    flat = _MD_SPECIAL.sub(r"\\\1", flat)
    return _MD_LINE_START.sub(lambda m: m.group(1) + "\\" + m.group(2), flat)


def markdown_code(text: object) -> str:
    """``text`` as a Markdown code span, fenced with more backticks than it holds.

    >>> markdown_code("C1713"), markdown_code("a`b")
    ('`C1713`', '`` a`b ``')
    """
    flat = " ".join(str(text).splitlines())
    longest = max((len(run) for run in re.findall(r"`+", flat)), default=0)
    fence = "`" * (longest + 1)
    pad = " " if longest or flat.startswith(" ") or flat.endswith(" ") else ""
    return f"{fence}{pad}{flat}{pad}{fence}"


def tooltip_html(text: object) -> str:
    """``text`` for a folium tooltip: HTML-escaped, and inert inside a JavaScript template literal.

    >>> tooltip_html("a`);alert(1);(`${x}<b>")
    'a&#96;);alert(1);(&#96;&#36;{x}&lt;b&gt;'
    """
    escaped = html.escape(str(text), quote=True)
    return escaped.replace("\\", "&#92;").replace("`", "&#96;").replace("$", "&#36;")

"""GB/T 4754-2017 industry codes as people type them, read one way everywhere.

Project files, batch cells, ``standards lookup`` and catalogue access lists all pass a code through
:func:`normalise_industry` before it is matched, so ``c1713``, `` 1713 ``, ``C１７１３`` (full-width
digits) and ``C١٧١٣`` (Arabic-Indic digits) are the same ``C1713``, and a code that only looks like
one to Python's Unicode ``\\d`` cannot slip past an access list.
"""

from __future__ import annotations

import re
import unicodedata

__all__ = ["normalise_industry", "INDUSTRY_CODE"]

INDUSTRY_CODE = re.compile(r"^[A-T][0-9]{4}$")  # ASCII digits only, after normalising


def normalise_industry(value: object) -> object:
    """A code as the rules read it: NFKC (full-width and other Unicode digits to ASCII), trimmed, upper
    case, and a bare 4-digit class read as manufacturing's (``1713`` is ``C1713``). Anything that is not
    a string is returned unchanged, for the caller's validation to refuse.

    Examples
    --------
    >>> normalise_industry(" c1713"), normalise_industry("1713"), normalise_industry("C２６１４")
    ('C1713', 'C1713', 'C2614')
    >>> normalise_industry("C٢٦١٤")
    'C2614'
    """
    if not isinstance(value, str):
        return value
    text = unicodedata.normalize("NFKC", value).strip().upper()
    text = "".join(str(unicodedata.digit(ch)) if ch.isdigit() and not ch.isascii() else ch for ch in text)
    if text[:1].isdigit():
        text = "C" + text
    return text

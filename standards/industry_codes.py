"""The GB/T 4754-2017 code list (国民经济行业分类), shipped as data with its source.

``data/industry/GBT4754-2017.yaml`` holds every code of the standard's table at every level: section
``C``, division ``C26``, group ``C261``, class ``C2614``. A project names a class; access lists and
standards name a class or any of its prefixes. A well-formed code that the standard does not define
(``C9999``, ``C0000``, ``T0000``) matches nothing, so it would screen as if no rule applied to it:
:func:`is_known` tells them apart, :func:`nearest` suggests what was probably meant.

This module looks codes up as given (upper case, ASCII); normalising what users type (full-width
digits, a missing section letter) is :mod:`standards.industry`'s job, which calls this one.
"""

from __future__ import annotations

import difflib
import functools
from importlib.resources import files

from .safeload import read_data_file

__all__ = ["is_known", "is_class", "name_of", "nearest", "section_of", "codes", "SOURCE"]

_PATH = files("standards") / "data" / "industry" / "GBT4754-2017.yaml"
SOURCE = "GB/T 4754-2017 国民经济行业分类, clause 5 table (standards/data/industry/GBT4754-2017.yaml)"


@functools.lru_cache(maxsize=1)
def codes() -> dict[str, str]:
    """Every code of the standard (all four levels) with its Chinese name, in the standard's order."""
    from .cache import parsed_file

    data = parsed_file("gbt4754", _PATH, lambda path: read_data_file(path, kind="yaml"))
    return {str(code): str(name) for code, name in data["codes"].items()}


def is_known(code: str) -> bool:
    """Whether ``code`` is a code of the standard at any level (``C``, ``C26``, ``C261``, ``C2614``).

    Examples
    --------
    >>> is_known("C2614"), is_known("C26"), is_known("C9999"), is_known("T0000")
    (True, True, False, False)
    """
    return isinstance(code, str) and code in codes()


def is_class(code: str) -> bool:
    """Whether ``code`` is a class (小类, letter + 4 digits) of the standard: what a project must give.

    Examples
    --------
    >>> is_class("C1713"), is_class("C171")
    (True, False)
    """
    return is_known(code) and len(code) == 5


def name_of(code: str) -> str | None:
    """The standard's name for ``code``, or ``None`` if it defines no such code.

    Examples
    --------
    >>> name_of("C1713")
    '棉印染精加工'
    """
    return codes().get(code) if isinstance(code, str) else None


def section_of(division: str) -> str | None:
    """The section letter of a two-digit division (``"26"`` -> ``"C"``), or ``None``.

    Examples
    --------
    >>> section_of("26"), section_of("99")
    ('C', None)
    """
    return _sections().get(division)


@functools.lru_cache(maxsize=1)
def _sections() -> dict[str, str]:
    return {code[1:]: code[0] for code in codes() if len(code) == 3}


def nearest(code: str, n: int = 3, classes_only: bool = True) -> list[str]:
    """Known codes close to ``code``, best first, each as ``"C2614 有机化学原料制造"``.

    The same group's or division's classes come first (``C2619`` for ``C2618``), then codes that
    differ by a digit or two, also under the section letter the digits belong to (``C0610`` for
    ``B0610`` given as ``C``).

    Examples
    --------
    >>> nearest("C2618")[0]
    'C2619 其他基础化学原料制造'
    """
    return list(_nearest(code, n, classes_only)) if isinstance(code, str) else list(_nearest("", n, classes_only))


@functools.lru_cache(maxsize=4096)  # a batch meets the same wrong code on many rows
def _nearest(code: str, n: int, classes_only: bool) -> tuple[str, ...]:
    """:func:`nearest`, remembered."""
    known = [c for c in codes() if not classes_only or len(c) == 5]
    text = code.strip().upper() if isinstance(code, str) else ""
    candidates: list[str] = []
    digits = text[1:] if text[:1].isalpha() else text
    section = section_of(digits[:2]) if len(digits) >= 2 else None
    if section and section + digits in codes():
        candidates.append(section + digits)
    for length in (4, 3, 2):  # the longest known prefix: its classes
        prefix = text[:length]
        if len(prefix) == length and prefix in codes():
            same = [c for c in known if c.startswith(prefix) and c != text]
            if digits.isdigit():
                same.sort(key=lambda c: abs(int(c[1:]) - int(digits)) if c[1:].isdigit() else 0)
            candidates += same
            break
    candidates += difflib.get_close_matches(text, known, n=n, cutoff=0.6)
    seen: list[str] = [text] if text in codes() and text != code else []
    for candidate in candidates:
        if candidate not in seen and candidate != text:
            seen.append(candidate)
    return tuple(f"{c} {codes()[c]}" for c in seen[:n])

"""Finite numbers: the one check every quantity the tool reads goes through.

A figure of infinity or NaN is never meaningful here, and it is dangerous: ``flow: 1e309 m3/d`` parses
to infinity, and a cap minus infinity is NaN for ever. Projects, catalogues, standards, batch cells and
ledger entries all call :func:`finite_number` (or use the pydantic type :data:`FiniteFloat`), so that
each refuses the same things with the same words.
"""

from __future__ import annotations

import math
import numbers
import re
from typing import Annotated, Any

from pydantic import AfterValidator, BeforeValidator

__all__ = ["finite_number", "is_finite_number", "FiniteFloat", "excerpt", "shorten", "given_value", "NUMBER_PATTERN"]

NUMBER_PATTERN = re.compile(r"[-+]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][-+]?[0-9]+)?")
"""A plain decimal number in ASCII digits (what a cell or a quantity's number may be)."""

_MAX_TEXT = 64  # a number written with more characters than this is not a figure anyone measured


def excerpt(value: Any, limit: int = 40) -> str:
    """``repr(value)``, cut to about ``limit`` characters, saying how long it was.

    Messages quote what they refuse, but never more than this: an input can be megabytes long.

    Examples
    --------
    >>> excerpt("x" * 100, limit=10)
    "'xxxxxxxxx... (100 characters)"
    """
    text = value if isinstance(value, str) else None
    shown = repr(value) if text is None or len(text) <= limit else repr(text[: limit - 1])[:-1]
    if text is not None and len(text) > limit:
        return f"{shown}... ({len(text):,} characters)"
    if len(shown) > limit + 20:
        return shown[:limit] + "..."
    return shown


def shorten(text: str, limit: int = 160) -> str:
    """``text`` cut to ``limit`` characters (for quoting a library's message, which may hold the input)."""
    text = " ".join(str(text).split())
    return text if len(text) <= limit else f"{text[: limit - 1]}... ({len(text):,} characters)"


def given_value(error: dict[str, Any]) -> str:
    """``" (got 'yes')"`` for a pydantic error about a scalar input, so a message shows what was refused.

    Empty for collections and for messages that already quote the value.
    """
    value = error.get("input")
    if isinstance(value, (dict, list, tuple, set)) or value is None:
        return ""
    shown = excerpt(value)
    return "" if shown in error.get("msg", "") or str(value) in error.get("msg", "") else f" (got {shown})"


def finite_number(value: Any, what: str = "value") -> float:
    """``value`` as a finite float, or ``ValueError`` saying why not.

    Accepts ints, floats (numpy's too) and text of a plain decimal number in ASCII digits. Refuses
    booleans (``yes``/``true`` where a figure is expected), NaN and infinities however written
    (``.inf``, ``Infinity``, ``1e309``), integers beyond float range and anything else.

    Examples
    --------
    >>> finite_number("1.5e3")
    1500.0
    >>> finite_number(float("inf"), "flow")
    Traceback (most recent call last):
    ...
    ValueError: flow: inf is not a finite number
    """
    if isinstance(value, bool) or value is None:
        raise ValueError(f"{what}: {excerpt(value)} is not a number")
    if isinstance(value, str):
        text = value.strip()
        if len(text) > _MAX_TEXT or not NUMBER_PATTERN.fullmatch(text):
            raise ValueError(f"{what}: {excerpt(value)} is not a number")
        number = float(text)
    elif isinstance(value, numbers.Real):
        try:
            number = float(value)
        except OverflowError:
            raise ValueError(f"{what}: an integer of {len(str(abs(int(value))))} digits is out of range") from None
    else:
        raise ValueError(f"{what}: {excerpt(value)} is not a number")
    if not math.isfinite(number):
        shown = value if isinstance(value, str) else number
        raise ValueError(f"{what}: {excerpt(shown) if isinstance(shown, str) else shown} is not a finite number")
    return number


def is_finite_number(value: Any) -> bool:
    """Whether :func:`finite_number` accepts ``value``."""
    try:
        finite_number(value)
    except ValueError:
        return False
    return True


def _not_bool(value: Any) -> Any:
    if isinstance(value, bool):
        raise ValueError(f"{str(value).lower()} is a yes/no answer, not a number")
    return value


def _finite(value: float) -> float:
    if not math.isfinite(value):
        raise ValueError(f"{value} is not a finite number")
    return value


FiniteFloat = Annotated[float, BeforeValidator(_not_bool), AfterValidator(_finite)]
"""A pydantic float that is finite and was not written as a boolean."""

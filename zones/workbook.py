"""The one reader of Excel workbooks (batch inputs, and the caps and access sheets of ``catalog import``).

Two things a workbook can hide from a reader that only asks openpyxl for cell values:

- **Formulas without a saved value.** Excel and WPS store each formula's last result beside it; a
  workbook written by a script (openpyxl writing ``"=5000"``, pandas' ``to_excel`` of a formula) stores
  none, and openpyxl's ``data_only`` then reads the cell as empty: a COD of ``=5000`` would vanish and
  the project pass. Here a formula without a saved value is evaluated when it is plain arithmetic of
  numbers (``=5000``, ``=2*1500``, ``=(300+200)/2``, ``=5%``, ``="C3484"``) by :func:`evaluate_formula`, a
  small parser (no ``eval``); anything else (a cell reference, a function, a division by zero) becomes
  an :class:`Unevaluated` value naming sheet, cell and formula, which each caller refuses in its way.
- **Hidden sheets.** Sheets are offered visible ones first, the active sheet before the others; a
  hidden or very hidden sheet is read only when asked for by name.

Examples
--------
>>> evaluate_formula("=2*1500")
3000
>>> evaluate_formula("=(300+200)/8")
62.5
>>> evaluate_formula("=A2*2")
Traceback (most recent call last):
...
zones.workbook.FormulaError: 'A2' is not a number or an arithmetic sign (only arithmetic of numbers is evaluated)
"""

from __future__ import annotations

import decimal
import itertools
import re
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

__all__ = ["Workbook", "WorkbookError", "Unevaluated", "FormulaError", "evaluate_formula", "open_workbook"]

MAX_FORMULA = 8192
"""Excel's own limit on a formula's length."""
_MAX_NESTING = 64


class WorkbookError(ValueError):
    """The file is not a workbook openpyxl can read, or has no sheet of that name; ``why`` says which."""

    def __init__(self, why: str):
        self.why = why
        super().__init__(why)


class FormulaError(ValueError):
    """A formula that is not plain arithmetic of literals (or that has no finite value)."""


@dataclass(frozen=True)
class Unevaluated:
    """A formula cell without a saved value that is not plain arithmetic: its value is unknown here."""

    sheet: str
    cell: str
    formula: str
    why: str

    def __str__(self) -> str:
        return self.formula

    def describe(self) -> str:
        shown = self.formula if len(self.formula) <= 60 else self.formula[:57] + "..."
        return (f"sheet {self.sheet!r} cell {self.cell}: formula {shown} has no saved value and cannot be evaluated "
                f"here ({self.why}); open and save the workbook in Excel or WPS (that stores the values), or type "
                "the figure")


# --- formulas ----------------------------------------------------------------------------------------

_TOKEN = re.compile(r"""\s*(?:(?P<number>(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?)|(?P<string>"(?:[^"]|"")*")
                        |(?P<op>[-+*/^%()]))""", re.X)
_CONTEXT = decimal.Context(prec=28, Emin=-999_999, Emax=999_999, traps=[decimal.InvalidOperation,
                                                                         decimal.DivisionByZero, decimal.Overflow])


def evaluate_formula(formula: str) -> int | float | str:
    """The value of ``formula`` (with its ``=``) when it is arithmetic of number literals, or one text literal.

    ``+ - * / ^`` with Excel's precedence (a leading minus binds tighter than ``^``; ``^`` is left
    associative), parentheses and a trailing ``%``; decimal arithmetic, so ``=0.1+0.2`` is 0.3.

    Raises
    ------
    FormulaError
        For anything else: a reference, a function, a name, a division by zero, a non-finite result.
    """
    text = formula[1:] if formula.startswith("=") else formula
    if len(text) > MAX_FORMULA:
        raise FormulaError(f"longer than Excel's {MAX_FORMULA} characters")
    tokens = _tokens(text)
    if len(tokens) == 1 and tokens[0][0] == "string":
        return tokens[0][1][1:-1].replace('""', '"')
    parser = _Parser(tokens)
    with decimal.localcontext(_CONTEXT):
        try:
            value = parser.expression(0)
        except decimal.DivisionByZero:
            raise FormulaError("divides by zero") from None
        except (decimal.InvalidOperation, decimal.Overflow):
            raise FormulaError("has no finite value") from None
    if parser.at < len(tokens):
        raise FormulaError(f"unexpected {tokens[parser.at][1]!r}")
    if not value.is_finite():
        raise FormulaError("has no finite value")
    if value and value.adjusted() >= 30:
        raise FormulaError("too large to be a figure")
    if value == value.to_integral_value():
        return int(value)
    result = float(value)
    if result in (float("inf"), float("-inf")):
        raise FormulaError("has no finite value")
    return result


def _tokens(text: str) -> list[tuple[str, str]]:
    tokens, at = [], 0
    while at < len(text):
        if text[at:].strip() == "":
            break
        match = _TOKEN.match(text, at)
        if match is None:
            rest = re.match(r"\s*([A-Za-z_$][\w.$:!]*|\S)", text[at:])
            word = rest.group(1) if rest else text[at:at + 10]
            raise FormulaError(f"{word!r} is not a number or an arithmetic sign (only arithmetic of numbers "
                               "is evaluated)")
        kind = match.lastgroup
        tokens.append((kind, match.group(kind)))
        at = match.end()
    if not tokens:
        raise FormulaError("is empty")
    return tokens


class _Parser:
    """Precedence climbing over the tokens; every step is bounded (nesting, token count)."""

    _BINARY = {"+": 1, "-": 1, "*": 2, "/": 2, "^": 3}

    def __init__(self, tokens: list[tuple[str, str]]):
        self.tokens, self.at, self.depth = tokens, 0, 0

    def _peek(self) -> tuple[str, str] | None:
        return self.tokens[self.at] if self.at < len(self.tokens) else None

    def expression(self, floor: int) -> decimal.Decimal:
        left = self._unary()
        while (token := self._peek()) is not None and token[1] in self._BINARY and self._BINARY[token[1]] > floor:
            self.at += 1
            right = self.expression(self._BINARY[token[1]])  # left associative: the right side binds tighter
            left = {"+": lambda: left + right, "-": lambda: left - right, "*": lambda: left * right,
                    "/": lambda: left / right, "^": lambda: self._power(left, right)}[token[1]]()
        return left

    @staticmethod
    def _power(base: decimal.Decimal, exponent: decimal.Decimal) -> decimal.Decimal:
        if abs(exponent) > 1000:
            raise FormulaError("an exponent over 1000")
        return base ** exponent

    def _unary(self) -> decimal.Decimal:
        token = self._peek()
        if token is not None and token[1] in "+-" and token[0] == "op":
            self.at += 1
            self.depth += 1
            if self.depth > _MAX_NESTING:
                raise FormulaError(f"more than {_MAX_NESTING} signs in a row")
            value = self._unary()
            self.depth -= 1
            return -value if token[1] == "-" else value
        return self._postfix()

    def _postfix(self) -> decimal.Decimal:
        value = self._primary()
        while (token := self._peek()) is not None and token[1] == "%":
            self.at += 1
            value = value / 100
        return value

    def _primary(self) -> decimal.Decimal:
        token = self._peek()
        if token is None:
            raise FormulaError("ends too early")
        self.at += 1
        kind, text = token
        if kind == "number":
            return decimal.Decimal(text)
        if text == "(":
            self.depth += 1
            if self.depth > _MAX_NESTING:
                raise FormulaError(f"nested more than {_MAX_NESTING} parentheses deep")
            value = self.expression(0)
            if self._peek() != ("op", ")"):
                raise FormulaError("a parenthesis is not closed")
            self.at += 1
            self.depth -= 1
            return value
        raise FormulaError(f"unexpected {text!r}" if kind == "op" else "text in arithmetic")


# --- workbooks ---------------------------------------------------------------------------------------


@dataclass
class Sheet:
    title: str
    hidden: bool
    _values: Any
    _formulas: Any | None  # the same sheet as formulas, when the sheet has any


def _column_letters(index: int) -> str:
    letters = ""
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


_FORMULA_ELEMENT = re.compile(rb"<(?:\w+:)?f[\s>/]")


def _has_formulas(archive: zipfile.ZipFile, part: str | None) -> bool:
    """Whether a sheet's XML holds a formula element (streamed: a sheet of a million rows is not loaded)."""
    if part is None:
        return True
    try:
        handle = archive.open(part.lstrip("/"))
    except KeyError:
        return True
    tail = b""
    with handle:
        while block := handle.read(1 << 20):
            if _FORMULA_ELEMENT.search(tail + block):
                return True
            tail = block[-8:]
    return False


class Workbook:
    """An opened workbook: its sheets as the user sees them. Use as a context manager or ``close()``."""

    def __init__(self, path: Path):
        import openpyxl

        self.path = path
        try:
            self._values = openpyxl.load_workbook(path, read_only=True, data_only=True)
        except Exception as exc:  # openpyxl raises many kinds for a bad file
            raise WorkbookError(f"not a readable .xlsx workbook: {exc}") from exc
        self._formulas = None
        active = self._values.active
        self.names = list(self._values.sheetnames)
        self.active = active.title if active is not None else None
        self.hidden = [ws.title for ws in self._values.worksheets if ws.sheet_state != "visible"]
        with zipfile.ZipFile(path) as archive:
            self._with_formulas = {ws.title for ws in self._values.worksheets
                                   if _has_formulas(archive, getattr(ws, "_worksheet_path", None))}

    def __enter__(self) -> Workbook:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def close(self) -> None:
        self._values.close()
        if self._formulas is not None:
            self._formulas.close()

    def visible(self, active_first: bool = True) -> list[str]:
        """Visible sheet titles in workbook order, the active sheet first unless ``active_first`` is false."""
        shown = [name for name in self.names if name not in self.hidden]
        return sorted(shown, key=lambda name: name != self.active) if active_first else shown

    def rows(self, title: str, min_row: int = 1) -> Iterator[list[Any]]:
        """The sheet's rows from ``min_row`` (1-based) as lists of values; a formula without a saved value
        is its value when :func:`evaluate_formula` can compute it, else an :class:`Unevaluated`."""
        if title not in self.names:
            raise WorkbookError(f"no sheet {title!r}; the workbook has {', '.join(self.names)}")
        values = self._values[title].iter_rows(min_row=min_row, values_only=True)
        if title not in self._with_formulas:
            for row in values:
                yield list(row)
            return
        if self._formulas is None:
            import openpyxl

            self._formulas = openpyxl.load_workbook(self.path, read_only=True, data_only=False)
        formulas = self._formulas[title].iter_rows(min_row=min_row, values_only=True)
        for number, (row, written) in enumerate(itertools.zip_longest(values, formulas, fillvalue=()),
                                                start=min_row):
            row = list(row)
            for i, formula in enumerate(written):
                if i < len(row) and row[i] is None and isinstance(formula, str) and formula.startswith("="):
                    row[i] = _value_of(formula, title, f"{_column_letters(i + 1)}{number}")
            yield row


def _value_of(formula: str, sheet: str, cell: str) -> Any:
    try:
        return evaluate_formula(formula)
    except FormulaError as exc:
        return Unevaluated(sheet, cell, formula, str(exc))


def open_workbook(path: str | Path) -> Workbook:
    """Open ``path`` read-only (see the module docstring). Raises :class:`WorkbookError`."""
    return Workbook(Path(path))

"""Errors of the standards catalogue. The library raises them; only ``cli.py`` prints."""

from __future__ import annotations

__all__ = ["StandardsError", "UnitError", "StandardsDataError", "UnknownStandardError", "SelectionError"]


class StandardsError(Exception):
    """Root of every error the standards package raises."""


class UnitError(StandardsError, ValueError):
    """A unit is missing, unknown, or of the wrong dimension."""

    def __init__(self, unit: object, why: str):
        self.unit = unit
        self.why = why
        super().__init__(f"unit {unit!r}: {why}")


class StandardsDataError(StandardsError):
    """A standards data file does not match the format (names the file and the entry)."""

    def __init__(self, path: object, where: str, why: str):
        self.path, self.where, self.why = path, where, why
        super().__init__(f"{path}: {where}: {why}")


class UnknownStandardError(StandardsError, KeyError):
    """A standard id that the catalogue does not hold."""

    def __init__(self, standard_id: str, known: list[str]):
        self.standard_id = standard_id
        super().__init__(f"no standard {standard_id!r} in the catalogue; known: {', '.join(known)}")

    def __str__(self) -> str:  # KeyError would quote the message
        return self.args[0]


class SelectionError(StandardsError):
    """The selection rules forbid the discharge as proposed, or cannot decide it without a fact.

    ``code`` is ``OUTFALL_FORBIDDEN`` (e.g. a new outfall into class II water) or ``DATA_MISSING``.
    """

    def __init__(self, message: str, code: str = "OUTFALL_FORBIDDEN"):
        self.code = code
        super().__init__(message)

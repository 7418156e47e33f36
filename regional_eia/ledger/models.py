"""What the ledger returns and what it takes as an entry: frozen pydantic models, and the value rules
every amount, date and code obeys wherever it comes from (a write, an import, a migration)."""

from __future__ import annotations

import datetime as dt
import math
import unicodedata
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from standards.units import UNITS

from ..result import ScreeningResult

__all__ = ["Kind", "Pool", "CapKey", "MAX_AMOUNT", "APPLICATION_ID", "APPLICATION", "SCHEMA_VERSION", "is_url", "TOLERANCE", "normalise_code", "check_amount", "Line", "Entry",
           "CapStatus", "ExpiredReservation", "LedgerStatus", "Recording", "Verification"]

Kind = Literal["commit", "reserve", "release"]
Pool = Literal["commit", "reserve"]
CapKey = tuple[str, str, str]  # park, metric, basis

# No cap of any park comes near this in any unit the catalogue uses (a province's whole wastewater is
# about 1e8 m3/d), and a billion entries of it still sum to a finite, exact-enough float. An amount
# above it is a mistake (1e308, or a flow of 1e309 read as infinity), never a quantity.
MAX_AMOUNT = 1e15
APPLICATION_ID = 0x52454941  # "REIA": SQLite's PRAGMA application_id of a ledger file
APPLICATION = "regional-eia ledger"  # PostgreSQL: meta.application of a ledger database
SCHEMA_VERSION = 3
TOLERANCE = 1e-9


def is_url(target: object) -> bool:
    """Whether ``--ledger`` names a database server (a URL) rather than a file.

    Examples
    --------
    >>> is_url("postgresql://office@db.example/ledger"), is_url("park/ledger.sqlite")
    (True, False)
    """
    return isinstance(target, str) and "://" in target


def normalise_code(text: str) -> str:
    """A project or park id as the ledger keeps it: NFKC-normalised, and every other decimal digit
    (Arabic-Indic ``٢``, Devanagari ``२``, which NFKC keeps) written as its ASCII digit, so
    ``XC-２０２７`` and ``XC-٢٠٢٧`` are ``XC-2027``.

    One function, so that it can become the project-wide code normaliser (``standards/industry.py``)
    without a second copy here.

    Examples
    --------
    >>> normalise_code(" C２６١٤ ")
    'C2614'
    """
    text = unicodedata.normalize("NFKC", text).strip()
    if text.isascii():
        return text
    return "".join(str(unicodedata.decimal(c)) if c.isdecimal() and not c.isascii() else c for c in text)


def check_amount(value: float) -> float:
    """An amount the ledger can hold: finite, not negative, at most :data:`MAX_AMOUNT`.

    Examples
    --------
    >>> check_amount(1200.0)
    1200.0
    >>> check_amount(float("inf"))
    Traceback (most recent call last):
    ...
    ValueError: amount inf is not a finite quantity
    """
    if not math.isfinite(value):
        raise ValueError(f"amount {value!r} is not a finite quantity")
    if value < 0:
        raise ValueError(f"amount {value!r} is negative (a release takes from a pool; amounts are never negative)")
    if value > MAX_AMOUNT:
        raise ValueError(f"amount {value!r} is larger than any cap ({MAX_AMOUNT:g}): a mistake, not a quantity")
    return value


class _Out(BaseModel):
    model_config = ConfigDict(frozen=True)


class Line(_Out):
    """One amount on one cap: what it adds to (commit, reserve) or, in a release, takes from."""

    metric: str
    basis: str
    unit: str
    amount: float
    pool: Pool

    @field_validator("amount")
    @classmethod
    def _amount(cls, value: float) -> float:
        return check_amount(value)


class Entry(_Out):
    """One ledger entry with the batch it belongs to: a row of ``history`` and of an export.

    Every field is validated as a write would validate it, so an export that was edited into
    nonsense (a 13th month, an infinite amount, an unknown unit) is refused at import.
    """

    entry: int = Field(gt=0, description="order of the entry in the ledger, from 1")
    batch: str = Field(min_length=1, description="id of the recorded action the entry belongs to")
    kind: Kind
    project: str = Field(min_length=1)
    park: str = Field(min_length=1)
    metric: str
    basis: Literal["final_discharge", "sewer_intake", "emission"]
    unit: str
    amount: float
    pool: Pool = Field(description="commit or reserve: what the amount adds to, or a release takes from")
    recorded_by: str = Field(min_length=1)
    recorded_at: str = Field(description="ISO 8601 time, UTC")
    reason: str
    expires: str | None = Field(None, description="reservations: the last day they count (ISO date)")
    override: bool = False
    overrode: list[str] = Field(default_factory=list, description="the refusals an override set aside")
    screening: str | None = Field(None, description="the screening result (JSON) the amounts came from")
    hash: str | None = Field(None, description="SHA-256 over this entry and the hash of the one before it")

    @field_validator("project", "park")
    @classmethod
    def _code(cls, value: str) -> str:
        return normalise_code(value)

    @field_validator("amount")
    @classmethod
    def _amount(cls, value: float) -> float:
        return check_amount(value)

    @field_validator("unit")
    @classmethod
    def _unit(cls, value: str) -> str:
        if value not in UNITS:
            raise ValueError(f"unknown unit {value!r}; the ledger records caps' units ({', '.join(sorted(UNITS))})")
        return value

    @field_validator("recorded_at")
    @classmethod
    def _time(cls, value: str) -> str:
        try:
            stamp = dt.datetime.fromisoformat(value)
        except ValueError:
            raise ValueError(f"{value!r} is not an ISO 8601 time (2027-06-30T08:15:00+00:00)") from None
        if stamp.tzinfo is None:
            raise ValueError(f"{value!r} has no time zone; the ledger records UTC (+00:00)")
        return value

    @field_validator("expires")
    @classmethod
    def _day(cls, value: str | None) -> str | None:
        if value is None:
            return None
        try:
            dt.date.fromisoformat(value)
        except ValueError:
            raise ValueError(f"{value!r} is not a date (YYYY-MM-DD)") from None
        if len(value) != 10:
            raise ValueError(f"{value!r} is not a date in the form YYYY-MM-DD")
        return value

    @field_validator("hash")
    @classmethod
    def _hash(cls, value: str | None) -> str | None:
        if value in (None, ""):
            return None
        if len(value) != 64 or any(c not in "0123456789abcdef" for c in value):
            raise ValueError(f"{value[:20]!r} is not a SHA-256 hex digest")
        return value


class CapStatus(_Out):
    """One cap as the ledger sees it: the catalogue's baseline plus every entry."""

    park: str
    park_name: str
    metric: str
    unit: str
    basis: str
    cap: float
    baseline_committed: float
    baseline_reserved: float
    committed: float
    reserved: float
    remaining: float
    utilisation: float
    threshold: float
    over_threshold: bool
    expired: float = Field(0.0, description="reserved in expired reservations, no longer counted")


class ExpiredReservation(_Out):
    project: str
    park: str
    expires: str
    lines: list[Line]


class LedgerStatus(_Out):
    """What ``regional-eia ledger show`` prints."""

    ledger: str
    catalog: str
    as_of: str
    entries: int
    caps: list[CapStatus]
    expired: list[ExpiredReservation]
    warnings: list[str]


class Recording(_Out):
    """The outcome of a reserve, commit or release: what was written, or why it was refused."""

    recorded: bool
    kind: Kind
    project: str
    park: str | None
    batch: str | None = None
    entries: list[Entry] = Field(default_factory=list, description="every entry written, releases included")
    refusals: list[str] = Field(default_factory=list, description="why it was refused (or what was overridden)")
    overridden: bool = False
    screening: ScreeningResult | None = None
    caps: list[CapStatus] = Field(default_factory=list, description="the park's caps after the write")


class Verification(_Out):
    """What ``regional-eia ledger verify`` found."""

    ledger: str
    backend: Literal["sqlite", "postgresql"] = "sqlite"
    schema_version: int
    batches: int
    entries: int
    integrity: str
    head: str | None = Field(None, description="hash of the last entry: keep it to prove later that nothing "
                                               "recorded up to it was changed")
    problems: list[str]
    warnings: list[str]
    caps: list[CapStatus]

    @property
    def ok(self) -> bool:
        return not self.problems

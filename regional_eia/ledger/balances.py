"""Balances: every project's holding on every cap, summed from the entries, and each cap's status.

Amounts are summed in the cap's unit (the catalogue's; for a cap the catalogue no longer has, the unit
of its first entry). Reservations count until their expiry day, inclusive.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from standards.errors import UnitError
from standards.units import convert
from zones.catalog import Catalog
from zones.model import Cap

from ..capacity import Position
from ..render import fmt
from .models import TOLERANCE, CapKey, CapStatus, ExpiredReservation, Line

__all__ = ["Row", "Balance", "Balances", "ExcludingBook", "cap_statuses", "expired_reservations", "cap_warning",
           "catalogue_caps"]


@dataclass
class Balance:
    committed: float = 0.0
    reserved: float = 0.0


@dataclass(frozen=True)
class Row:
    """One entry with what balances need of its batch."""

    batch_seq: int
    kind: str
    project: str
    park: str
    expires: str | None
    metric: str
    basis: str
    unit: str
    amount: float
    pool: str


def _day(text: str | None) -> dt.date:
    """A stored expiry day; one that is not a date (only an old, unchecked ledger can hold one) counts as
    long expired, and verify names it."""
    try:
        return dt.date.fromisoformat(text)
    except (TypeError, ValueError):
        return dt.date.min


def catalogue_caps(catalog: Catalog | None) -> dict[CapKey, Cap]:
    if catalog is None:
        return {}
    return {(p, c.metric, c.basis): c for p in catalog.parks for c in catalog.park(p).caps}


class Balances:
    """Every project's balance on every cap, summed from the entries (amounts in the cap's unit)."""

    def __init__(self, rows: Iterable[Row], caps: dict[CapKey, Cap], as_of: dt.date, source: str):
        self.as_of = as_of
        self.source = source
        self.by_cap: dict[CapKey, dict[str, Balance]] = {}
        self.units: dict[CapKey, str] = {}
        self.reservation_expires: dict[tuple[str, str], dt.date] = {}  # (park, project): latest reserve's
        self.uncounted: list[str] = []  # rows that cannot be counted (verify names them)
        for row in rows:
            key = (row.park, row.metric, row.basis)
            unit = self.units.setdefault(key, caps[key].unit if key in caps else row.unit)
            try:
                amount = row.amount if row.unit == unit else convert(row.amount, row.unit, unit)
            except UnitError:
                self.uncounted.append(f"batch {row.batch_seq}: {row.metric} ({row.basis}) in {row.unit} cannot be "
                                      f"counted in the cap's {unit}")
                continue
            balance = self.by_cap.setdefault(key, {}).setdefault(row.project, Balance())
            sign = -1.0 if row.kind == "release" else 1.0
            if row.pool == "commit":
                balance.committed += sign * amount
            else:
                balance.reserved += sign * amount
            if row.kind == "reserve":
                self.reservation_expires[(row.park, row.project)] = _day(row.expires)
        for balances in self.by_cap.values():
            for b in balances.values():
                b.committed = 0.0 if abs(b.committed) < TOLERANCE else b.committed
                b.reserved = 0.0 if abs(b.reserved) < TOLERANCE else b.reserved

    def live(self, park: str, project: str) -> bool:
        expires = self.reservation_expires.get((park, project))
        return expires is not None and self.as_of <= expires

    def position(self, park: str, cap: Cap, exclude: str | None = None) -> Position:
        key = (park, cap.metric, cap.basis)
        committed, reserved = cap.committed, cap.reserved
        expired: list[str] = []
        for project, balance in self.by_cap.get(key, {}).items():
            if project == exclude:
                continue
            committed += balance.committed
            if balance.reserved and self.live(park, project):
                reserved += balance.reserved
            elif balance.reserved:
                expires = self.reservation_expires[(park, project)]
                expired.append(f"{project} {balance.reserved:g} {cap.unit} (expired {expires.isoformat()})")
        notes = (f"expired reservations not counted: {', '.join(expired)}",) if expired else ()
        source = self.source + (f" (without {exclude}'s own entries)" if exclude else "")
        return Position(committed, reserved, source, notes)

    def holdings(self, project: str) -> dict[str, dict[CapKey, Balance]]:
        """What ``project`` holds, by park: only caps where it holds something."""
        held: dict[str, dict[CapKey, Balance]] = {}
        for key, balances in self.by_cap.items():
            balance = balances.get(project)
            if balance is not None and (balance.committed > TOLERANCE or balance.reserved > TOLERANCE):
                held.setdefault(key[0], {})[key] = balance
        return held


class ExcludingBook:
    """The ledger as a project's re-screening sees it: without the project's own holdings."""

    def __init__(self, balances: Balances, project: str):
        self.balances, self.project = balances, project

    def position(self, park_id: str, cap: Cap) -> Position:
        return self.balances.position(park_id, cap, exclude=self.project)


def cap_statuses(catalog: Catalog, balances: Balances, parks: list[str]) -> list[CapStatus]:
    """Each cap of ``parks``: the catalogue's baseline plus the entries, utilisation against its threshold."""
    statuses = []
    for park_id in parks:
        park = catalog.park(park_id)
        threshold = park.utilisation_warning or catalog.spec.utilisation_warning
        for cap in park.caps:
            position = balances.position(park_id, cap)
            key = (park_id, cap.metric, cap.basis)
            expired = sum(b.reserved for p, b in balances.by_cap.get(key, {}).items()
                          if b.reserved and not balances.live(park_id, p))
            used = position.committed + position.reserved
            statuses.append(CapStatus(
                park=park_id, park_name=catalog.names[park_id], metric=cap.metric, unit=cap.unit, basis=cap.basis,
                cap=cap.value, baseline_committed=cap.committed, baseline_reserved=cap.reserved,
                committed=position.committed, reserved=position.reserved, remaining=cap.value - used,
                utilisation=used / cap.value, threshold=threshold, over_threshold=used / cap.value > threshold,
                expired=expired,
            ))
    return statuses


def expired_reservations(balances: Balances, parks: list[str]) -> list[ExpiredReservation]:
    found: dict[tuple[str, str], list[Line]] = {}
    for key, projects in balances.by_cap.items():
        if key[0] not in parks:
            continue
        for project, balance in projects.items():
            if balance.reserved > TOLERANCE and not balances.live(key[0], project):
                found.setdefault((key[0], project), []).append(Line(
                    metric=key[1], basis=key[2], unit=balances.units[key], amount=balance.reserved, pool="reserve"))
    return [ExpiredReservation(project=project, park=park, lines=lines,
                               expires=balances.reservation_expires[(park, project)].isoformat())
            for (park, project), lines in sorted(found.items())]


def cap_warning(cap: CapStatus) -> str:
    label = f"{cap.park_name} {cap.metric} cap ({fmt(cap.cap)} {cap.unit}, {cap.basis})"
    if cap.remaining < -TOLERANCE:
        return f"{label} is overspent by {fmt(-cap.remaining)} {cap.unit} ({cap.utilisation:.1%} used)"
    return f"{label} is {cap.utilisation:.1%} used, over the {cap.threshold:.0%} warning threshold"

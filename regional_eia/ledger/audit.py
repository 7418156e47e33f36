"""Audit: recompute the ledger from its entries and say what does not hold.

What ``ledger verify`` checks, each a *problem* (exit 1) when it fails:

- the database's own integrity (SQLite's integrity check; on PostgreSQL that the CHECK constraints
  are there) and that every append-only trigger exists and is enabled;
- the hash chain: every entry's hash follows from its content and the entry before, and the head
  (entry count, last hash) is where the entries end, so an edit, an insertion or a deletion, the last
  batch's included, shows even where the triggers were dropped first;
- every stored value is one a write would accept (finite amounts, real dates, known units);
- every batch is whole (the entries it declares), numbered in order, adds to its own pool, releases
  no more than the project then held, and (commit, reserve) records the amounts its screening gave.
"""

from __future__ import annotations

from pydantic import ValidationError

from standards.errors import UnitError
from standards.units import convert

from ..result import ScreeningResult
from .balances import Balance, Balances, Row
from .chain import GENESIS, entry_hash
from .models import TOLERANCE, CapKey, Entry

__all__ = ["check_store", "check_chain", "check_values", "check_sequence"]


def check_store(triggers: dict[str, bool], expected: set[str], integrity: list[str]) -> list[str]:
    problems = [f"database integrity: {p}" for p in integrity]
    missing = sorted(expected - set(triggers))
    if missing:
        problems.append(f"the append-only trigger(s) {', '.join(missing)} are missing: the ledger's tables can be "
                        "edited; restore them (a backup, or export and import into a new ledger)")
    disabled = sorted(name for name in expected & set(triggers) if not triggers[name])
    if disabled:
        problems.append(f"the append-only trigger(s) {', '.join(disabled)} are disabled")
    return problems


def check_chain(entries: list[Entry], head: tuple[int, int, str] | None, batches: int,
                expect_head: str | None = None) -> list[str]:
    """The chain, link by link, and its end against the head (and against a hash kept elsewhere)."""
    problems: list[str] = []
    previous = GENESIS
    broken = False
    for entry in entries:
        if entry.hash is None:
            problems.append(f"entry {entry.entry} has no hash: the chain is incomplete")
            broken = True
            break
        if entry_hash(previous, entry) != entry.hash:
            problems.append(f"entry {entry.entry} ({entry.kind} {entry.project}): its hash does not follow from its "
                            "content and the entry before it; this entry or one before it was edited, inserted or "
                            "deleted outside the ledger")
            broken = True
            break
        previous = entry.hash
    last = entries[-1] if entries else None
    if head is not None:
        head_batches, head_entries, head_hash = head
        if (last.entry if last else 0, previous if not broken else None) != (head_entries, head_hash) and not broken:
            problems.append(f"the ledger's head records {head_entries} entries ending in hash {head_hash[:12]}, but "
                            f"the entries end at {last.entry if last else 0} ({(last.hash or '')[:12] if last else '-'})"
                            ": entries were deleted (or added) outside the ledger")
        if head_batches != batches:
            problems.append(f"the ledger's head records {head_batches} batches but {batches} are stored")
    if expect_head is not None and not any(e.hash == expect_head for e in entries):
        problems.append(f"no entry has the hash {expect_head[:12]}… kept from an earlier verify: what was recorded "
                        "up to it has changed")
    return problems


def check_values(entries: list[Entry]) -> list[str]:
    """Every stored entry as a write would have accepted it (stops after five)."""
    problems = []
    for entry in entries:
        try:
            Entry.model_validate(entry.model_dump())
        except ValidationError as exc:
            err = exc.errors()[0]
            problems.append(f"entry {entry.entry} ({entry.kind} {entry.project}): {err['loc'][0]} "
                            f"{err['msg'].removeprefix('Value error, ')}")
            if len(problems) == 5:
                break
    return problems


def check_sequence(batches: list[tuple], lines_by_batch: dict[int, list[Row]], balances: Balances) -> list[str]:
    """Replay every batch in order: complete, consistent with its kind, never releasing more than held."""
    problems: list[str] = []
    held: dict[tuple[str, CapKey, str], float] = {}  # (project, cap, pool) -> amount, in the cap's unit
    committed_projects: set[str] = set()
    expected_seq = 1
    for seq, batch_id, kind, project, park, expires, declared, screening, _override, count in batches:
        label = f"batch {seq} ({batch_id}, {kind} {project})"
        if seq != expected_seq:
            problems.append(f"{label}: batch numbers jump from {expected_seq - 1} to {seq}")
        expected_seq = seq + 1
        if count != declared:
            problems.append(f"{label}: declares {declared} entries but has {count} (an incomplete write)")
        rows = lines_by_batch.get(seq, [])
        if kind != "release" and any(r.pool != kind for r in rows):
            problems.append(f"{label}: a {kind} entry adds to the wrong pool")
        if kind == "reserve" and expires is None:
            problems.append(f"{label}: a reservation without an expiry date")
        if kind in ("commit", "reserve"):
            problems += _check_screening(label, screening, rows)
        if kind == "commit":
            if project in committed_projects:
                problems.append(f"{label}: {project} committed again without being released")
            committed_projects.add(project)
        for row in rows:
            key = (row.park, row.metric, row.basis)
            unit = balances.units.get(key, row.unit)
            try:
                amount = row.amount if row.unit == unit else convert(row.amount, row.unit, unit)
            except UnitError as exc:
                problems.append(f"{label}: {row.metric} ({row.basis}) in {row.unit}, which cannot be counted in the "
                                f"cap's {unit} ({exc})")
                continue
            slot = (row.project, key, row.pool)
            if kind == "release":
                have = held.get(slot, 0.0)
                if amount > have + 1e-6:
                    problems.append(f"{label}: releases {amount:,.4g} {unit} of {row.metric} ({row.basis}) from the "
                                    f"{row.pool} pool, but {row.project} held {have:,.4g}")
                held[slot] = have - amount
            else:
                held[slot] = held.get(slot, 0.0) + amount
        if kind == "release" and not any(v > TOLERANCE for (p, _, pool), v in held.items()
                                         if p == project and pool == "commit"):
            committed_projects.discard(project)
    for (project, key, pool), amount in held.items():
        balance = balances.by_cap.get(key, {}).get(project, Balance())
        derived = balance.committed if pool == "commit" else balance.reserved
        if abs(derived - amount) > 1e-6:
            problems.append(f"{project} on {key[1]} ({key[2]}) of park {key[0]}: replay gives {amount:,.6g} "
                            f"{pool}, the balance says {derived:,.6g}")
    return problems


def _check_screening(label: str, screening: str | None, rows: list[Row]) -> list[str]:
    if screening is None:
        return [f"{label}: no screening result recorded"]
    try:
        result = ScreeningResult.model_validate_json(screening)
    except ValidationError as exc:
        return [f"{label}: the recorded screening result is not valid ({exc.error_count()} errors)"]
    demands = {(c.metric, c.basis): c.demand for c in result.capacity}
    problems = []
    for row in rows:
        demand = demands.get((row.metric, row.basis))
        if demand is None or abs(demand - row.amount) > 1e-9 * max(1.0, abs(demand)):
            problems.append(f"{label}: {row.metric} ({row.basis}) amount {row.amount:g} differs from the screened "
                            f"demand {demand}")
    return problems

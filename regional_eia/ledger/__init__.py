"""The capacity ledger: what each park has committed and reserved, in SQLite or PostgreSQL.

A park's remaining capacity changes every time a project is approved, withdrawn or reduced. The ledger
keeps those changes as entries that are only ever appended (a correction is a new entry) and derives
committed, reserved and remaining from them plus the catalogue's baseline figures. It is a
:class:`~regional_eia.capacity.CapacityBook`, so ``screen(project, catalog, book=ledger)`` screens
against what is left now.

Three kinds of entry, each on one cap (park, metric, basis) in the cap's unit:

- ``commit``: an approved project's demand, as screened;
- ``reserve``: a project under review, counted until its expiry date (inclusive);
- ``release``: capacity handed back (withdrawn, reduced, or a reservation converted into a commit),
  taken from the ``commit`` or the ``reserve`` pool.

One recorded action is a *batch* of entries (one per cap) sharing who, when, why and the screening
result (JSON) the amounts came from. :meth:`Ledger.reserve` and :meth:`Ledger.commit` re-screen the
project inside one write transaction that holds the ledger's lock, so no other writer can change the
ledger between the check and the record: concurrent approvals never overspend a cap.

The package, behind the :class:`Ledger` façade and :func:`open_ledger`:

- :mod:`.store`: the append-only store (SQLite file or PostgreSQL database through SQLAlchemy; the
  schema, its triggers and migrations, the write lock and why it is one per ledger);
- :mod:`.balances`: holdings and cap statuses summed from the entries;
- :mod:`.policy`: when a write is refused, and what a release hands back;
- :mod:`.exchange`: the export format (CSV, JSON lines) and reading it back;
- :mod:`.chain` and :mod:`.audit`: the hash chain over entries and ``verify``;
- :mod:`.render`: the text renderings the CLI prints;
- :mod:`.models`: what it all returns, and the rules every amount and code obeys.
"""

from __future__ import annotations

from .book import DEFAULT_RESERVATION_DAYS, LEDGER_NAME, Ledger, default_ledger_path, open_ledger
from .exchange import FORMATS, format_for
from .models import (APPLICATION_ID, MAX_AMOUNT, SCHEMA_VERSION, CapStatus, Entry, ExpiredReservation, Kind,
                     LedgerStatus, Line, Pool, Recording, Verification, is_url, normalise_code)

__all__ = [
    "APPLICATION_ID",
    "SCHEMA_VERSION",
    "DEFAULT_RESERVATION_DAYS",
    "LEDGER_NAME",
    "MAX_AMOUNT",
    "FORMATS",
    "Kind",
    "Pool",
    "Line",
    "Entry",
    "CapStatus",
    "ExpiredReservation",
    "LedgerStatus",
    "Recording",
    "Verification",
    "Ledger",
    "open_ledger",
    "default_ledger_path",
    "format_for",
    "is_url",
    "normalise_code",
]

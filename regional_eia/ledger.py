"""The capacity ledger: what each park has committed and reserved, kept in one SQLite file.

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
project inside one ``BEGIN IMMEDIATE`` transaction, so no other writer can change the ledger between
the check and the record: concurrent approvals never overspend a cap. The file is in WAL mode with
``synchronous=FULL``; a writer killed mid-write leaves the ledger as it was before that write.

Schema history (``PRAGMA user_version``; ``PRAGMA application_id`` marks the file as a ledger):
1 the first layout; 2 adds ``batches.overrode`` (the refusals an ``--override`` set aside) and
triggers that refuse any UPDATE or DELETE. An older ledger is migrated in place after a backup copy.
"""

from __future__ import annotations

import contextlib
import csv
import datetime as dt
import functools
import json
import sqlite3
import uuid
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from standards.units import convert
from zones.catalog import Catalog
from zones.model import Cap

from .capacity import Position
from .errors import LedgerError, RegionalEIAError
from .project import Project
from .render import fmt
from .result import ScreeningResult

__all__ = [
    "APPLICATION_ID",
    "SCHEMA_VERSION",
    "DEFAULT_RESERVATION_DAYS",
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
]

APPLICATION_ID = 0x52454941  # "REIA"
SCHEMA_VERSION = 2
DEFAULT_RESERVATION_DAYS = 90
LEDGER_NAME = "ledger.sqlite"
DEMO_LEDGER_NAME = "demo-ledger.sqlite"
_TOLERANCE = 1e-9

Kind = Literal["commit", "reserve", "release"]
Pool = Literal["commit", "reserve"]
CapKey = tuple[str, str, str]  # park, metric, basis

_SCHEMA = """
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL) STRICT;
CREATE TABLE batches (
    seq INTEGER PRIMARY KEY,
    id TEXT NOT NULL UNIQUE,
    kind TEXT NOT NULL CHECK (kind IN ('commit', 'reserve', 'release')),
    project TEXT NOT NULL,
    park TEXT NOT NULL,
    recorded_by TEXT NOT NULL,
    recorded_at TEXT NOT NULL,
    reason TEXT NOT NULL,
    expires TEXT,
    override INTEGER NOT NULL CHECK (override IN (0, 1)),
    screening TEXT,
    lines INTEGER NOT NULL CHECK (lines > 0),
    overrode TEXT NOT NULL DEFAULT '[]',
    CHECK ((kind = 'reserve') = (expires IS NOT NULL))
) STRICT;
CREATE TABLE entries (
    seq INTEGER PRIMARY KEY,
    batch INTEGER NOT NULL REFERENCES batches (seq),
    metric TEXT NOT NULL,
    basis TEXT NOT NULL,
    unit TEXT NOT NULL,
    amount REAL NOT NULL CHECK (amount >= 0),
    pool TEXT NOT NULL CHECK (pool IN ('commit', 'reserve'))
) STRICT;
CREATE INDEX entries_by_batch ON entries (batch);
CREATE INDEX batches_by_project ON batches (project);
CREATE INDEX batches_by_park ON batches (park);
"""

_APPEND_ONLY = """
CREATE TRIGGER batches_no_update BEFORE UPDATE ON batches
    BEGIN SELECT RAISE(ABORT, 'the ledger is append-only: record a new entry instead'); END;
CREATE TRIGGER batches_no_delete BEFORE DELETE ON batches
    BEGIN SELECT RAISE(ABORT, 'the ledger is append-only: record a release instead'); END;
CREATE TRIGGER entries_no_update BEFORE UPDATE ON entries
    BEGIN SELECT RAISE(ABORT, 'the ledger is append-only: record a new entry instead'); END;
CREATE TRIGGER entries_no_delete BEFORE DELETE ON entries
    BEGIN SELECT RAISE(ABORT, 'the ledger is append-only: record a release instead'); END;
"""

_MIGRATIONS = {
    # schema 1 -> 2: what an override set aside is kept; the file itself refuses edits
    1: "ALTER TABLE batches ADD COLUMN overrode TEXT NOT NULL DEFAULT '[]';" + _APPEND_ONLY,
}

_ENTRY_QUERY = """
SELECT e.seq, b.id, b.kind, b.project, b.park, e.metric, e.basis, e.unit, e.amount, e.pool,
       b.recorded_by, b.recorded_at, b.reason, b.expires, b.override, b.overrode, b.screening
FROM entries e JOIN batches b ON e.batch = b.seq
"""


# --- what the ledger returns -----------------------------------------------------------------------


class _Out(BaseModel):
    model_config = ConfigDict(frozen=True)


class Line(_Out):
    """One amount on one cap: what it adds to (commit, reserve) or, in a release, takes from."""

    metric: str
    basis: str
    unit: str
    amount: float = Field(ge=0)
    pool: Pool


class Entry(_Out):
    """One ledger entry with the batch it belongs to: a row of ``history`` and of an export."""

    entry: int = Field(gt=0, description="order of the entry in the ledger, from 1")
    batch: str = Field(description="id of the recorded action the entry belongs to")
    kind: Kind
    project: str
    park: str
    metric: str
    basis: str
    unit: str
    amount: float = Field(ge=0)
    pool: Pool = Field(description="commit or reserve: what the amount adds to, or a release takes from")
    recorded_by: str
    recorded_at: str = Field(description="ISO 8601 time, UTC")
    reason: str
    expires: str | None = Field(None, description="reservations: the last day they count (ISO date)")
    override: bool = False
    overrode: list[str] = Field(default_factory=list, description="the refusals an override set aside")
    screening: str | None = Field(None, description="the screening result (JSON) the amounts came from")


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
    schema_version: int
    batches: int
    entries: int
    integrity: str
    problems: list[str]
    warnings: list[str]
    caps: list[CapStatus]

    @property
    def ok(self) -> bool:
        return not self.problems


# --- balances --------------------------------------------------------------------------------------


@dataclass
class _Balance:
    committed: float = 0.0
    reserved: float = 0.0


@dataclass(frozen=True)
class _Row:
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


class _Balances:
    """Every project's balance on every cap, summed from the entries (amounts in the cap's unit)."""

    def __init__(self, rows: Iterable[_Row], caps: dict[CapKey, Cap], as_of: dt.date, source: str):
        self.as_of = as_of
        self.source = source
        self.by_cap: dict[CapKey, dict[str, _Balance]] = {}
        self.units: dict[CapKey, str] = {}
        self.reservation_expires: dict[tuple[str, str], dt.date] = {}  # (park, project): latest reserve's
        for row in rows:
            key = (row.park, row.metric, row.basis)
            unit = self.units.setdefault(key, caps[key].unit if key in caps else row.unit)
            amount = row.amount if row.unit == unit else convert(row.amount, row.unit, unit)
            balance = self.by_cap.setdefault(key, {}).setdefault(row.project, _Balance())
            sign = -1.0 if row.kind == "release" else 1.0
            if row.pool == "commit":
                balance.committed += sign * amount
            else:
                balance.reserved += sign * amount
            if row.kind == "reserve":
                self.reservation_expires[(row.park, row.project)] = dt.date.fromisoformat(row.expires)
        for balances in self.by_cap.values():
            for b in balances.values():
                b.committed = 0.0 if abs(b.committed) < _TOLERANCE else b.committed
                b.reserved = 0.0 if abs(b.reserved) < _TOLERANCE else b.reserved

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

    def holdings(self, project: str) -> dict[str, dict[CapKey, _Balance]]:
        """What ``project`` holds, by park: only caps where it holds something."""
        held: dict[str, dict[CapKey, _Balance]] = {}
        for key, balances in self.by_cap.items():
            balance = balances.get(project)
            if balance is not None and (balance.committed > _TOLERANCE or balance.reserved > _TOLERANCE):
                held.setdefault(key[0], {})[key] = balance
        return held


class _ExcludingBook:
    """The ledger as a project's re-screening sees it: without the project's own holdings."""

    def __init__(self, balances: _Balances, project: str):
        self.balances, self.project = balances, project

    def position(self, park_id: str, cap: Cap) -> Position:
        return self.balances.position(park_id, cap, exclude=self.project)


# --- opening ---------------------------------------------------------------------------------------


def default_ledger_path(catalog: str | Path | None = None) -> Path:
    """Where the ledger lives when ``--ledger`` is not given: beside the catalogue.

    For the embedded demo catalogue, which may sit in a read-only install, it is ``demo-ledger.sqlite``
    in the current folder.

    Examples
    --------
    >>> default_ledger_path("zones/demo").name
    'ledger.sqlite'
    >>> default_ledger_path(None).name
    'demo-ledger.sqlite'
    """
    if catalog is None:
        return Path.cwd() / DEMO_LEDGER_NAME
    catalog = Path(catalog)
    folder = catalog.parent if catalog.suffix.lower() in (".yaml", ".yml") else catalog
    return folder / LEDGER_NAME


def open_ledger(path: str | Path, catalog: Catalog | None = None, *, create: bool = True,
                as_of: dt.date | None = None, timeout: float = 30.0) -> Ledger:
    """Open a capacity ledger, creating it on first use and migrating an older schema in place.

    Parameters
    ----------
    path
        The ledger file (SQLite). A missing file is created when ``create`` is true.
    catalog
        The catalogue whose caps the ledger keeps; required to create a ledger, to screen and to show
        remaining capacity, not to read history or export. A ledger remembers its catalogue's name and
        refuses another's.
    create
        Create the file when it does not exist (``False``: a missing file is an error).
    as_of
        The day against which reservations expire when reading (default: today, each time).
    timeout
        Seconds to wait for another process's write to finish before giving up.

    Returns
    -------
    Ledger
        Use it as a context manager, or call :meth:`Ledger.close`.

    Raises
    ------
    LedgerError
        Naming the file, when it is not a ledger (not SQLite, another application's database, a newer
        schema), when it is corrupt (it is then left untouched), or when its catalogue differs.

    Examples
    --------
    >>> import tempfile
    >>> from zones import load_catalog
    >>> folder = tempfile.mkdtemp()
    >>> with open_ledger(f"{folder}/ledger.sqlite", load_catalog()) as ledger:
    ...     ledger.schema_version, ledger.created
    (2, True)
    """
    path = Path(path)
    version = _inspect(path, timeout)
    if version is None:
        if not create:
            raise LedgerError(path, "no ledger here; create it with `regional-eia ledger init --ledger PATH`")
        if not path.parent.is_dir():
            raise LedgerError(path, f"folder {path.parent} does not exist")
    if version in (None, 0) and catalog is None:
        raise LedgerError(path, "a new ledger needs its catalogue (--catalog)")
    try:
        connection = sqlite3.connect(path, timeout=timeout, isolation_level=None)
    except sqlite3.Error as exc:
        raise LedgerError(path, f"cannot open: {exc}") from exc
    ledger = Ledger(path, connection, catalog, as_of=as_of)
    try:
        ledger._prepare(catalog)
    except BaseException:
        connection.close()
        raise
    return ledger


def _inspect(path: Path, timeout: float) -> int | None:
    """The schema version of an existing ledger (0: an empty database), None when there is no file.

    Reads without writing, so a file that is not a ledger, or is corrupt, is left exactly as it was.
    """
    if path.is_dir():
        raise LedgerError(path, "is a folder; give the ledger file, e.g. --ledger park/ledger.sqlite")
    if not path.exists():
        return None
    try:
        with path.open("rb") as f:
            head = f.read(100)
    except OSError as exc:
        raise LedgerError(path, f"cannot read: {exc.strerror}") from exc
    if not head:
        return 0
    if not head.startswith(b"SQLite format 3\x00"):
        raise LedgerError(path, f"not a ledger: not an SQLite database (it begins {head[:16]!r}); "
                                "check the --ledger path")
    sidecars = [path.with_name(path.name + suffix) for suffix in ("-wal", "-shm")]
    absent = [s for s in sidecars if not s.exists()]
    try:
        return _schema_of(path, timeout)
    except LedgerError:
        for sidecar in absent:  # a read-only look at a WAL file may leave empty -wal/-shm files: not ours to keep
            with contextlib.suppress(OSError):
                sidecar.unlink()
        raise


def _schema_of(path: Path, timeout: float) -> int:
    try:
        readonly = sqlite3.connect(path.resolve().as_uri() + "?mode=ro", uri=True, timeout=timeout)
    except sqlite3.Error as exc:
        raise LedgerError(path, f"cannot open: {exc}") from exc
    try:
        check = [row[0] for row in readonly.execute("PRAGMA quick_check")]
        app_id = readonly.execute("PRAGMA application_id").fetchone()[0]
        version = readonly.execute("PRAGMA user_version").fetchone()[0]
        tables = sorted(r[0] for r in readonly.execute("SELECT name FROM sqlite_master WHERE type = 'table'"))
    except sqlite3.DatabaseError as exc:
        raise _corrupt(path, str(exc)) from exc
    finally:
        readonly.close()
    if check != ["ok"]:
        raise _corrupt(path, "; ".join(check[:3]))
    if app_id == 0 and version == 0 and not tables:
        return 0
    if app_id != APPLICATION_ID:
        raise LedgerError(path, f"an SQLite database, but not a regional-eia ledger (application_id {app_id:#x}, "
                                f"tables {', '.join(tables) or 'none'}); give a ledger file or a new path")
    if version > SCHEMA_VERSION:
        raise LedgerError(path, f"written by a newer regional-eia (ledger schema {version}; this version reads up "
                                f"to {SCHEMA_VERSION}): upgrade regional-eia")
    if version < 1:
        raise _corrupt(path, f"ledger schema version {version}")
    return version


def _corrupt(path: Path, why: str) -> LedgerError:
    why = " ".join(why.replace("*", "").split())
    return LedgerError(path, f"the ledger is corrupt ({why}); it has not been modified. Restore its latest "
                             "backup, or `regional-eia ledger import` its latest export into a new ledger")


# --- the ledger ------------------------------------------------------------------------------------


class Ledger:
    """An open capacity ledger: a :class:`~regional_eia.capacity.CapacityBook` that also records.

    Build it with :func:`open_ledger`. Reads take a consistent snapshot; :meth:`reserve`,
    :meth:`commit` and :meth:`release` check and record inside one write transaction.
    """

    def __init__(self, path: Path, connection: sqlite3.Connection, catalog: Catalog | None,
                 as_of: dt.date | None = None):
        self.path = path
        self.catalog = catalog
        self.as_of = as_of
        self.created = False
        self.migrated_from: int | None = None
        self.backup: Path | None = None
        self._connection = connection
        self._cache: tuple[tuple[int, int, dt.date], _Balances] | None = None
        self._writes = 0

    # context management

    def __enter__(self) -> Ledger:
        return self

    def __exit__(self, *exc_info) -> None:
        self.close()

    def close(self) -> None:
        """Close the file (a checkpoint folds the write-ahead log back into it)."""
        self._connection.close()

    def __repr__(self) -> str:
        return f"Ledger({str(self.path)!r})"

    # --- CapacityBook

    def position(self, park_id: str, cap: Cap) -> Position:
        """Committed and reserved on ``cap``: the catalogue's baseline plus the ledger's entries.

        Reservations past their expiry (see ``as_of``) are not counted; the position's notes name them.

        Examples
        --------
        >>> import tempfile
        >>> from zones import load_catalog
        >>> catalog = load_catalog()
        >>> cap = catalog.park("xuancheng-hitech").caps[0]
        >>> with open_ledger(f"{tempfile.mkdtemp()}/l.sqlite", catalog) as ledger:
        ...     ledger.position("xuancheng-hitech", cap).committed
        18200.0
        """
        return self._balances().position(park_id, cap)

    # --- writing

    def reserve(self, project: Project, *, by: str, expires: dt.date | None = None, reason: str = "",
                override: bool = False, on: dt.date | None = None) -> Recording:
        """Reserve capacity for a project under review, after re-screening it against what is left.

        The check and the record happen in one write transaction. A project that already holds a
        reservation has it replaced (released, then reserved again at the new amounts); a committed
        project cannot reserve.

        Parameters
        ----------
        project
            The project as screened.
        by
            Who records it.
        expires
            The last day the reservation counts; default: today + 90 days.
        reason
            Free text kept with the entries; required with ``override``.
        override
            Record even when the screening refuses it (an overspent cap, a prohibited industry); the
            refusals are recorded with the entries. Missing data cannot be overridden: the amount it
            hides is unknown.
        on
            The screening date (limits in force then); default: today.

        Returns
        -------
        Recording
            ``recorded`` False with ``refusals`` when refused; nothing is written then.

        Examples
        --------
        >>> import tempfile
        >>> from regional_eia import load_project
        >>> from zones import load_catalog
        >>> ledger = open_ledger(f"{tempfile.mkdtemp()}/l.sqlite", load_catalog())
        >>> rec = ledger.reserve(load_project("examples/langxi-equipment.yaml"), by="doctest")
        >>> rec.recorded, rec.park
        (True, 'langxi-edz')
        >>> ledger.close()
        """
        return self._check_and_record("reserve", project, by=by, expires=expires, reason=reason,
                                      override=override, on=on)

    def commit(self, project: Project, *, by: str, reason: str = "", override: bool = False,
               on: dt.date | None = None) -> Recording:
        """Commit capacity for an approved project, after re-screening it against what is left.

        The check and the record happen in one write transaction (``BEGIN IMMEDIATE``): of many
        processes committing onto a cap that fits k of them, exactly k succeed. The project's own
        reservation, if any, is released in the same transaction (it becomes the commitment). A project
        can be committed once; to change it, release it and commit again, or record a new phase under
        its own id.

        Parameters are those of :meth:`reserve`, without ``expires``.

        Examples
        --------
        >>> import tempfile
        >>> from regional_eia import load_project
        >>> from zones import load_catalog
        >>> ledger = open_ledger(f"{tempfile.mkdtemp()}/l.sqlite", load_catalog())
        >>> rec = ledger.commit(load_project("examples/xuancheng-dyeing-phase2-3.yaml"), by="doctest")
        >>> rec.recorded
        False
        >>> rec.refusals[0][:45]
        'would overspend: demand 3,000 m3/d exceeds th'
        >>> ledger.close()
        """
        return self._check_and_record("commit", project, by=by, expires=None, reason=reason,
                                      override=override, on=on)

    def release(self, project_id: str, *, by: str, reason: str, reduced: Project | None = None,
                park: str | None = None, on: dt.date | None = None) -> Recording:
        """Hand back what a project holds: all of it (withdrawn), or what a reduced version no longer needs.

        Parameters
        ----------
        project_id
            The project whose commitment or reservation is released.
        by, reason
            Who records it and why (required: withdrawn, reduced, permit revoked, ...).
        reduced
            The reduced project (same id): it is screened, and per cap the difference between what the
            project holds and what the reduced version demands is released. An increase is refused:
            reserve or commit it instead.
        park
            Only this park (default: every park where the project holds something).
        on
            The screening date of ``reduced``.

        Examples
        --------
        >>> import tempfile
        >>> from regional_eia import load_project
        >>> from zones import load_catalog
        >>> ledger = open_ledger(f"{tempfile.mkdtemp()}/l.sqlite", load_catalog())
        >>> project = load_project("examples/langxi-equipment.yaml")
        >>> ledger.commit(project, by="doctest").recorded
        True
        >>> ledger.release(project.id, by="doctest", reason="withdrawn").entries[0].kind
        'release'
        >>> ledger.close()
        """
        if not reason.strip():
            raise LedgerError(self.path, "a release needs a reason (withdrawn, reduced to ..., ...)")
        if reduced is not None and reduced.id != project_id:
            raise LedgerError(self.path, f"the reduced project is {reduced.id}, not {project_id}: a reduction keeps "
                                         "the project's id")
        by = self._who(by)
        self._need_catalog()
        with self._write() as connection:
            balances = self._read_balances(connection, self._today())
            held = balances.holdings(project_id)
            if park is not None:
                held = {park: held[park]} if park in held else {}
            refusal = functools.partial(Recording, recorded=False, kind="release", project=project_id, park=park)
            if not held:
                where = f" in park {park}" if park else ""
                return refusal(refusals=[f"{project_id} holds nothing in this ledger{where}"])
            result = None
            if reduced is None:
                releases = {p: _release_all(caps, balances.units) for p, caps in held.items()}
            else:
                result = self._screen(reduced, _ExcludingBook(balances, project_id), on)
                refusals, releases = _release_reduced(result, held, balances.units)
                if refusals:
                    return refusal(refusals=refusals, park=result.location.park, screening=result)
            now = _now()
            entries: list[Entry] = []
            for released_park, lines in releases.items():
                if lines:
                    entries += self._insert(connection, kind="release", project=project_id, park=released_park,
                                            lines=lines, by=by, at=now, reason=reason, screening=result)
            if not entries:
                return refusal(refusals=["the reduced project needs what it holds: nothing to release"],
                               screening=result)
            parks = sorted({e.park for e in entries})
            caps = self._status_in(connection, parks)
        return Recording(recorded=True, kind="release", project=project_id, park=parks[0] if len(parks) == 1 else None,
                         batch=entries[-1].batch, entries=entries, screening=result, caps=caps)

    # --- reading

    def status(self, park: str | None = None, as_of: dt.date | None = None) -> LedgerStatus:
        """Each cap with committed, reserved, remaining and utilisation; expired reservations named.

        Parameters
        ----------
        park
            One park's id (default: every park of the catalogue).
        as_of
            The day against which reservations expire (default: the ledger's ``as_of``, else today).

        Examples
        --------
        >>> import tempfile
        >>> from zones import load_catalog
        >>> with open_ledger(f"{tempfile.mkdtemp()}/l.sqlite", load_catalog()) as ledger:
        ...     status = ledger.status(park="xuancheng-hitech")
        >>> status.caps[0].metric, status.caps[0].remaining, status.caps[0].over_threshold
        ('wastewater', 1200.0, True)
        """
        catalog = self._need_catalog()
        if park is not None and park not in catalog.parks:
            raise LedgerError(self.path, f"no park {park!r} in catalogue {catalog.name!r}; "
                                         f"its parks are {', '.join(catalog.parks)}")
        day = as_of or self._today()
        with self._read() as connection:
            balances = self._read_balances(connection, day)
            count = connection.execute("SELECT count(*) FROM entries").fetchone()[0]
        parks = [park] if park else list(catalog.parks)
        caps = _cap_statuses(catalog, balances, parks)
        expired = _expired(balances, parks)
        warnings = [_warning_for(c) for c in caps if c.over_threshold or c.remaining < -_TOLERANCE]
        known = {(p, c.metric, c.basis) for p in catalog.parks for c in catalog.park(p).caps}
        warnings += [f"entries on the {key[1]} ({key[2]}) cap of park {key[0]}, which the catalogue does not "
                     "have, are not counted" for key in balances.by_cap if key not in known and key[0] in parks]
        return LedgerStatus(ledger=str(self.path), catalog=catalog.name, as_of=day.isoformat(), entries=count,
                            caps=caps, expired=expired, warnings=warnings)

    def history(self, *, park: str | None = None, project: str | None = None, kind: Kind | None = None,
                by: str | None = None, metric: str | None = None, since: dt.date | None = None,
                until: dt.date | None = None) -> list[Entry]:
        """The entries, oldest first, filtered by park, project, kind, recorder, metric and UTC date range.

        Examples
        --------
        >>> import tempfile
        >>> from zones import load_catalog
        >>> with open_ledger(f"{tempfile.mkdtemp()}/l.sqlite", load_catalog()) as ledger:
        ...     ledger.history(kind="commit")
        []
        """
        filters = {"b.park = ?": park, "b.project = ?": project, "b.kind = ?": kind, "b.recorded_by = ?": by,
                   "e.metric = ?": metric, "b.recorded_at >= ?": since.isoformat() if since else None,
                   "b.recorded_at < ?": (until + dt.timedelta(days=1)).isoformat() if until else None}
        used = {clause: value for clause, value in filters.items() if value is not None}
        where = f" WHERE {' AND '.join(used)}" if used else ""
        with self._read() as connection:
            rows = connection.execute(f"{_ENTRY_QUERY}{where} ORDER BY e.seq", tuple(used.values())).fetchall()
        return [_entry_from_row(row) for row in rows]

    def export_entries(self, target: IO[str], format: Literal["csv", "jsonl"] = "jsonl") -> int:
        """Write every entry to ``target`` as CSV or JSON lines; return how many.

        Floats are written in their shortest exact form and the screening JSON as stored, so
        :meth:`import_entries` into an empty ledger reproduces this one exactly.

        Examples
        --------
        >>> import io, tempfile
        >>> from zones import load_catalog
        >>> with open_ledger(f"{tempfile.mkdtemp()}/l.sqlite", load_catalog()) as ledger:
        ...     ledger.export_entries(io.StringIO(), "csv")
        0
        """
        entries = self.history()
        if format == "csv":
            writer = csv.DictWriter(target, fieldnames=list(Entry.model_fields), lineterminator="\n")
            writer.writeheader()
            for entry in entries:
                writer.writerow(_csv_row(entry))
        elif format == "jsonl":
            for entry in entries:
                target.write(entry.model_dump_json() + "\n")
        else:
            raise LedgerError(self.path, f"unknown export format {format!r}: csv or jsonl")
        return len(entries)

    def import_entries(self, source: IO[str], format: Literal["csv", "jsonl"] = "jsonl",
                       name: str = "<import>") -> int:
        """Load an export into this ledger, which must be empty; all or nothing. Return how many entries.

        Examples
        --------
        >>> import io, tempfile
        >>> from zones import load_catalog
        >>> with open_ledger(f"{tempfile.mkdtemp()}/l.sqlite", load_catalog()) as ledger:
        ...     ledger.import_entries(io.StringIO(""), "jsonl")
        0
        """
        entries = list(_read_export(source, format, name))
        batches = _group_batches(entries, name)
        with self._write() as connection:
            held = connection.execute("SELECT count(*) FROM batches").fetchone()[0]
            if held:
                raise LedgerError(self.path, f"import needs an empty ledger; this one holds {held} batches. "
                                             "Import into a new --ledger path")
            for seq, (first, lines) in enumerate(batches, start=1):
                _insert_batch_row(connection, seq, first.batch, first.kind, first.project, first.park,
                                  first.recorded_by, first.recorded_at, first.reason, first.expires,
                                  first.override, first.overrode, first.screening, len(lines))
                connection.executemany(
                    "INSERT INTO entries (seq, batch, metric, basis, unit, amount, pool) VALUES (?, ?, ?, ?, ?, ?, ?)",
                    [(e.entry, seq, e.metric, e.basis, e.unit, e.amount, e.pool) for e in lines])
        return len(entries)

    def verify(self) -> Verification:
        """Recompute everything and check integrity: SQLite's own check, every batch complete, every
        release covered by what the project held then, amounts equal to their screening, caps known.

        Examples
        --------
        >>> import tempfile
        >>> from zones import load_catalog
        >>> with open_ledger(f"{tempfile.mkdtemp()}/l.sqlite", load_catalog()) as ledger:
        ...     ledger.verify().ok
        True
        """
        problems: list[str] = []
        warnings: list[str] = []
        with self._read() as connection:
            integrity = "; ".join(r[0] for r in connection.execute("PRAGMA integrity_check").fetchall()[:5])
            if integrity != "ok":
                problems.append(f"SQLite integrity check: {integrity}")
            for table, rowid, parent, _ in connection.execute("PRAGMA foreign_key_check"):
                problems.append(f"{table} row {rowid} points at a missing {parent} row")
            batches = connection.execute(
                "SELECT b.seq, b.id, b.kind, b.project, b.park, b.expires, b.lines, b.screening, b.override, "
                "count(e.seq) FROM batches b LEFT JOIN entries e ON e.batch = b.seq GROUP BY b.seq ORDER BY b.seq"
            ).fetchall()
            rows = _rows(connection)
            entry_count = connection.execute("SELECT count(*) FROM entries").fetchone()[0]
            balances = self._read_balances(connection, self._today())
        lines_by_batch: dict[int, list[_Row]] = {}
        for row in rows:
            lines_by_batch.setdefault(row.batch_seq, []).append(row)
        problems += _check_sequence(batches, lines_by_batch, balances)
        overrides = [b[1] for b in batches if b[8]]
        if overrides:
            warnings.append(f"{len(overrides)} batch(es) were recorded with --override: {', '.join(overrides[:5])}")
        caps: list[CapStatus] = []
        if self.catalog is not None:
            known = {(p, c.metric, c.basis) for p in self.catalog.parks for c in self.catalog.park(p).caps}
            for key in balances.by_cap:
                if key not in known:
                    warnings.append(f"entries on the {key[1]} ({key[2]}) cap of park {key[0]}, which catalogue "
                                    f"{self.catalog.name!r} does not have")
            caps = _cap_statuses(self.catalog, balances, list(self.catalog.parks))
            warnings += [f"{c.park} {c.metric} ({c.basis}) is over its cap by {fmt(-c.remaining)} {c.unit}"
                         for c in caps if c.remaining < -_TOLERANCE]
        return Verification(ledger=str(self.path), schema_version=self.schema_version, batches=len(batches),
                            entries=entry_count, integrity=integrity, problems=problems, warnings=warnings,
                            caps=caps)

    @property
    def schema_version(self) -> int:
        return self._connection.execute("PRAGMA user_version").fetchone()[0]

    # --- internals

    def _prepare(self, catalog: Catalog | None) -> None:
        connection = self._connection
        with self._translated():
            mode = connection.execute("PRAGMA journal_mode = WAL").fetchone()[0]
            if mode.lower() != "wal":
                raise LedgerError(self.path, f"cannot switch the ledger to WAL mode (got {mode}); "
                                             "keep it on a local disk")
            connection.execute("PRAGMA synchronous = FULL")
            connection.execute("PRAGMA foreign_keys = ON")
        with self._write() as connection:
            version = connection.execute("PRAGMA user_version").fetchone()[0]
            if version == 0:
                for statement in _statements(_SCHEMA + _APPEND_ONLY):
                    connection.execute(statement)
                connection.execute(f"PRAGMA application_id = {APPLICATION_ID}")
                connection.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
                connection.executemany("INSERT INTO meta (key, value) VALUES (?, ?)", [
                    ("catalog", catalog.name), ("created_at", _now()),
                ])
                self.created = True
            elif version < SCHEMA_VERSION:
                self.backup = self._back_up(version)
                for step in range(version, SCHEMA_VERSION):
                    for statement in _statements(_MIGRATIONS[step]):
                        connection.execute(statement)
                connection.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
                self.migrated_from = version
            stored = dict(connection.execute("SELECT key, value FROM meta").fetchall())
        if catalog is not None and stored.get("catalog") != catalog.name:
            raise LedgerError(self.path, f"this ledger keeps the caps of catalogue {stored.get('catalog')!r}, not "
                                         f"{catalog.name!r}; pass the --catalog it was created with, or use "
                                         "another --ledger")

    def _back_up(self, version: int) -> Path:
        """Copy the ledger before migrating it, through SQLite's backup API so that the copy is consistent.

        Called holding the write lock; the copy is read through a second connection (WAL lets it read).
        """
        target = self.path.with_name(f"{self.path.name}.schema{version}.bak")
        if target.exists():
            stamp = dt.datetime.now().strftime("%Y%m%dT%H%M%S")
            target = self.path.with_name(f"{self.path.name}.schema{version}.{stamp}.bak")
        try:
            source, copy = sqlite3.connect(self.path), sqlite3.connect(target)
            try:
                source.backup(copy)
            finally:
                source.close()
                copy.close()
        except sqlite3.Error as exc:
            raise LedgerError(self.path, f"cannot write the backup {target} before migrating: {exc}; "
                                         "nothing was changed") from exc
        return target

    def _check_and_record(self, kind: Kind, project: Project, *, by: str, expires: dt.date | None, reason: str,
                          override: bool, on: dt.date | None) -> Recording:
        if override and not reason.strip():
            raise LedgerError(self.path, "an override needs a reason (--reason): say why the refusal is set aside")
        by = self._who(by)
        self._need_catalog()
        today = self._today()
        if kind == "reserve":
            expires = expires or today + dt.timedelta(days=DEFAULT_RESERVATION_DAYS)
            if expires < today:
                raise LedgerError(self.path, f"the reservation would expire on {expires.isoformat()}, before today "
                                             f"({today.isoformat()}); give a later --expires")
        with self._write() as connection:
            balances = self._read_balances(connection, today)
            held = balances.holdings(project.id)
            result = self._screen(project, _ExcludingBook(balances, project.id), on)
            park = result.location.park
            hard, soft = _refusals(kind, project.id, result, held, self.catalog)
            if hard or (soft and not override):
                return Recording(recorded=False, kind=kind, project=project.id, park=park, refusals=hard + soft,
                                 screening=result, caps=self._status_in(connection, [park] if park else []))
            now = _now()
            entries: list[Entry] = []
            why = "converted into the commitment" if kind == "commit" else "replaced by a new reservation"
            for held_park, caps in held.items():  # the project's own reservation, wherever it was
                lines = [line for line in _release_all(caps, balances.units) if line.pool == "reserve"]
                if lines:
                    entries += self._insert(connection, kind="release", project=project.id, park=held_park,
                                            lines=lines, by=by, at=now, reason=f"reservation {why}")
            lines = [Line(metric=c.metric, basis=c.basis, unit=c.unit, amount=max(c.demand, 0.0), pool=kind)
                     for c in result.capacity]
            entries += self._insert(connection, kind=kind, project=project.id, park=park, lines=lines, by=by,
                                    at=now, reason=reason, expires=expires, override=bool(soft), overrode=soft,
                                    screening=result)
            caps = self._status_in(connection, [park])
        return Recording(recorded=True, kind=kind, project=project.id, park=park, batch=entries[-1].batch,
                         entries=entries, refusals=soft, overridden=bool(soft), screening=result, caps=caps)

    def _screen(self, project: Project, book, on: dt.date | None) -> ScreeningResult:
        from .screening import screen_many

        outcome = screen_many([project], self.catalog, book=book, on=on)[0]
        if isinstance(outcome, RegionalEIAError):
            raise outcome
        return outcome

    def _insert(self, connection: sqlite3.Connection, *, kind: Kind, project: str, park: str, lines: list[Line],
                by: str, at: str, reason: str, expires: dt.date | None = None, override: bool = False,
                overrode: list[str] | None = None, screening: ScreeningResult | None = None) -> list[Entry]:
        batch = uuid.uuid4().hex
        seq = connection.execute("SELECT coalesce(max(seq), 0) + 1 FROM batches").fetchone()[0]
        screening_json = screening.model_dump_json() if screening is not None else None
        _insert_batch_row(connection, seq, batch, kind, project, park, by, at, reason,
                          expires.isoformat() if expires else None, override, overrode or [], screening_json,
                          len(lines))
        first = connection.execute("SELECT coalesce(max(seq), 0) + 1 FROM entries").fetchone()[0]
        connection.executemany(
            "INSERT INTO entries (seq, batch, metric, basis, unit, amount, pool) VALUES (?, ?, ?, ?, ?, ?, ?)",
            [(first + i, seq, line.metric, line.basis, line.unit, line.amount, line.pool)
             for i, line in enumerate(lines)])
        self._writes += 1
        return [Entry(entry=first + i, batch=batch, kind=kind, project=project, park=park, metric=line.metric,
                      basis=line.basis, unit=line.unit, amount=line.amount, pool=line.pool, recorded_by=by,
                      recorded_at=at, reason=reason, expires=expires.isoformat() if expires else None,
                      override=override, overrode=overrode or [], screening=screening_json)
                for i, line in enumerate(lines)]

    def _status_in(self, connection: sqlite3.Connection, parks: list[str]) -> list[CapStatus]:
        return _cap_statuses(self.catalog, self._read_balances(connection, self._today()), parks)

    def _balances(self) -> _Balances:
        """A snapshot for reads, cached until this or another connection writes."""
        day = self._today()
        with self._read() as connection:
            stamp = (connection.execute("PRAGMA data_version").fetchone()[0], self._writes, day)
            if self._cache is None or self._cache[0] != stamp:
                self._cache = (stamp, self._read_balances(connection, day))
        return self._cache[1]

    def _read_balances(self, connection: sqlite3.Connection, day: dt.date) -> _Balances:
        caps = {}
        if self.catalog is not None:
            caps = {(p, c.metric, c.basis): c for p in self.catalog.parks for c in self.catalog.park(p).caps}
        return _Balances(_rows(connection), caps, day, f"ledger {self.path}")

    def _today(self) -> dt.date:
        return self.as_of or dt.date.today()

    def _who(self, by: str) -> str:
        if not by or not by.strip():
            raise LedgerError(self.path, "say who records this (--by NAME)")
        return by.strip()

    def _need_catalog(self) -> Catalog:
        if self.catalog is None:
            raise LedgerError(self.path, "this needs the ledger's catalogue (--catalog)")
        return self.catalog

    @contextlib.contextmanager
    def _translated(self) -> Iterator[None]:
        """SQLite's errors as LedgerErrors naming this file."""
        try:
            yield
        except sqlite3.OperationalError as exc:
            if "locked" in str(exc) or "busy" in str(exc):
                raise LedgerError(self.path, f"another process kept the ledger locked too long ({exc}); "
                                             "try again") from exc
            raise LedgerError(self.path, f"cannot use the ledger: {exc}") from exc
        except sqlite3.IntegrityError as exc:
            raise LedgerError(self.path, f"an entry breaks the ledger's rules ({exc}); nothing was written") from exc
        except sqlite3.DatabaseError as exc:
            raise _corrupt(self.path, str(exc)) from exc

    @contextlib.contextmanager
    def _write(self) -> Iterator[sqlite3.Connection]:
        """One write transaction: BEGIN IMMEDIATE takes the write lock before anything is read."""
        connection = self._connection
        with self._translated():
            connection.execute("BEGIN IMMEDIATE")
            try:
                yield connection
            except BaseException:
                if connection.in_transaction:
                    connection.execute("ROLLBACK")
                self._cache = None
                raise
            connection.execute("COMMIT")
            self._cache = None

    @contextlib.contextmanager
    def _read(self) -> Iterator[sqlite3.Connection]:
        """One read transaction: every query inside it sees the same snapshot."""
        connection = self._connection
        with self._translated():
            if connection.in_transaction:  # inside a write: already consistent
                yield connection
                return
            connection.execute("BEGIN")
            try:
                yield connection
            finally:
                connection.execute("COMMIT")


# --- private steps ---------------------------------------------------------------------------------


def _now() -> str:
    return dt.datetime.now(dt.timezone.utc).isoformat(timespec="microseconds")


def _statements(script: str) -> list[str]:
    """Split a DDL script into statements (triggers hold ';' inside BEGIN ... END)."""
    statements, current = [], ""
    for piece in script.split(";"):
        current += piece + ";"
        if sqlite3.complete_statement(current):
            if current.strip(" \n;"):
                statements.append(current.strip())
            current = ""
    return statements


def _rows(connection: sqlite3.Connection) -> list[_Row]:
    return [_Row(*row) for row in connection.execute(
        "SELECT b.seq, b.kind, b.project, b.park, b.expires, e.metric, e.basis, e.unit, e.amount, e.pool "
        "FROM entries e JOIN batches b ON e.batch = b.seq ORDER BY e.seq")]


def _insert_batch_row(connection, seq, batch, kind, project, park, by, at, reason, expires, override, overrode,
                      screening, lines) -> None:
    connection.execute(
        "INSERT INTO batches (seq, id, kind, project, park, recorded_by, recorded_at, reason, expires, override, "
        "screening, lines, overrode) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (seq, batch, kind, project, park, by, at, reason, expires, int(override), screening, lines,
         json.dumps(overrode, ensure_ascii=False)))


def _entry_from_row(row) -> Entry:
    (seq, batch, kind, project, park, metric, basis, unit, amount, pool, by, at, reason, expires, override,
     overrode, screening) = row
    return Entry(entry=seq, batch=batch, kind=kind, project=project, park=park, metric=metric, basis=basis,
                 unit=unit, amount=amount, pool=pool, recorded_by=by, recorded_at=at, reason=reason,
                 expires=expires, override=bool(override), overrode=json.loads(overrode), screening=screening)


def _refusals(kind: Kind, project_id: str, result: ScreeningResult, held: dict[str, dict[CapKey, _Balance]],
              catalog: Catalog) -> tuple[list[str], list[str]]:
    """Why a reserve or commit is refused: (what no override can change, what an override may set aside)."""
    hard: list[str] = []
    park = result.location.park
    if park is None:
        where = next((f.message for f in result.findings if f.code in ("OUTSIDE_PARK", "PARTLY_OUTSIDE_PARK")), "")
        hard.append(f"the site is in no park, so there is no cap to record against: {where}".rstrip(": "))
        return hard, []
    if not catalog.park(park).caps:
        hard.append(f"park {park} has no caps in the catalogue: there is nothing for the ledger to keep")
    for check in result.capacity:
        if check.demand is None:
            hard.append(f"the demand on the {check.metric} ({check.basis}) cap is unknown: supply the missing "
                        "data (an override cannot record an amount nobody computed)")
    committed_in = [p for p, caps in held.items() if any(b.committed > _TOLERANCE for b in caps.values())]
    if committed_in:
        if kind == "commit":
            hard.append(f"{project_id} is already committed in {', '.join(committed_in)}; release it first, or "
                        "record the new phase under its own project id")
        else:
            hard.append(f"{project_id} is already committed in {', '.join(committed_in)}; a reservation would "
                        "count it twice")
    soft: list[str] = []
    for finding in result.findings:
        if finding.code == "CAPACITY_EXCEEDED":
            soft.append(f"would overspend: {finding.message}")
        elif finding.severity == "fail":
            soft.append(f"{finding.code}: {finding.message}")
        elif finding.severity == "incomplete" and "metric" not in finding.values:
            soft.append(f"{finding.code}: {finding.message}")
    return hard, soft


def _release_all(caps: dict[CapKey, _Balance], units: dict[CapKey, str]) -> list[Line]:
    lines = []
    for key, balance in caps.items():
        for pool, amount in (("commit", balance.committed), ("reserve", balance.reserved)):
            if amount > _TOLERANCE:
                lines.append(Line(metric=key[1], basis=key[2], unit=units[key], amount=amount, pool=pool))
    return lines


def _release_reduced(result: ScreeningResult, held: dict[str, dict[CapKey, _Balance]],
                     units: dict[CapKey, str]) -> tuple[list[str], dict[str, list[Line]]]:
    park = result.location.park
    if park not in held:
        where = f"park {park}" if park else "no park"
        return [f"the reduced project lies in {where}, but {result.project_id} holds capacity in "
                f"{', '.join(held)}"], {}
    refusals, lines = [], []
    for check in result.capacity:
        key = (park, check.metric, check.basis)
        balance = held[park].get(key, _Balance())
        pool, holding = ("commit", balance.committed) if balance.committed > _TOLERANCE else ("reserve", balance.reserved)
        if check.demand is None:
            refusals.append(f"the reduced demand on the {check.metric} ({check.basis}) cap is unknown: supply the "
                            "missing data")
            continue
        unit = units.get(key, check.unit)
        demand = check.demand if check.unit == unit else convert(check.demand, check.unit, unit)
        if demand > holding + _TOLERANCE:
            refusals.append(f"the reduced project needs {demand:,.4g} {unit} of the {check.metric} ({check.basis}) "
                            f"cap but holds {holding:,.4g}: that is an increase; reserve or commit it instead")
        elif holding - demand > _TOLERANCE:
            lines.append(Line(metric=check.metric, basis=check.basis, unit=unit, amount=holding - demand, pool=pool))
    return refusals, {park: lines}


def _cap_statuses(catalog: Catalog, balances: _Balances, parks: list[str]) -> list[CapStatus]:
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


def _expired(balances: _Balances, parks: list[str]) -> list[ExpiredReservation]:
    found: dict[tuple[str, str], list[Line]] = {}
    for key, projects in balances.by_cap.items():
        if key[0] not in parks:
            continue
        for project, balance in projects.items():
            if balance.reserved > _TOLERANCE and not balances.live(key[0], project):
                found.setdefault((key[0], project), []).append(Line(
                    metric=key[1], basis=key[2], unit=balances.units[key], amount=balance.reserved, pool="reserve"))
    return [ExpiredReservation(project=project, park=park, lines=lines,
                               expires=balances.reservation_expires[(park, project)].isoformat())
            for (park, project), lines in sorted(found.items())]


def _warning_for(cap: CapStatus) -> str:
    label = f"{cap.park_name} {cap.metric} cap ({fmt(cap.cap)} {cap.unit}, {cap.basis})"
    if cap.remaining < -_TOLERANCE:
        return f"{label} is overspent by {fmt(-cap.remaining)} {cap.unit} ({cap.utilisation:.1%} used)"
    return f"{label} is {cap.utilisation:.1%} used, over the {cap.threshold:.0%} warning threshold"


def _check_sequence(batches, lines_by_batch: dict[int, list[_Row]], balances: _Balances) -> list[str]:
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
            amount = row.amount if row.unit == unit else convert(row.amount, row.unit, unit)
            slot = (row.project, key, row.pool)
            if kind == "release":
                have = held.get(slot, 0.0)
                if amount > have + 1e-6:
                    problems.append(f"{label}: releases {amount:,.4g} {unit} of {row.metric} ({row.basis}) from the "
                                    f"{row.pool} pool, but {row.project} held {have:,.4g}")
                held[slot] = have - amount
            else:
                held[slot] = held.get(slot, 0.0) + amount
        if kind == "release" and not any(v > _TOLERANCE for (p, _, pool), v in held.items()
                                         if p == project and pool == "commit"):
            committed_projects.discard(project)
    for (project, key, pool), amount in held.items():
        balance = balances.by_cap.get(key, {}).get(project, _Balance())
        derived = balance.committed if pool == "commit" else balance.reserved
        if abs(derived - amount) > 1e-6:
            problems.append(f"{project} on {key[1]} ({key[2]}) of park {key[0]}: replay gives {amount:,.6g} "
                            f"{pool}, the balance says {derived:,.6g}")
    return problems


def _check_screening(label: str, screening: str | None, rows: list[_Row]) -> list[str]:
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


# --- export format ---------------------------------------------------------------------------------


def _csv_row(entry: Entry) -> dict[str, str]:
    """An entry as CSV text: floats in their shortest exact form, lists as JSON, None as empty."""
    row = {}
    for name, value in entry:
        if value is None:
            row[name] = ""
        elif isinstance(value, bool):
            row[name] = "true" if value else "false"
        elif isinstance(value, list):
            row[name] = json.dumps(value, ensure_ascii=False)
        else:
            row[name] = repr(value) if isinstance(value, float) else str(value)
    return row


def _read_export(source: IO[str], format: str, name: str) -> Iterator[Entry]:
    if format == "csv":
        reader = csv.DictReader(source)
        missing = set(Entry.model_fields) - set(reader.fieldnames or [])
        if missing:
            raise LedgerError(name, f"not a ledger export: no column(s) {', '.join(sorted(missing))}")
        for line, row in enumerate(reader, start=2):
            try:
                data = {k: (None if v == "" and k in ("expires", "screening") else v) for k, v in row.items()}
                data["overrode"] = json.loads(data["overrode"] or "[]")
                yield Entry.model_validate(data)
            except (ValidationError, json.JSONDecodeError) as exc:
                raise LedgerError(name, _why(exc), entry=f"on line {line}") from exc
    elif format == "jsonl":
        for line, text in enumerate(source, start=1):
            if not text.strip():
                continue
            try:
                yield Entry.model_validate_json(text)
            except ValidationError as exc:
                raise LedgerError(name, _why(exc), entry=f"on line {line}") from exc
    else:
        raise LedgerError(name, f"unknown export format {format!r}: csv or jsonl")


def _why(exc: Exception) -> str:
    if isinstance(exc, ValidationError):
        err = exc.errors()[0]
        return f"{'.'.join(str(p) for p in err['loc']) or 'row'}: {err['msg']}"
    return str(exc)


def _group_batches(entries: list[Entry], name: str) -> list[tuple[Entry, list[Entry]]]:
    """Entries back into batches; a batch's entries are consecutive and agree on everything but the line."""
    batches: list[tuple[Entry, list[Entry]]] = []
    seen: set[str] = set()
    shared = ("kind", "project", "park", "recorded_by", "recorded_at", "reason", "expires", "override", "overrode",
              "screening")
    last = 0
    for entry in entries:
        if entry.entry <= last:
            raise LedgerError(name, f"entry numbers must increase (after {last})", entry=entry.entry)
        last = entry.entry
        if batches and batches[-1][0].batch == entry.batch:
            first = batches[-1][0]
            differing = [f for f in shared if getattr(first, f) != getattr(entry, f)]
            if differing:
                raise LedgerError(name, f"disagrees with the rest of batch {entry.batch} on {', '.join(differing)}",
                                  entry=entry.entry)
            batches[-1][1].append(entry)
            continue
        if entry.batch in seen:
            raise LedgerError(name, f"batch {entry.batch} is split by other entries", entry=entry.entry)
        seen.add(entry.batch)
        batches.append((entry, [entry]))
    return batches

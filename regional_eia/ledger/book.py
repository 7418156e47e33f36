"""The :class:`Ledger` façade and :func:`open_ledger`: check-and-record over the store, balances,
policy, exchange and audit modules of this package."""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Sequence
from pathlib import Path
from typing import IO, TYPE_CHECKING

from zones.catalog import Catalog
from zones.model import Cap

from ..capacity import Position
from ..errors import LedgerError, RegionalEIAError
from ..project import Project
from ..render import fmt
from ..result import ScreeningResult
from . import audit, exchange, policy
from .balances import (Balances, Row, cap_statuses, cap_warning, catalogue_caps,
                       expired_reservations)
from .chain import GENESIS
from .models import (TOLERANCE, CapStatus, Entry, Kind, LedgerStatus, Line, Recording, Verification,
                     normalise_code)

if TYPE_CHECKING:  # the store (SQLAlchemy) is imported when a ledger is opened, not with the package
    from .store import Store, Tx

__all__ = ["Ledger", "open_ledger", "default_ledger_path", "DEFAULT_RESERVATION_DAYS", "LEDGER_NAME"]

DEFAULT_RESERVATION_DAYS = 90
LEDGER_NAME = "ledger.sqlite"
DEMO_LEDGER_NAME = "demo-ledger.sqlite"


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


def open_ledger(target: str | Path, catalog: Catalog | None = None, *, create: bool = False, readonly: bool = False,
                as_of: dt.date | None = None, timeout: float = 30.0) -> Ledger:
    """Open a capacity ledger: an SQLite file, or a PostgreSQL database.

    Parameters
    ----------
    target
        A file path or ``sqlite:///PATH`` (SQLite), or ``postgresql://user@host/database`` (PostgreSQL,
        through psycopg 3; ``pip install "regional-eia[postgresql]"``). Both keep the same entries, refuse
        the same writes and export the same format.
    catalog
        The catalogue whose caps the ledger keeps; required to create a ledger, to screen and to show
        remaining capacity, not to read history or export. A ledger remembers its catalogue's name and
        refuses another's.
    create
        Create the ledger when there is none (a missing file, an empty database), as ``ledger init``
        and ``ledger import`` do. By default it must exist, so that a mistyped path or URL is an error
        and never starts a second, empty ledger whose caps look untouched.
    readonly
        Only read: never write, migrate or create. A ledger that cannot be written (a read-only folder)
        is opened read-only anyway, and a write then says so.
    as_of
        The day against which reservations expire when reading (default: today, each time).
    timeout
        Seconds to wait for another writer's lock before giving up.

    Returns
    -------
    Ledger
        Use it as a context manager, or call :meth:`Ledger.close`. One ledger object is for one thread.

    Raises
    ------
    LedgerError
        Naming the file or URL (without its password) and the fix, when it is not a ledger (not SQLite,
        another application's database, a newer schema, an empty file), is corrupt (it is then left
        untouched), cannot be reached, or keeps another catalogue.

    Examples
    --------
    >>> import tempfile
    >>> from zones import load_catalog
    >>> folder = tempfile.mkdtemp()
    >>> with open_ledger(f"{folder}/ledger.sqlite", load_catalog(), create=True) as ledger:
    ...     ledger.backend, ledger.schema_version, ledger.created
    ('sqlite', 3, True)
    """
    from .store import open_store

    store = open_store(target, catalog_name=catalog.name if catalog else None, create=create and not readonly,
                       readonly=readonly, timeout=timeout)
    ledger = Ledger(store, catalog, as_of=as_of)
    try:
        ledger._check_catalog()
    except BaseException:
        store.close()
        raise
    return ledger


class Ledger:
    """An open capacity ledger: a :class:`~regional_eia.capacity.CapacityBook` that also records.

    Build it with :func:`open_ledger`. Reads take a consistent snapshot; :meth:`reserve`,
    :meth:`commit`, :meth:`release` and :meth:`record_many` check and record inside one write
    transaction that holds the ledger's write lock from its first statement.
    """

    def __init__(self, store: Store, catalog: Catalog | None, as_of: dt.date | None = None):
        self._store = store
        self.catalog = catalog
        self.as_of = as_of
        self._cache: tuple[tuple, dt.date, Balances] | None = None

    @property
    def path(self) -> Path | str:
        """The SQLite file, or the PostgreSQL URL without its password."""
        return getattr(self._store, "path", None) or self._store.name

    @property
    def backend(self) -> str:
        return self._store.backend

    @property
    def created(self) -> bool:
        return self._store.created

    @property
    def migrated_from(self) -> int | None:
        return self._store.migrated_from

    @property
    def backup(self) -> Path | None:
        return self._store.backup

    @property
    def readonly(self) -> bool:
        return self._store.readonly

    @property
    def schema_version(self) -> int:
        return self._store.version

    # context management

    def __enter__(self) -> Ledger:
        return self

    def __exit__(self, *exc_info) -> None:
        self.close()

    def close(self) -> None:
        """Close the connection (on SQLite a checkpoint folds the write-ahead log back into the file)."""
        self._store.close()

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
        >>> with open_ledger(f"{tempfile.mkdtemp()}/l.sqlite", catalog, create=True) as ledger:
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
            refusals are recorded with the entries. Missing data, and demands that are not finite
            quantities, cannot be overridden.
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
        >>> ledger = open_ledger(f"{tempfile.mkdtemp()}/l.sqlite", load_catalog(), create=True)
        >>> rec = ledger.reserve(load_project("examples/langxi-equipment.yaml"), by="doctest")
        >>> rec.recorded, rec.park
        (True, 'langxi-edz')
        >>> ledger.close()
        """
        return self.record_many("reserve", [project], by=by, expires=expires, reason=reason, override=override,
                                on=on)[0]

    def commit(self, project: Project, *, by: str, reason: str = "", override: bool = False,
               on: dt.date | None = None) -> Recording:
        """Commit capacity for an approved project, after re-screening it against what is left.

        The check and the record happen in one write transaction holding the ledger's write lock: of
        many processes committing onto a cap that fits k of them, exactly k succeed. The project's own
        reservation, if any, is released in the same transaction (it becomes the commitment). A project
        can be committed once; to change it, release it and commit again, or record a new phase under
        its own id.

        Parameters are those of :meth:`reserve`, without ``expires``.

        Examples
        --------
        >>> import tempfile
        >>> from regional_eia import load_project
        >>> from zones import load_catalog
        >>> ledger = open_ledger(f"{tempfile.mkdtemp()}/l.sqlite", load_catalog(), create=True)
        >>> rec = ledger.commit(load_project("examples/xuancheng-dyeing-phase2-3.yaml"), by="doctest")
        >>> rec.recorded
        False
        >>> rec.refusals[0][:45]
        'would overspend: demand 3,000 m3/d exceeds th'
        >>> ledger.close()
        """
        return self.record_many("commit", [project], by=by, reason=reason, override=override, on=on)[0]

    def record_many(self, kind: Kind, projects: Sequence[Project], *, by: str, expires: dt.date | None = None,
                    reason: str = "", override: bool = False, on: dt.date | None = None) -> list[Recording]:
        """Reserve or commit several projects (rows of a batch sheet) as one action: all or nothing.

        The projects are re-screened in the order given, each against what is left after the ones
        before it, inside one write transaction. If any of them is refused, nothing is written: every
        recording then has ``recorded`` False, the refused ones with their refusals, the others with
        ``"not recorded: ... refused (all or nothing)"``.

        Examples
        --------
        >>> import tempfile
        >>> from regional_eia import load_project
        >>> from zones import load_catalog
        >>> with open_ledger(f"{tempfile.mkdtemp()}/l.sqlite", load_catalog(), create=True) as ledger:
        ...     both = [load_project("examples/langxi-equipment.yaml"),
        ...             load_project("examples/xuancheng-dyeing-phase2-3.yaml")]
        ...     [r.recorded for r in ledger.record_many("commit", both, by="doctest")], ledger.history()
        ([False, False], [])
        """
        if kind not in ("reserve", "commit"):
            raise LedgerError(self.path, f"record_many reserves or commits, not {kind!r}")
        if override and not reason.strip():
            raise LedgerError(self.path, "an override needs a reason (--reason): say why the refusal is set aside")
        if not projects:
            raise LedgerError(self.path, "no project to record")
        by = self._who(by)
        self._need_catalog()
        today = self._today()
        if kind == "reserve":
            expires = expires or today + dt.timedelta(days=DEFAULT_RESERVATION_DAYS)
            if expires < today:
                raise LedgerError(self.path, f"the reservation would expire on {expires.isoformat()}, before today "
                                             f"({today.isoformat()}); give a later --expires")
        ids = [normalise_code(p.id) for p in projects]
        twice = sorted({i for i in ids if ids.count(i) > 1})
        if twice:
            raise LedgerError(self.path, f"project id(s) {', '.join(twice)} given more than once in one action")
        recordings: list[Recording] = []
        try:
            with self._store.write() as tx:
                for project in projects:
                    recordings.append(self._record_one(tx, kind, project, by=by, expires=expires, reason=reason,
                                                       override=override, on=on, today=today))
                if not all(r.recorded for r in recordings):
                    raise _Refused
                if len(recordings) > 1:  # each recording's caps: after the whole action
                    parks = sorted({r.park for r in recordings})
                    caps = self._status_in(tx, parks)
                    recordings = [r.model_copy(update={"caps": [c for c in caps if c.park == r.park]})
                                  for r in recordings]
        except _Refused:
            refused = [r.project for r in recordings if not r.recorded]
            recordings = [r if not r.recorded else Recording(
                recorded=False, kind=kind, project=r.project, park=r.park, screening=r.screening,
                refusals=[f"not recorded: {', '.join(refused)} of the same action refused (all or nothing)"])
                for r in recordings]
        return recordings

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
        >>> ledger = open_ledger(f"{tempfile.mkdtemp()}/l.sqlite", load_catalog(), create=True)
        >>> project = load_project("examples/langxi-equipment.yaml")
        >>> ledger.commit(project, by="doctest").recorded
        True
        >>> ledger.release(project.id, by="doctest", reason="withdrawn").entries[0].kind
        'release'
        >>> ledger.close()
        """
        if not reason.strip():
            raise LedgerError(self.path, "a release needs a reason (withdrawn, reduced to ..., ...)")
        project_id = normalise_code(project_id)
        park = normalise_code(park) if park is not None else None
        if reduced is not None and normalise_code(reduced.id) != project_id:
            raise LedgerError(self.path, f"the reduced project is {reduced.id}, not {project_id}: a reduction keeps "
                                         "the project's id")
        by = self._who(by)
        self._need_catalog()
        with self._store.write() as tx:
            balances = self._read_balances(tx, self._today(), tx.rows(project=project_id))
            held = balances.holdings(project_id)
            if park is not None:
                held = {park: held[park]} if park in held else {}
            refusal = functools.partial(Recording, recorded=False, kind="release", project=project_id, park=park)
            if not held:
                where = f" in park {park}" if park else ""
                return refusal(refusals=[f"{project_id} holds nothing in this ledger{where}"])
            result = None
            if reduced is None:
                releases = {p: policy.release_all(caps, balances.units) for p, caps in held.items()}
            else:
                result = self._screen(reduced, self._park_book(tx, self._today(), project_id), on)
                refusals, releases = policy.release_reduced(result, held, balances.units)
                if refusals:
                    return refusal(refusals=refusals, park=result.location.park, screening=result)
            at = _now()
            entries: list[Entry] = []
            for released_park, lines in releases.items():
                if lines:
                    entries += tx.insert(kind="release", project=project_id, park=released_park, lines=lines, by=by,
                                         at=at, reason=reason, screening=_json(result))
            if not entries:
                return refusal(refusals=["the reduced project needs what it holds: nothing to release"],
                               screening=result)
            parks = sorted({e.park for e in entries})
            caps = self._status_in(tx, parks)
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
        >>> with open_ledger(f"{tempfile.mkdtemp()}/l.sqlite", load_catalog(), create=True) as ledger:
        ...     status = ledger.status(park="xuancheng-hitech")
        >>> status.caps[0].metric, status.caps[0].remaining, status.caps[0].over_threshold
        ('wastewater', 1200.0, True)
        """
        catalog = self._need_catalog()
        park = normalise_code(park) if park is not None else None
        if park is not None and park not in catalog.parks:
            raise LedgerError(self.path, f"no park {park!r} in catalogue {catalog.name!r}; "
                                         f"its parks are {', '.join(catalog.parks)}")
        day = as_of or self._today()
        parks = [park] if park else list(catalog.parks)
        with self._store.read() as tx:
            balances = self._read_balances(tx, day, tx.rows(parks=[park]) if park else None)
            count = tx.count("entries")
        caps = cap_statuses(catalog, balances, parks)
        expired = expired_reservations(balances, parks)
        warnings = [cap_warning(c) for c in caps if c.over_threshold or c.remaining < -TOLERANCE]
        known = catalogue_caps(catalog)
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
        >>> with open_ledger(f"{tempfile.mkdtemp()}/l.sqlite", load_catalog(), create=True) as ledger:
        ...     ledger.history(kind="commit")
        []
        """
        with self._store.read() as tx:
            return tx.entries(park=normalise_code(park) if park is not None else None,
                              project=normalise_code(project) if project is not None else None,
                              kind=kind, by=by, metric=metric, since=since, until=until)

    def export_entries(self, target: IO[str], format: exchange.Format = "jsonl") -> int:
        """Write every entry to ``target`` as CSV or JSON lines; return how many.

        Floats are written in their shortest exact form, the screening JSON as stored and each entry's
        hash, so :meth:`import_entries` into an empty ledger (of either backend) reproduces this one
        exactly.

        Examples
        --------
        >>> import io, tempfile
        >>> from zones import load_catalog
        >>> with open_ledger(f"{tempfile.mkdtemp()}/l.sqlite", load_catalog(), create=True) as ledger:
        ...     ledger.export_entries(io.StringIO(), "csv")
        0
        """
        return exchange.write_export(self.history(), target, format, self.path)

    def import_entries(self, source: IO[str] | IO[bytes] | bytes | Path, format: exchange.Format = "jsonl",
                       name: object = "<import>", encoding: str | None = None) -> int:
        """Load an export into this ledger, which must be empty; all or nothing. Return how many entries.

        Every entry is validated as a write would validate it (finite amounts, real dates, known units,
        parks of the ledger's catalogue), an export whose hashes do not follow from its content is
        refused (it was edited; empty its ``hash`` column to import a deliberate correction), and the
        imported ledger must pass :meth:`verify`; otherwise nothing is written. Bytes and paths are
        decoded as UTF-8 (with or without a BOM), UTF-16 with a BOM, or GBK/GB18030.

        Examples
        --------
        >>> import io, tempfile
        >>> from zones import load_catalog
        >>> with open_ledger(f"{tempfile.mkdtemp()}/l.sqlite", load_catalog(), create=True) as ledger:
        ...     ledger.import_entries(io.StringIO(""), "jsonl")
        0
        """
        entries = exchange.read_export(source, format, name, encoding)
        batches = exchange.group_batches(entries, name)
        with_hash = [e for e in entries if e.hash is not None]
        if with_hash and len(with_hash) != len(entries):
            raise LedgerError(name, "some entries have a hash and some do not: give the export as written, or "
                                    "empty the whole hash column to import it with a new chain")
        if with_hash:
            problems = audit.check_chain(entries, None, len(batches))
            if problems:
                raise LedgerError(name, f"the export was changed after it was written ({problems[0]}); nothing was "
                                        "imported. To import a deliberate correction, empty its hash column")
        if self.catalog is not None:
            unknown = sorted({e.park for e in entries} - set(self.catalog.parks))
            if unknown:
                raise LedgerError(name, f"entries of park(s) {', '.join(unknown)}, which catalogue "
                                        f"{self.catalog.name!r} does not have: import into a ledger of the catalogue "
                                        "the export came from")
        if not entries:
            with self._store.read() as tx:
                self._require_empty(tx)
            return 0
        with self._store.write() as tx:
            self._require_empty(tx)
            tx.append(list(enumerate(batches, start=1)), GENESIS)
            problems = self._audit(tx)[0]
            if problems:
                raise LedgerError(name, f"the imported ledger would not pass verify: {'; '.join(problems[:3])}"
                                        f"{f' (and {len(problems) - 3} more)' if len(problems) > 3 else ''}; "
                                        "nothing was imported")
        return len(entries)

    def verify(self, expect_head: str | None = None) -> Verification:
        """Recompute everything and check integrity: the database's own checks and append-only triggers,
        the hash chain against the head, every stored value, every batch complete, every release covered
        by what the project held then, amounts equal to their screening, caps known.

        Parameters
        ----------
        expect_head
            A head hash kept from an earlier verify: the chain must still pass through it.

        Examples
        --------
        >>> import tempfile
        >>> from zones import load_catalog
        >>> with open_ledger(f"{tempfile.mkdtemp()}/l.sqlite", load_catalog(), create=True) as ledger:
        ...     report = ledger.verify()
        >>> report.ok, report.head == "0" * 64
        (True, True)
        """
        with self._store.read() as tx:
            problems, warnings, facts = self._audit(tx, expect_head)
        caps: list[CapStatus] = []
        if self.catalog is not None:
            caps = cap_statuses(self.catalog, facts["balances"], list(self.catalog.parks))
            warnings += [f"{c.park} {c.metric} ({c.basis}) is over its cap by {fmt(-c.remaining)} {c.unit}"
                         for c in caps if c.remaining < -TOLERANCE]
        return Verification(ledger=str(self.path), backend=self.backend, schema_version=self.schema_version,
                            batches=facts["batches"], entries=facts["entries"], integrity=facts["integrity"],
                            head=facts["head"], problems=problems, warnings=warnings, caps=caps)

    # --- internals

    def _audit(self, tx: Tx, expect_head: str | None = None) -> tuple[list[str], list[str], dict]:
        store = self._store
        integrity = store.integrity(tx)
        problems: list[str] = []
        warnings: list[str] = []
        version = store.version
        triggers = store.triggers(tx)
        expected = store.expected_triggers if version >= 3 else {
            "batches_no_update", "batches_no_delete", "entries_no_update", "entries_no_delete"}
        if version >= 2:
            problems += audit.check_store(triggers, expected, integrity)
        else:
            problems += [f"database integrity: {p}" for p in integrity]
        batches = tx.batch_summaries()
        rows = tx.rows()
        entries = tx.entries()
        head = tx.head()
        problems += [f"entry {seq} points at a missing batch" for seq in tx.orphans()]
        if version >= 3:
            problems += audit.check_chain(entries, head, len(batches), expect_head)
        else:
            warnings.append(f"ledger schema {version}: its entries carry no hash chain yet; opening it where it can "
                            "be written migrates it")
        problems += audit.check_values(entries)
        balances = self._read_balances(tx, self._today(), rows)
        problems += balances.uncounted
        lines_by_batch: dict[int, list[Row]] = {}
        for row in rows:
            lines_by_batch.setdefault(row.batch_seq, []).append(row)
        problems += audit.check_sequence(batches, lines_by_batch, balances)
        overrides = [b[1] for b in batches if b[8]]
        if overrides:
            warnings.append(f"{len(overrides)} batch(es) were recorded with --override: {', '.join(overrides[:5])}")
        if self.catalog is not None:
            known = catalogue_caps(self.catalog)
            for key in balances.by_cap:
                if key not in known:
                    warnings.append(f"entries on the {key[1]} ({key[2]}) cap of park {key[0]}, which catalogue "
                                    f"{self.catalog.name!r} does not have")
        facts = {"balances": balances, "batches": len(batches), "entries": len(entries),
                 "integrity": "; ".join(integrity) or "ok",
                 "head": entries[-1].hash if entries else (head[2] if head else None)}
        return problems, warnings, facts

    def _require_empty(self, tx: Tx) -> None:
        held = tx.count("batches")
        if held:
            raise LedgerError(self.path, f"import needs an empty ledger; this one holds {held} batches. "
                                         "Import into a new --ledger path")

    def _record_one(self, tx: Tx, kind: Kind, project: Project, *, by: str, expires: dt.date | None, reason: str,
                    override: bool, on: dt.date | None, today: dt.date) -> Recording:
        project_id = normalise_code(project.id)
        balances = self._read_balances(tx, today, tx.rows(project=project_id))
        held = balances.holdings(project_id)
        result = self._screen(project, self._park_book(tx, today, project_id), on)
        park = result.location.park
        hard, soft = policy.refusals(kind, project_id, result, held, self.catalog)
        if hard or (soft and not override):
            return Recording(recorded=False, kind=kind, project=project_id, park=park, refusals=hard + soft,
                             screening=result, caps=self._status_in(tx, [park] if park else []))
        at = _now()
        entries: list[Entry] = []
        why = "converted into the commitment" if kind == "commit" else "replaced by a new reservation"
        for held_park, caps in held.items():  # the project's own reservation, wherever it was
            lines = [line for line in policy.release_all(caps, balances.units) if line.pool == "reserve"]
            if lines:
                entries += tx.insert(kind="release", project=project_id, park=held_park, lines=lines, by=by, at=at,
                                     reason=f"reservation {why}")
        lines = [Line(metric=c.metric, basis=c.basis, unit=c.unit, amount=max(c.demand, 0.0), pool=kind)
                 for c in result.capacity]
        entries += tx.insert(kind=kind, project=project_id, park=park, lines=lines, by=by, at=at, reason=reason,
                             expires=expires if kind == "reserve" else None, override=bool(soft), overrode=soft,
                             screening=_json(result))
        return Recording(recorded=True, kind=kind, project=project_id, park=park, batch=entries[-1].batch,
                         entries=entries, refusals=soft, overridden=bool(soft), screening=result,
                         caps=self._status_in(tx, [park]))

    def _screen(self, project: Project, book, on: dt.date | None) -> ScreeningResult:
        from ..screening import screen_many

        outcome = screen_many([project], self.catalog, book=book, on=on)[0]
        if isinstance(outcome, RegionalEIAError):
            raise outcome
        return outcome

    def _status_in(self, tx: Tx, parks: list[str]) -> list[CapStatus]:
        if not parks:
            return []
        return cap_statuses(self.catalog, self._read_balances(tx, self._today(), tx.rows(parks=parks)), parks)

    def _park_book(self, tx: Tx, day: dt.date, project_id: str) -> _ParkBook:
        """The ledger as a project's re-screening sees it: each park's entries read when the screening asks
        for that park, without the project's own."""
        return _ParkBook(lambda park: self._read_balances(tx, day, tx.rows(parks=[park])), project_id)

    def _balances(self) -> Balances:
        """A snapshot for reads, cached until this or another connection writes."""
        day = self._today()
        with self._store.read() as tx:
            stamp = tx.stamp()
            if self._cache is None or self._cache[:2] != (stamp, day):
                self._cache = (stamp, day, self._read_balances(tx, day))
        return self._cache[2]

    def _read_balances(self, tx: Tx, day: dt.date, rows: list[Row] | None = None) -> Balances:
        return Balances(tx.rows() if rows is None else rows, catalogue_caps(self.catalog), day, f"ledger {self.path}")

    def _check_catalog(self) -> None:
        with self._store.read() as tx:
            stored = tx.meta().get("catalog")
        if self.catalog is not None and stored != self.catalog.name:
            raise LedgerError(self.path, f"this ledger keeps the caps of catalogue {stored!r}, not "
                                         f"{self.catalog.name!r}; pass the --catalog it was created with, or use "
                                         "another --ledger")

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


class _ParkBook:
    """A capacity book over one park's balances at a time, loaded on first use, excluding one project."""

    def __init__(self, load, exclude: str):
        self._load, self._exclude, self._parks = load, exclude, {}

    def position(self, park_id: str, cap: Cap) -> Position:
        if park_id not in self._parks:
            self._parks[park_id] = self._load(park_id)
        return self._parks[park_id].position(park_id, cap, exclude=self._exclude)


class _Refused(Exception):
    """Raised inside a write transaction to roll back an action of which one part was refused."""


def _now() -> str:
    return dt.datetime.now(dt.timezone.utc).isoformat(timespec="microseconds")


def _json(result: ScreeningResult | None) -> str | None:
    return result.model_dump_json() if result is not None else None

"""The append-only store: the ledger's tables in SQLite or PostgreSQL, through SQLAlchemy.

Both backends hold the same four tables, written through the same SQLAlchemy Core statements:

- ``batches``: one recorded action (who, when, why, the screening result), numbered 1, 2, 3 ...;
- ``entries``: one amount on one cap, numbered 1, 2, 3 ..., each with the hash chain's link
  (:mod:`.chain`);
- ``head``: one row, the number of batches and entries and the last entry's hash; every write takes
  its lock first and moves it forward, never back;
- ``meta``: the catalogue the ledger keeps and, on PostgreSQL, the schema version.

Append-only is enforced by the database itself: triggers refuse any UPDATE or DELETE of batches and
entries (and TRUNCATE on PostgreSQL), and any move of the head backwards. Amounts are finite by a
CHECK on both backends (``0 <= amount <= 1e15``), and expiry dates are real dates.

Concurrency. A write is one transaction that first locks the ledger's head, then reads the balances,
re-screens and inserts. On SQLite the lock is ``BEGIN IMMEDIATE`` (the database's one write lock); on
PostgreSQL it is a row lock on the head (``SELECT ... FOR UPDATE``, READ COMMITTED, so every read after
the lock sees every write committed before it). Why one lock per ledger rather than one per park, and
not SERIALIZABLE with retry: the entries form one hash chain and one numbering (so that a deletion
anywhere is visible), and a project's holdings span parks (a reservation in one park is released when
it is committed in another; "already committed" is checked across parks), so every write depends on
the whole ledger's last state and all writers conflict on the head anyway. SERIALIZABLE would detect
those conflicts only at commit and throw away a re-screening each time; a lock makes the writers queue,
each screening once. A park office records a few dozen actions a day; ``benchmarks/ledger.py`` gives
the commits per second this allows.

Schema history (SQLite: ``PRAGMA user_version``, ``PRAGMA application_id`` marks the file as a ledger;
PostgreSQL: ``meta``): 1 the first layout; 2 adds ``batches.overrode`` and the append-only triggers;
3 adds the hash chain (``entries.hash``), the head, finite amounts and real dates. An older SQLite
ledger is migrated in place after a backup copy, the first time it is opened where it can be written;
read-only, it is read as it is.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import os
import random
import sqlite3
import time
from collections.abc import Iterator
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy import event, exc as sa_exc
from sqlalchemy.engine import URL, Connection, make_url
from sqlalchemy.pool import NullPool

from ..errors import LedgerError
from .balances import Row
from .chain import GENESIS, chain
from .models import APPLICATION, APPLICATION_ID, SCHEMA_VERSION, Entry, Line, is_url

__all__ = ["APPLICATION_ID", "SCHEMA_VERSION", "APPLICATION", "Store", "SQLiteStore", "PostgresStore",
           "open_store", "is_url", "TRIGGERS"]


_metadata = sa.MetaData()
meta_table = sa.Table("meta", _metadata, sa.Column("key", sa.Text, primary_key=True),
                      sa.Column("value", sa.Text, nullable=False))
batches_table = sa.Table(
    "batches", _metadata,
    sa.Column("seq", sa.BigInteger, primary_key=True, autoincrement=False),
    sa.Column("id", sa.Text), sa.Column("kind", sa.Text), sa.Column("project", sa.Text), sa.Column("park", sa.Text),
    sa.Column("recorded_by", sa.Text), sa.Column("recorded_at", sa.Text), sa.Column("reason", sa.Text),
    sa.Column("expires", sa.Text), sa.Column("override", sa.Integer), sa.Column("screening", sa.Text),
    sa.Column("lines", sa.Integer), sa.Column("overrode", sa.Text),
)
entries_table = sa.Table(
    "entries", _metadata,
    sa.Column("seq", sa.BigInteger, primary_key=True, autoincrement=False),
    sa.Column("batch", sa.BigInteger), sa.Column("metric", sa.Text), sa.Column("basis", sa.Text),
    sa.Column("unit", sa.Text), sa.Column("amount", sa.Float(precision=53)), sa.Column("pool", sa.Text),
    sa.Column("hash", sa.Text),
)
head_table = sa.Table("head", _metadata, sa.Column("id", sa.Integer, primary_key=True),
                      sa.Column("batches", sa.BigInteger), sa.Column("entries", sa.BigInteger),
                      sa.Column("hash", sa.Text))

_B, _E = batches_table.c, entries_table.c

# --- DDL, per backend ------------------------------------------------------------------------------

_APPEND_ONLY_MESSAGE = "the ledger is append-only: record a new entry instead"
_RELEASE_MESSAGE = "the ledger is append-only: record a release instead"
_HEAD_MESSAGE = "the head of the ledger only moves forward (it is append-only)"

# the triggers verify expects, per backend
TRIGGERS = {
    "sqlite": {"batches_no_update", "batches_no_delete", "entries_no_update", "entries_no_delete",
               "head_no_delete", "head_forward_only"},
    "postgresql": {"batches_no_update", "batches_no_delete", "batches_no_truncate", "entries_no_update",
                   "entries_no_delete", "entries_no_truncate", "head_no_delete", "head_no_truncate",
                   "head_forward_only"},
}

_SQLITE_TABLES = """
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
    expires TEXT CHECK (expires IS NULL OR date(expires) IS expires),
    override INTEGER NOT NULL CHECK (override IN (0, 1)),
    screening TEXT,
    lines INTEGER NOT NULL CHECK (lines > 0),
    overrode TEXT NOT NULL DEFAULT '[]',
    CHECK ((kind = 'reserve') = (expires IS NOT NULL))
) STRICT;
"""

_SQLITE_ENTRIES = """
CREATE TABLE {name} (
    seq INTEGER PRIMARY KEY,
    batch INTEGER NOT NULL REFERENCES batches (seq),
    metric TEXT NOT NULL,
    basis TEXT NOT NULL,
    unit TEXT NOT NULL,
    amount REAL NOT NULL CHECK (amount >= 0 AND amount <= 1e15),
    pool TEXT NOT NULL CHECK (pool IN ('commit', 'reserve')),
    hash TEXT NOT NULL CHECK (length(hash) = 64)
) STRICT;
"""

_SQLITE_REST = f"""
CREATE TABLE head (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    batches INTEGER NOT NULL CHECK (batches >= 0),
    entries INTEGER NOT NULL CHECK (entries >= 0),
    hash TEXT NOT NULL CHECK (length(hash) = 64)
) STRICT;
CREATE INDEX IF NOT EXISTS entries_by_batch ON entries (batch);
CREATE INDEX IF NOT EXISTS batches_by_project ON batches (project);
CREATE INDEX IF NOT EXISTS batches_by_park ON batches (park);
CREATE TRIGGER batches_no_update BEFORE UPDATE ON batches
    BEGIN SELECT RAISE(ABORT, '{_APPEND_ONLY_MESSAGE}'); END;
CREATE TRIGGER batches_no_delete BEFORE DELETE ON batches
    BEGIN SELECT RAISE(ABORT, '{_RELEASE_MESSAGE}'); END;
CREATE TRIGGER entries_no_update BEFORE UPDATE ON entries
    BEGIN SELECT RAISE(ABORT, '{_APPEND_ONLY_MESSAGE}'); END;
CREATE TRIGGER entries_no_delete BEFORE DELETE ON entries
    BEGIN SELECT RAISE(ABORT, '{_RELEASE_MESSAGE}'); END;
CREATE TRIGGER head_no_delete BEFORE DELETE ON head
    BEGIN SELECT RAISE(ABORT, '{_HEAD_MESSAGE}'); END;
CREATE TRIGGER head_forward_only BEFORE UPDATE ON head
    WHEN NEW.id IS NOT OLD.id OR NEW.batches < OLD.batches OR NEW.entries < OLD.entries
      OR (NEW.entries = OLD.entries AND NEW.hash IS NOT OLD.hash)
    BEGIN SELECT RAISE(ABORT, '{_HEAD_MESSAGE}'); END;
"""

_POSTGRES_SCHEMA = f"""
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE batches (
    seq BIGINT PRIMARY KEY,
    id TEXT NOT NULL UNIQUE,
    kind TEXT NOT NULL CHECK (kind IN ('commit', 'reserve', 'release')),
    project TEXT NOT NULL,
    park TEXT NOT NULL,
    recorded_by TEXT NOT NULL,
    recorded_at TEXT NOT NULL,
    reason TEXT NOT NULL,
    expires TEXT CHECK (expires IS NULL OR (expires ~ '^[0-9]{{4}}-[0-9]{{2}}-[0-9]{{2}}$'
                                            AND to_char(expires::date, 'YYYY-MM-DD') = expires)),
    override SMALLINT NOT NULL CHECK (override IN (0, 1)),
    screening TEXT,
    lines INTEGER NOT NULL CHECK (lines > 0),
    overrode TEXT NOT NULL DEFAULT '[]',
    CHECK ((kind = 'reserve') = (expires IS NOT NULL))
);
CREATE TABLE entries (
    seq BIGINT PRIMARY KEY,
    batch BIGINT NOT NULL REFERENCES batches (seq),
    metric TEXT NOT NULL,
    basis TEXT NOT NULL,
    unit TEXT NOT NULL,
    amount DOUBLE PRECISION NOT NULL CHECK (amount >= 0 AND amount <= 1e15),
    pool TEXT NOT NULL CHECK (pool IN ('commit', 'reserve')),
    hash TEXT NOT NULL CHECK (length(hash) = 64)
);
CREATE TABLE head (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    batches BIGINT NOT NULL CHECK (batches >= 0),
    entries BIGINT NOT NULL CHECK (entries >= 0),
    hash TEXT NOT NULL CHECK (length(hash) = 64)
);
CREATE INDEX entries_by_batch ON entries (batch);
CREATE INDEX batches_by_project ON batches (project);
CREATE INDEX batches_by_park ON batches (park);
CREATE FUNCTION ledger_refuse_update() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN RAISE EXCEPTION '{_APPEND_ONLY_MESSAGE}'; END $$;
CREATE FUNCTION ledger_refuse_delete() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN RAISE EXCEPTION '{_RELEASE_MESSAGE}'; END $$;
CREATE FUNCTION ledger_head_forward_only() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        IF TG_OP <> 'UPDATE' OR NEW.id <> OLD.id OR NEW.batches < OLD.batches OR NEW.entries < OLD.entries
           OR (NEW.entries = OLD.entries AND NEW.hash <> OLD.hash) THEN
            RAISE EXCEPTION '{_HEAD_MESSAGE}';
        END IF;
        RETURN NEW;
    END $$;
CREATE TRIGGER batches_no_update BEFORE UPDATE ON batches FOR EACH ROW EXECUTE FUNCTION ledger_refuse_update();
CREATE TRIGGER batches_no_delete BEFORE DELETE ON batches FOR EACH ROW EXECUTE FUNCTION ledger_refuse_delete();
CREATE TRIGGER batches_no_truncate BEFORE TRUNCATE ON batches EXECUTE FUNCTION ledger_refuse_delete();
CREATE TRIGGER entries_no_update BEFORE UPDATE ON entries FOR EACH ROW EXECUTE FUNCTION ledger_refuse_update();
CREATE TRIGGER entries_no_delete BEFORE DELETE ON entries FOR EACH ROW EXECUTE FUNCTION ledger_refuse_delete();
CREATE TRIGGER entries_no_truncate BEFORE TRUNCATE ON entries EXECUTE FUNCTION ledger_refuse_delete();
CREATE TRIGGER head_no_delete BEFORE DELETE ON head FOR EACH ROW EXECUTE FUNCTION ledger_head_forward_only();
CREATE TRIGGER head_no_truncate BEFORE TRUNCATE ON head EXECUTE FUNCTION ledger_head_forward_only();
CREATE TRIGGER head_forward_only BEFORE UPDATE ON head FOR EACH ROW EXECUTE FUNCTION ledger_head_forward_only();
"""


def _sqlite_statements(script: str) -> list[str]:
    """Split an SQLite DDL script into statements (triggers hold ';' inside BEGIN ... END)."""
    statements, current = [], ""
    for piece in script.split(";"):
        current += piece + ";"
        if sqlite3.complete_statement(current):
            if current.strip(" \n;"):
                statements.append(current.strip())
            current = ""
    return statements


def _postgres_statements(script: str) -> list[str]:
    """Split a PostgreSQL DDL script into statements (function bodies hold ';' inside $$ ... $$)."""
    statements, current = [], ""
    for piece in script.split(";"):
        current += piece + ";"
        if current.count("$$") % 2 == 0:
            if current.strip(" \n;"):
                statements.append(current.strip())
            current = ""
    return statements


def now() -> str:
    return dt.datetime.now(dt.timezone.utc).isoformat(timespec="microseconds")


# --- the store -------------------------------------------------------------------------------------


class Store:
    """One open ledger database: a connection held for the ledger's life, read and write transactions."""

    backend: str
    name: str  # what messages name: the file, or the URL without its password
    readonly: bool = False
    version: int = SCHEMA_VERSION
    created: bool = False
    migrated_from: int | None = None
    backup: Path | None = None

    def __init__(self, connection: Connection):
        self.connection = connection

    @property
    def expected_triggers(self) -> set[str]:
        """The append-only triggers a schema 3 ledger of this backend has."""
        return TRIGGERS[self.backend]

    # transactions

    @contextlib.contextmanager
    def read(self) -> Iterator[Tx]:
        """One read transaction: every query inside it sees the same snapshot."""
        if self.connection.in_transaction():  # inside a write: already consistent
            yield Tx(self)
            return
        with self.translated():
            self._begin_read()
            try:
                yield Tx(self)
            finally:
                self.connection.rollback()

    @contextlib.contextmanager
    def write(self) -> Iterator[Tx]:
        """One write transaction, holding the ledger's write lock from its first statement."""
        if self.readonly:
            raise self.readonly_error()
        if self.version < SCHEMA_VERSION:
            raise LedgerError(self.name, f"the ledger has schema {self.version}; open it where it can be written "
                                         f"to migrate it to schema {SCHEMA_VERSION} first")
        with self.translated():
            self._begin_write()
            try:
                tx = Tx(self)
                tx.check_head()
                yield tx
            except BaseException:
                with contextlib.suppress(sa_exc.DBAPIError):
                    self.connection.rollback()
                raise
            self.connection.commit()

    def close(self) -> None:
        with contextlib.suppress(sa_exc.DBAPIError):
            self.connection.close()
        self.connection.engine.dispose()

    # what each backend defines

    def _begin_read(self) -> None:
        raise NotImplementedError

    def _begin_write(self) -> None:
        raise NotImplementedError

    def translated(self):
        raise NotImplementedError

    def triggers(self, tx: Tx) -> dict[str, bool]:
        """The append-only triggers present: name -> enabled."""
        raise NotImplementedError

    def integrity(self, tx: Tx) -> list[str]:
        raise NotImplementedError

    def readonly_error(self) -> LedgerError:
        return LedgerError(self.name, "this ledger is open read-only")


class Tx:
    """The queries of one transaction, the same SQLAlchemy Core statements on both backends."""

    def __init__(self, store: Store):
        self.store = store
        self.c = store.connection

    # reading

    def head(self) -> tuple[int, int, str] | None:
        if self.store.version < 3:
            return None
        row = self.c.execute(sa.select(head_table.c.batches, head_table.c.entries, head_table.c.hash)
                             .where(head_table.c.id == 1)).first()
        return tuple(row) if row else None

    def stamp(self) -> tuple:
        """Changes whenever an entry is written (cache key for balances)."""
        head = self.head()
        if head is not None:
            return head
        return tuple(self.c.execute(sa.select(sa.func.count(), sa.func.max(_E.seq)).select_from(entries_table)).one())

    def count(self, table: str) -> int:
        return self.c.execute(sa.select(sa.func.count()).select_from(_metadata.tables[table])).scalar_one()

    def meta(self) -> dict[str, str]:
        return dict(self.c.execute(sa.select(meta_table.c.key, meta_table.c.value)).all())

    def rows(self, parks: list[str] | None = None, project: str | None = None) -> list[Row]:
        """What balances need of every entry, oldest first; only those of ``parks`` or of ``project`` when
        either is given (a write reads the park it records in and the project's own holdings, not the
        whole ledger)."""
        query = (sa.select(_E.batch, _B.kind, _B.project, _B.park, _B.expires, _E.metric, _E.basis, _E.unit,
                           _E.amount, _E.pool)
                 .select_from(entries_table.join(batches_table, _E.batch == _B.seq)).order_by(_E.seq))
        conditions = ([_B.park.in_(parks)] if parks is not None else []) + (
            [_B.project == project] if project is not None else [])
        if conditions:
            query = query.where(sa.or_(*conditions))
        return [Row(*row) for row in self.c.execute(query).all()]

    def entries(self, *, park: str | None = None, project: str | None = None, kind: str | None = None,
                by: str | None = None, metric: str | None = None, since: dt.date | None = None,
                until: dt.date | None = None) -> list[Entry]:
        """Entries, oldest first, as stored (not re-validated: reading never fails on an odd stored value),
        filtered by park, project, kind, recorder, metric and UTC date range."""
        where = [column == value for column, value in ((_B.park, park), (_B.project, project), (_B.kind, kind),
                                                        (_B.recorded_by, by), (_E.metric, metric))
                 if value is not None]
        if since is not None:
            where.append(_B.recorded_at >= since.isoformat())
        if until is not None:
            where.append(_B.recorded_at < (until + dt.timedelta(days=1)).isoformat())
        overrode = _B.overrode if self.store.version >= 2 else sa.literal("[]")
        digest = _E.hash if self.store.version >= 3 else sa.null()
        query = (sa.select(_E.seq, _B.id, _B.kind, _B.project, _B.park, _E.metric, _E.basis, _E.unit, _E.amount,
                           _E.pool, _B.recorded_by, _B.recorded_at, _B.reason, _B.expires, _B.override, overrode,
                           _B.screening, digest)
                 .select_from(entries_table.join(batches_table, _E.batch == _B.seq)).order_by(_E.seq))
        for clause in where:
            query = query.where(clause)
        return [_entry_from_row(row) for row in self.c.execute(query).all()]

    def batch_summaries(self) -> list[tuple]:
        """(seq, id, kind, project, park, expires, declared lines, screening, override, entries) per batch."""
        count = sa.func.count(_E.seq)
        query = (sa.select(_B.seq, _B.id, _B.kind, _B.project, _B.park, _B.expires, _B.lines, _B.screening,
                           _B.override, count)
                 .select_from(batches_table.outerjoin(entries_table, _E.batch == _B.seq))
                 .group_by(_B.seq).order_by(_B.seq))
        return [tuple(row) for row in self.c.execute(query)]

    def orphans(self) -> list[int]:
        """Entries whose batch is missing (a foreign key the database should have kept)."""
        query = (sa.select(_E.seq).select_from(entries_table.outerjoin(batches_table, _E.batch == _B.seq))
                 .where(_B.seq.is_(None)).order_by(_E.seq))
        return list(self.c.execute(query).scalars())

    def check_head(self) -> None:
        """Inside a write: the head agrees with the last entry (else the tables were edited behind the
        ledger's back, and nothing more is written until ``ledger verify`` has been looked at)."""
        head = self.head()
        if head is None:
            raise LedgerError(self.store.name, "the ledger has no head row (its tables were edited by hand); "
                                               "run `regional-eia ledger verify` and restore a backup")
        batches, entries, digest = head
        last = self.c.execute(sa.select(sa.func.max(_B.seq))).scalar_one() or 0
        tail = self.c.execute(sa.select(_E.seq, _E.hash).order_by(_E.seq.desc()).limit(1)).first()
        if (last, tail[0] if tail else 0, tail[1] if tail else GENESIS) != (batches, entries, digest):
            raise LedgerError(self.store.name, "the ledger's tables do not end where its head says (entries were "
                                               "deleted or added outside the ledger): nothing was written; run "
                                               "`regional-eia ledger verify` and restore a backup")

    # writing

    def insert(self, *, kind: str, project: str, park: str, lines: list[Line], by: str, at: str, reason: str,
               expires: dt.date | None = None, override: bool = False, overrode: list[str] | None = None,
               screening: str | None = None) -> list[Entry]:
        """Append one batch of ``lines`` after the head; return its entries, hashes included."""
        batches, count, previous = self.head()
        batch = _new_batch_id()
        entries = [Entry.model_construct(
            entry=count + 1 + i, batch=batch, kind=kind, project=project, park=park, metric=line.metric,
            basis=line.basis, unit=line.unit, amount=line.amount, pool=line.pool, recorded_by=by, recorded_at=at,
            reason=reason, expires=expires.isoformat() if expires else None, override=override,
            overrode=list(overrode or []), screening=screening, hash=None) for i, line in enumerate(lines)]
        return self.append([(batches + 1, entries)], previous)

    def append(self, batches: list[tuple[int, list[Entry]]], previous: str) -> list[Entry]:
        """Insert whole batches (their entries in order), chain them after ``previous``, move the head."""
        written: list[Entry] = []
        batch_rows, entry_rows = [], []
        for seq, lines in batches:
            lines = chain(lines, previous)
            previous = lines[-1].hash
            first = lines[0]
            batch_rows.append({"seq": seq, "id": first.batch, "kind": first.kind, "project": first.project,
                               "park": first.park, "recorded_by": first.recorded_by,
                               "recorded_at": first.recorded_at, "reason": first.reason, "expires": first.expires,
                               "override": int(first.override), "screening": first.screening, "lines": len(lines),
                               "overrode": json.dumps(first.overrode, ensure_ascii=False)})
            entry_rows += [{"seq": e.entry, "batch": seq, "metric": e.metric, "basis": e.basis, "unit": e.unit,
                            "amount": e.amount, "pool": e.pool, "hash": e.hash} for e in lines]
            written += lines
        self.c.execute(sa.insert(batches_table), batch_rows)
        self.c.execute(sa.insert(entries_table), entry_rows)
        self.c.execute(sa.update(head_table).where(head_table.c.id == 1).values(
            batches=batches[-1][0], entries=written[-1].entry, hash=previous))
        return written


def _new_batch_id() -> str:
    import uuid

    return uuid.uuid4().hex


def _entry_from_row(row) -> Entry:
    (seq, batch, kind, project, park, metric, basis, unit, amount, pool, by, at, reason, expires, override,
     overrode, screening, digest) = row
    try:
        overrode = json.loads(overrode)
    except (TypeError, ValueError):
        overrode = [str(overrode)]
    return Entry.model_construct(entry=seq, batch=batch, kind=kind, project=project, park=park, metric=metric,
                                 basis=basis, unit=unit, amount=amount, pool=pool, recorded_by=by, recorded_at=at,
                                 reason=reason, expires=expires, override=bool(override), overrode=overrode,
                                 screening=screening, hash=digest)


# --- SQLite ----------------------------------------------------------------------------------------


class SQLiteStore(Store):
    """A ledger in one SQLite file (WAL mode, ``synchronous=FULL``): for one office on one machine."""

    backend = "sqlite"

    def __init__(self, path: Path, *, readonly: bool, immutable: bool, timeout: float):
        self.path = path
        self.name = str(path)
        self.readonly = readonly
        self.timeout = timeout
        uri = path.resolve().as_uri() + ("?mode=ro" + ("&immutable=1" if immutable else "") if readonly else "")

        def connect() -> sqlite3.Connection:
            return sqlite3.connect(uri, uri=True, timeout=timeout, isolation_level=None, check_same_thread=False)

        engine = sa.create_engine("sqlite+pysqlite://", creator=connect, poolclass=NullPool)
        event.listen(engine, "connect", self._on_connect)
        event.listen(engine, "begin", self._on_begin)
        with self.translated():
            super().__init__(engine.connect())

    def _on_connect(self, dbapi_connection, _record) -> None:
        dbapi_connection.isolation_level = None  # we say BEGIN ourselves (SQLAlchemy's pysqlite recipe)
        if self.readonly:
            return
        mode = dbapi_connection.execute("PRAGMA journal_mode = WAL").fetchone()[0]
        if mode.lower() != "wal":
            raise LedgerError(self.path, f"cannot switch the ledger to WAL mode (got {mode}); keep it on a local disk")
        dbapi_connection.execute("PRAGMA synchronous = FULL")
        dbapi_connection.execute("PRAGMA foreign_keys = ON")

    def _on_begin(self, connection: Connection) -> None:
        if not connection.connection.dbapi_connection.in_transaction:  # a write has begun it already
            connection.exec_driver_sql("BEGIN")

    @property
    def dbapi_connection(self) -> sqlite3.Connection:
        """The sqlite3 connection underneath (for fault-injection tests)."""
        return self.connection.connection.dbapi_connection

    def _begin_read(self) -> None:
        self.connection.begin()

    def _begin_write(self) -> None:
        """Take SQLite's write lock (``BEGIN IMMEDIATE``), waiting for another writer's commit by polling
        every few milliseconds: SQLite's own busy handler sleeps up to 100 ms between tries, which leaves
        the lock idle while writers queue."""
        raw = self.dbapi_connection
        deadline = time.monotonic() + self.timeout
        raw.execute("PRAGMA busy_timeout = 0")
        try:
            while True:
                try:
                    raw.execute("BEGIN IMMEDIATE")
                    break
                except sqlite3.OperationalError as exc:
                    if ("locked" not in str(exc) and "busy" not in str(exc)) or time.monotonic() >= deadline:
                        raise
                    time.sleep(0.001 + random.random() * 0.002)
        finally:
            raw.execute(f"PRAGMA busy_timeout = {int(self.timeout * 1000)}")
        self.connection.begin()

    def readonly_error(self) -> LedgerError:
        return LedgerError(self.path, f"the ledger's folder {self.path.parent} (or the file) is read-only: it can be "
                                      "read (show, history, export, verify) but not written; write where it can be "
                                      "written, or ask for write access")

    @contextlib.contextmanager
    def translated(self) -> Iterator[None]:
        """SQLite's errors as LedgerErrors naming this file."""
        try:
            yield
        except sa_exc.DBAPIError as exc:
            raise self._translate(exc.orig) from exc
        except sqlite3.Error as exc:
            raise self._translate(exc) from exc

    def _translate(self, exc: BaseException) -> LedgerError:
        text = str(exc)
        if isinstance(exc, sqlite3.OperationalError):
            if "locked" in text or "busy" in text:
                return LedgerError(self.path, f"another process kept the ledger locked too long ({text}); try again")
            if "readonly" in text or "read-only" in text:
                return self.readonly_error()
            return LedgerError(self.path, f"cannot use the ledger: {text}")
        if isinstance(exc, sqlite3.IntegrityError):
            return LedgerError(self.path, f"an entry breaks the ledger's rules ({text}); nothing was written")
        if isinstance(exc, sqlite3.DatabaseError):
            return corrupt(self.path, text)
        return LedgerError(self.path, f"cannot use the ledger: {text}")

    def triggers(self, tx: Tx) -> dict[str, bool]:
        names = tx.c.exec_driver_sql("SELECT name FROM sqlite_master WHERE type = 'trigger'").scalars()
        return dict.fromkeys(names, True)

    def integrity(self, tx: Tx) -> list[str]:
        problems = [r[0] for r in tx.c.exec_driver_sql("PRAGMA integrity_check").fetchall()[:5]]
        return [] if problems == ["ok"] else problems

    # creating and migrating

    def create(self, catalog_name: str) -> None:
        raw = self.dbapi_connection
        with self.translated():
            raw.execute("BEGIN IMMEDIATE")
            try:
                if raw.execute("PRAGMA user_version").fetchone()[0] != 0:
                    raise LedgerError(self.path, "another process created this ledger at the same moment; try again")
                for statement in _sqlite_statements(_SQLITE_TABLES + _SQLITE_ENTRIES.format(name="entries") + _SQLITE_REST):
                    raw.execute(statement)
                raw.execute("INSERT INTO head (id, batches, entries, hash) VALUES (1, 0, 0, ?)", (GENESIS,))
                raw.executemany("INSERT INTO meta (key, value) VALUES (?, ?)",
                                [("catalog", catalog_name), ("created_at", now())])
                raw.execute(f"PRAGMA application_id = {APPLICATION_ID}")
                raw.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
            except BaseException:
                raw.execute("ROLLBACK")
                raise
            raw.execute("COMMIT")
        self.version, self.created = SCHEMA_VERSION, True

    def migrate(self) -> None:
        """Bring a schema 1 or 2 ledger to schema 3 in place, after a consistent backup copy.

        Entries are copied into a table with the new constraints, each with its link of the hash chain;
        nothing recorded changes. An entry the new constraints refuse (an infinite amount, recorded before
        amounts had to be finite) stops the migration with nothing changed, naming the entry.
        """
        raw = self.dbapi_connection
        with self.translated():
            raw.execute("BEGIN IMMEDIATE")
            version = raw.execute("PRAGMA user_version").fetchone()[0]
            try:
                if version >= SCHEMA_VERSION:  # another process migrated it meanwhile
                    raw.execute("ROLLBACK")
                    self.version = version
                    return
                entries = _old_entries(raw, version)
                for entry in entries:
                    if not (0 <= entry.amount <= 1e15):
                        raise LedgerError(self.path, f"cannot migrate the ledger to schema {SCHEMA_VERSION}: entry "
                                                     f"{entry.entry} ({entry.kind} {entry.project}) has amount "
                                                     f"{entry.amount!r}, which the new schema refuses; nothing was "
                                                     "changed. Export it (`ledger export`), correct or remove that "
                                                     "batch in the export, empty its hash column, and import it "
                                                     "into a new ledger", entry=entry.entry)
                backup = self._back_up(version)
                if version == 1:
                    raw.execute("ALTER TABLE batches ADD COLUMN overrode TEXT NOT NULL DEFAULT '[]'")
                for name in ("batches_no_update", "batches_no_delete", "entries_no_update", "entries_no_delete"):
                    raw.execute(f"DROP TRIGGER IF EXISTS {name}")
                chained = chain(entries)
                for statement in _sqlite_statements(_SQLITE_ENTRIES.format(name="entries_v3")):
                    raw.execute(statement)
                raw.executemany("INSERT INTO entries_v3 (seq, batch, metric, basis, unit, amount, pool, hash) "
                                "SELECT seq, batch, metric, basis, unit, amount, pool, ? FROM entries WHERE seq = ?",
                                [(e.hash, e.entry) for e in chained])
                raw.execute("DROP TABLE entries")
                raw.execute("ALTER TABLE entries_v3 RENAME TO entries")
                for statement in _sqlite_statements(_SQLITE_REST):
                    raw.execute(statement)
                batches = raw.execute("SELECT count(*), coalesce(max(seq), 0) FROM batches").fetchone()[1]
                raw.execute("INSERT INTO head (id, batches, entries, hash) VALUES (1, ?, ?, ?)",
                            (batches, chained[-1].entry if chained else 0, chained[-1].hash if chained else GENESIS))
                raw.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
            except BaseException:
                if raw.in_transaction:
                    raw.execute("ROLLBACK")
                raise
            raw.execute("COMMIT")
        self.migrated_from, self.backup, self.version = version, backup, SCHEMA_VERSION

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


def _old_entries(raw: sqlite3.Connection, version: int) -> list[Entry]:
    overrode = "b.overrode" if version >= 2 else "'[]'"
    rows = raw.execute(
        "SELECT e.seq, b.id, b.kind, b.project, b.park, e.metric, e.basis, e.unit, e.amount, e.pool, b.recorded_by, "
        f"b.recorded_at, b.reason, b.expires, b.override, {overrode}, b.screening, NULL "
        "FROM entries e JOIN batches b ON e.batch = b.seq ORDER BY e.seq").fetchall()
    return [_entry_from_row(row) for row in rows]


def inspect_sqlite(path: Path, timeout: float) -> int | None:
    """The schema version of an existing ledger file (0: an SQLite database with no tables), None when
    there is no file.

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
        raise LedgerError(path, "is empty (0 bytes), not a ledger: a ledger truncated to nothing? Restore its "
                                "latest backup; to start a new ledger, delete the empty file and run "
                                "`regional-eia ledger init`")
    if not head.startswith(b"SQLite format 3\x00"):
        raise LedgerError(path, f"not a ledger: not an SQLite database (it begins {head[:16]!r}); "
                                "check the --ledger path")
    sidecars = [path.with_name(path.name + suffix) for suffix in ("-wal", "-shm")]
    absent = [s for s in sidecars if not s.exists()]
    try:
        return _sqlite_schema_of(path, timeout, immutable=not _writable(path) and not sidecars[0].exists())
    except LedgerError:
        for sidecar in absent:  # a read-only look at a WAL file may leave empty -wal/-shm files: not ours to keep
            with contextlib.suppress(OSError):
                sidecar.unlink()
        raise


def _writable(path: Path) -> bool:
    folder = path.parent
    return os.access(folder, os.W_OK | os.X_OK) and (not path.exists() or os.access(path, os.W_OK))


def _sqlite_schema_of(path: Path, timeout: float, immutable: bool) -> int:
    uri = path.resolve().as_uri() + "?mode=ro" + ("&immutable=1" if immutable else "")
    try:
        readonly = sqlite3.connect(uri, uri=True, timeout=timeout)
    except sqlite3.Error as exc:
        raise LedgerError(path, f"cannot open: {exc}") from exc
    try:
        check = [row[0] for row in readonly.execute("PRAGMA quick_check")]
        app_id = readonly.execute("PRAGMA application_id").fetchone()[0]
        version = readonly.execute("PRAGMA user_version").fetchone()[0]
        tables = sorted(r[0] for r in readonly.execute("SELECT name FROM sqlite_master WHERE type = 'table'"))
    except sqlite3.OperationalError as exc:
        if "unable to open" in str(exc) and not _writable(path):
            raise LedgerError(path, f"cannot read the ledger in the read-only folder {path.parent}: it has an "
                                    "unmerged write-ahead log; open it once where it can be written") from exc
        raise corrupt(path, str(exc)) from exc
    except sqlite3.DatabaseError as exc:
        raise corrupt(path, str(exc)) from exc
    finally:
        readonly.close()
    if check != ["ok"]:
        raise corrupt(path, "; ".join(check[:3]))
    if app_id == 0 and version == 0 and not tables:
        return 0
    if app_id != APPLICATION_ID:
        raise LedgerError(path, f"an SQLite database, but not a regional-eia ledger (application_id {app_id:#x}, "
                                f"tables {', '.join(tables) or 'none'}); give a ledger file or a new path")
    if version > SCHEMA_VERSION:
        raise LedgerError(path, f"written by a newer regional-eia (ledger schema {version}; this version reads up "
                                f"to {SCHEMA_VERSION}): upgrade regional-eia")
    if version < 1:
        raise corrupt(path, f"ledger schema version {version}")
    return version


def corrupt(path: object, why: str) -> LedgerError:
    why = " ".join(why.replace("*", "").split())
    return LedgerError(path, f"the ledger is corrupt ({why}); it has not been modified. Restore its latest "
                             "backup, or `regional-eia ledger import` its latest export into a new ledger")


# --- PostgreSQL ------------------------------------------------------------------------------------


class PostgresStore(Store):
    """A ledger in a PostgreSQL database (psycopg 3): for an office of several staff and a web service."""

    backend = "postgresql"

    def __init__(self, url: URL, *, readonly: bool, timeout: float):
        self.url = url
        self.name = url.render_as_string(hide_password=True)
        self.readonly = readonly
        self.timeout = timeout
        engine = sa.create_engine(url, poolclass=NullPool, connect_args={
            "connect_timeout": max(1, int(timeout)), "application_name": "regional-eia ledger"})
        with self.translated():
            super().__init__(engine.connect())
        self.connection.rollback()

    def _begin_read(self) -> None:
        self.connection.exec_driver_sql("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")

    def _begin_write(self) -> None:
        self.connection.exec_driver_sql(f"SET LOCAL lock_timeout = '{int(self.timeout * 1000)}ms'")
        self.connection.execute(sa.select(head_table.c.id).where(head_table.c.id == 1).with_for_update())

    @contextlib.contextmanager
    def translated(self) -> Iterator[None]:
        try:
            yield
        except sa_exc.DBAPIError as exc:
            raise self._translate(exc) from exc

    def _translate(self, exc: sa_exc.DBAPIError) -> LedgerError:
        import psycopg.errors as pg

        orig = exc.orig
        text = " ".join(str(orig).split()) if orig is not None else str(exc)
        if isinstance(orig, pg.LockNotAvailable):
            return LedgerError(self.name, f"another writer held the ledger's lock longer than {self.timeout:g} s; "
                                          "nothing was written; try again")
        if isinstance(orig, (pg.IntegrityError, pg.RaiseException)):
            return LedgerError(self.name, f"an entry breaks the ledger's rules ({text}); nothing was written")
        if isinstance(orig, pg.InsufficientPrivilege):
            return LedgerError(self.name, f"the database refused ({text}); the ledger's role needs SELECT and "
                                          "INSERT on its tables and UPDATE on head (README: a park office's "
                                          "ledger on PostgreSQL)")
        if isinstance(orig, pg.ReadOnlySqlTransaction):
            return self.readonly_error()
        if exc.connection_invalidated or isinstance(orig, pg.OperationalError):
            return LedgerError(self.name, f"cannot reach the ledger's database ({text}); a write that was under way "
                                          "is either recorded whole or not at all: `ledger history` shows which")
        return LedgerError(self.name, f"cannot use the ledger: {text}")

    def version_of(self) -> int:
        """The schema version (0: an empty database); refuses a database that holds something else."""
        c = self.connection
        with self.translated():
            tables = sorted(c.exec_driver_sql(
                "SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema()").scalars())
            meta = {}
            if "meta" in tables:
                meta = dict(c.exec_driver_sql("SELECT key, value FROM meta").all())
            c.rollback()
        if not tables:
            return 0
        if meta.get("application") != APPLICATION:
            raise LedgerError(self.name, f"the database holds tables ({', '.join(tables[:8])}) but not a "
                                         "regional-eia ledger; give an empty database or a ledger's URL")
        version = int(meta.get("schema_version", "0"))
        if version > SCHEMA_VERSION:
            raise LedgerError(self.name, f"written by a newer regional-eia (ledger schema {version}; this version "
                                         f"reads up to {SCHEMA_VERSION}): upgrade regional-eia")
        if version != SCHEMA_VERSION:
            raise corrupt(self.name, f"ledger schema version {version}")
        return version

    def create(self, catalog_name: str) -> None:
        c = self.connection
        with self.translated():
            c.exec_driver_sql("SELECT pg_advisory_xact_lock(5392745)")  # two `ledger init` at once: one creates
            if c.exec_driver_sql("SELECT to_regclass('meta')").scalar() is not None:
                c.rollback()
                raise LedgerError(self.name, "another process created this ledger at the same moment; try again")
            for statement in _postgres_statements(_POSTGRES_SCHEMA):
                c.exec_driver_sql(statement)
            c.execute(sa.insert(head_table).values(id=1, batches=0, entries=0, hash=GENESIS))
            c.execute(sa.insert(meta_table), [
                {"key": "application", "value": APPLICATION}, {"key": "schema_version", "value": str(SCHEMA_VERSION)},
                {"key": "catalog", "value": catalog_name}, {"key": "created_at", "value": now()}])
            c.commit()
        self.version, self.created = SCHEMA_VERSION, True

    def triggers(self, tx: Tx) -> dict[str, bool]:
        rows = tx.c.exec_driver_sql(
            "SELECT t.tgname, t.tgenabled <> 'D' FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid "
            "WHERE c.oid IN (to_regclass('batches'), to_regclass('entries'), to_regclass('head')) "
            "AND NOT t.tgisinternal").all()
        return {name: enabled for name, enabled in rows}

    def integrity(self, tx: Tx) -> list[str]:
        problems = []
        for table, column in (("entries", "amount"), ("batches", "expires")):
            constraints = tx.c.exec_driver_sql(
                "SELECT count(*) FROM pg_constraint WHERE conrelid = to_regclass(%(t)s) AND contype = 'c' "
                "AND pg_get_constraintdef(oid) LIKE %(c)s", {"t": table, "c": f"%{column}%"}).scalar_one()
            if not constraints:
                problems.append(f"the CHECK constraint on {table}.{column} is missing")
        return problems


# --- opening ---------------------------------------------------------------------------------------


def postgres_url(target: str) -> URL:
    """A PostgreSQL URL with the psycopg 3 driver (``postgresql://`` and ``postgres://`` both work)."""
    try:
        url = make_url(target)
    except sa_exc.ArgumentError as exc:
        raise LedgerError(target, f"not a database URL ({exc})") from exc
    backend = url.get_backend_name()
    if backend not in ("postgresql", "postgres"):
        raise LedgerError(url.render_as_string(hide_password=True),
                          f"unknown ledger backend {backend!r}: give a file path, sqlite:///PATH or "
                          "postgresql://user@host/database")
    if url.get_driver_name() not in ("psycopg", "psycopg2") or "+" not in url.drivername:
        url = url.set(drivername="postgresql+psycopg")
    if not url.database:
        raise LedgerError(url.render_as_string(hide_password=True), "the URL names no database "
                                                                    "(postgresql://user@host/DATABASE)")
    return url


def open_store(target: str | Path, *, catalog_name: str | None, create: bool, readonly: bool,
               timeout: float) -> Store:
    """Open the ledger's database, creating (``create``) or migrating it where that is allowed."""
    if is_url(target) and str(target).lower().startswith("sqlite:"):
        url = make_url(str(target))
        if not url.database:
            raise LedgerError(target, "give the ledger file: sqlite:///path/to/ledger.sqlite")
        target = Path(url.database)
    if is_url(target):
        return _open_postgres(postgres_url(str(target)), catalog_name, create, readonly, timeout)
    return _open_sqlite(Path(target), catalog_name, create, readonly, timeout)


def _missing_catalog(name: object) -> LedgerError:
    return LedgerError(name, "a new ledger needs its catalogue (--catalog)")


def _open_sqlite(path: Path, catalog_name, create: bool, readonly: bool, timeout: float) -> SQLiteStore:
    version = inspect_sqlite(path, timeout)
    if version is None:
        if not create:
            raise LedgerError(path, "no ledger here; create it with `regional-eia ledger init --ledger PATH` (or "
                                    "check the path)")
        if not path.parent.is_dir():
            raise LedgerError(path, f"folder {path.parent} does not exist")
    if version == 0 and not create:
        raise LedgerError(path, "an empty SQLite database, not yet a ledger; `regional-eia ledger init` makes it one")
    if version in (None, 0) and catalog_name is None:
        raise _missing_catalog(path)
    can_write = _writable(path)
    if version in (None, 0) and not can_write:
        raise LedgerError(path, f"cannot create the ledger: the folder {path.parent} is read-only")
    readonly = readonly or not can_write
    immutable = readonly and not can_write and not path.with_name(path.name + "-wal").exists()
    store = SQLiteStore(path, readonly=readonly, immutable=immutable, timeout=timeout)
    try:
        if version in (None, 0):
            store.create(catalog_name)
        else:
            store.version = version
            if version < SCHEMA_VERSION and not readonly:
                store.migrate()
    except BaseException:
        store.close()
        raise
    return store


def _open_postgres(url: URL, catalog_name, create: bool, readonly: bool, timeout: float) -> PostgresStore:
    try:
        import psycopg  # noqa: F401
    except ImportError:
        raise LedgerError(url.render_as_string(hide_password=True), 'a PostgreSQL ledger needs psycopg: '
                          'pip install "regional-eia[postgresql]"') from None
    store = PostgresStore(url, readonly=readonly, timeout=timeout)
    try:
        version = store.version_of()
        if version == 0:
            if not create:
                raise LedgerError(store.name, "the database holds no ledger; create it with "
                                              "`regional-eia ledger init --ledger URL`")
            if catalog_name is None:
                raise _missing_catalog(store.name)
            store.create(catalog_name)
        store.version = SCHEMA_VERSION
    except BaseException:
        store.close()
        raise
    return store

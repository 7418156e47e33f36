"""The database: an engine for the URL, one session per request, and the schema migrated at start."""

from __future__ import annotations

from collections.abc import Iterator
from importlib.resources import files
from pathlib import Path

from sqlalchemy import Engine, create_engine, event, inspect
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from ..errors import RegionalEIAError

__all__ = ["ServiceError", "connect", "migrate", "schema_revision", "HEAD"]

HEAD = "0001"


class ServiceError(RegionalEIAError):
    """The service cannot start or run: names the setting (``--db``, ``--catalog``) and the fix."""

    def __init__(self, setting: str, why: str):
        self.setting, self.why = setting, why
        super().__init__(f"{setting}: {why}")


def connect(url: str) -> tuple[Engine, sessionmaker[Session]]:
    """An engine for ``url`` (SQLite: foreign keys on, WAL, a busy timeout) and its session factory."""
    sqlite = url.startswith("sqlite")
    if sqlite and url.startswith("sqlite:///") and url != "sqlite:///:memory:":
        folder = Path(url.removeprefix("sqlite:///")).expanduser().resolve().parent
        if not folder.is_dir():
            raise ServiceError("--db", f"folder {folder} does not exist")
    try:
        # At least as many connections as the server has worker threads, so that none waits for one.
        engine = create_engine(url, connect_args={"timeout": 30, "check_same_thread": False} if sqlite else {},
                               pool_pre_ping=not sqlite, pool_size=10, max_overflow=30)
    except (SQLAlchemyError, ImportError, ValueError) as exc:
        raise ServiceError("--db", f"cannot use {_redacted(url)}: {exc}") from exc
    if sqlite:
        event.listen(engine, "connect", _sqlite_pragmas)
    return engine, sessionmaker(engine, expire_on_commit=False)


def _sqlite_pragmas(connection, _record) -> None:
    cursor = connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def migrate(engine: Engine) -> str:
    """Create the schema or bring it to the newest revision (Alembic ``upgrade head``); return it.

    Raises
    ------
    ServiceError
        When the database cannot be reached, or holds tables this service did not make.
    """
    from alembic import command
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(files("regional_eia.service") / "migrations"))
    try:
        with engine.begin() as connection:
            tables = set(inspect(connection).get_table_names())
            if tables and "alembic_version" not in tables:
                raise ServiceError("--db", f"the database holds other tables ({', '.join(sorted(tables)[:5])}); "
                                           "give the service a database of its own")
            config.attributes["connection"] = connection
            command.upgrade(config, "head")
    except SQLAlchemyError as exc:
        raise ServiceError("--db", f"cannot create or migrate the schema in {_redacted(str(engine.url))}: "
                                   f"{exc.__class__.__name__}: {str(exc).splitlines()[0]}") from exc
    return schema_revision(engine)


def schema_revision(engine: Engine) -> str | None:
    from alembic.runtime.migration import MigrationContext

    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def sessions(factory: sessionmaker[Session]) -> Iterator[Session]:
    with factory() as session:
        yield session


def _redacted(url: str) -> str:
    from sqlalchemy.engine import make_url

    try:
        return make_url(url).render_as_string(hide_password=True)
    except Exception:  # noqa: BLE001 - only for a message
        return "the database URL"

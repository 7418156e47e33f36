"""What the ledger's tests share: the backend fixtures (SQLite file, PostgreSQL database), raw access
to a ledger's tables behind the library's back, and the small test park's projects."""

from __future__ import annotations

import contextlib
from pathlib import Path

import pytest
import sqlalchemy as sa

from conftest import project_data, write_catalog
from regional_eia import project_from_data
from zones import load_catalog

BACKENDS = ["sqlite", "postgresql"]


@pytest.fixture(scope="module")
def catalog_dir(tmp_path_factory) -> Path:
    """The small test park: wastewater 10,000 m3/d with 7,000 committed and 1,000 reserved, so 2,000 left."""
    return write_catalog(tmp_path_factory.mktemp("ledger") / "catalog")


@pytest.fixture(scope="module")
def catalog(catalog_dir):
    return load_catalog(catalog_dir)


@pytest.fixture(params=BACKENDS)
def backend(request) -> str:
    return request.param


@pytest.fixture
def new_target(backend, tmp_path, request):
    """A factory of fresh ledger targets on the backend under test: a file path, or an empty database URL."""
    count = iter(range(1000))

    def make(name: str = "ledger") -> Path | str:
        if backend == "sqlite":
            return tmp_path / f"{name}-{next(count)}.sqlite"
        return request.getfixturevalue("pg_cluster").new_database()

    return make


@pytest.fixture
def target(new_target):
    return new_target()


def url_of(target: Path | str) -> str:
    return f"sqlite:///{target}" if isinstance(target, Path) else target.replace("postgresql://",
                                                                                  "postgresql+psycopg://", 1)


@contextlib.contextmanager
def raw(target: Path | str):
    """A plain SQLAlchemy connection to the ledger's database, committing at the end (tampering tools)."""
    engine = sa.create_engine(url_of(target), poolclass=sa.pool.NullPool)
    try:
        with engine.begin() as connection:
            yield connection
    finally:
        engine.dispose()


def rows(target: Path | str) -> tuple[list, list]:
    with raw(target) as connection:
        return ([tuple(r) for r in connection.exec_driver_sql("SELECT * FROM batches ORDER BY seq")],
                [tuple(r) for r in connection.exec_driver_sql("SELECT * FROM entries ORDER BY seq")])


def drop_triggers(target: Path | str) -> None:
    with raw(target) as connection:
        if isinstance(target, Path):
            names = connection.exec_driver_sql("SELECT name FROM sqlite_master WHERE type = 'trigger'").scalars().all()
            for name in names:
                connection.exec_driver_sql(f"DROP TRIGGER {name}")
        else:
            names = connection.exec_driver_sql(
                "SELECT t.tgname, c.relname FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid "
                "WHERE NOT t.tgisinternal AND c.relname IN ('batches', 'entries', 'head')").all()
            for name, table in names:
                connection.exec_driver_sql(f"DROP TRIGGER {name} ON {table}")


def project(pid: str = "T-1", flow: float | str = 500, **overrides):
    wastewater = {"route": "indirect", "flow": f"{flow} m3/d", "operating_days": 300,
                  "effluent": {"COD": "300 mg/L"}}
    return project_from_data(project_data(id=pid, wastewater=wastewater, **overrides))


def wastewater(status, park: str = "P1"):
    return next(c for c in status.caps if c.park == park and c.metric == "wastewater")

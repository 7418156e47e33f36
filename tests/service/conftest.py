"""Fixtures of the online channel's tests: a fresh database on SQLite and on a real PostgreSQL (the
suite's ``pg_database``), the app's settings, and an ASGI client with the app started."""

from __future__ import annotations

import importlib.util

import pytest

if importlib.util.find_spec("fastapi") is None:  # the serve extra (in the test extra) is not installed
    collect_ignore_glob = ["test_service_*.py"]


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request, tmp_path) -> str:
    """A fresh empty database: a SQLite file, and a database on the session's PostgreSQL server."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'channel.sqlite'}"
    return request.getfixturevalue("pg_database")


@pytest.fixture
def settings(db_url, tmp_path):
    from regional_eia.service import Settings

    from regional_eia.ledger import open_ledger
    from zones.catalog import demo_catalog

    ledger = tmp_path / "ledger.sqlite"
    open_ledger(ledger, demo_catalog(), create=True).close()  # as `regional-eia ledger init` does
    return Settings(db=db_url, ledger=str(ledger), screen_rate="1000/minute",
                    question_rate="1000/minute", login_rate="1000/minute")


@pytest.fixture
def client(settings, demo):
    from .service_support import make_client

    with make_client(settings, demo) as c:
        yield c

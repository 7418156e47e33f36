"""Storage: the Alembic migrations make exactly the models' schema, start-up migrates an existing
database in place (keeping its rows), a database holding someone else's tables is refused, and the
first admin is made by a command."""

from __future__ import annotations

import os
import subprocess

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import create_engine, text

from regional_eia.service import ServiceError, Settings
from regional_eia.service.app import start
from regional_eia.service.db import HEAD, connect, migrate, schema_revision
from regional_eia.service.models import Base

from .service_support import PASSWORD, form_screen, log_in, make_client


def test_migrations_make_the_models_schema(settings):
    engine, _ = connect(settings.sqlalchemy_url)
    assert migrate(engine) == HEAD
    with engine.connect() as connection:
        differences = compare_metadata(MigrationContext.configure(connection), Base.metadata)
    assert differences == []
    assert migrate(engine) == HEAD  # idempotent
    engine.dispose()


def test_a_restart_keeps_what_was_recorded(settings, demo):
    with make_client(settings, demo) as client:
        link = form_screen(client).headers["location"]
    with make_client(settings, demo) as client:
        assert client.get(link + "/result.json").json()["verdict"] == "fail"
    engine, _ = connect(settings.sqlalchemy_url)
    assert schema_revision(engine) == HEAD
    engine.dispose()


def test_a_database_with_other_tables_is_refused(settings, demo):
    engine = create_engine(settings.sqlalchemy_url)
    with engine.begin() as connection:
        connection.execute(text("CREATE TABLE invoices (id INTEGER PRIMARY KEY)"))
    engine.dispose()
    with pytest.raises(ServiceError, match="other tables .*invoices"):
        start(settings, demo)


def test_an_unreachable_database_is_a_clear_error(tmp_path, demo):
    settings = Settings(db="postgresql://nobody@127.0.0.1:1/none", ledger=tmp_path / "l.sqlite")
    with pytest.raises(ServiceError, match="--db: cannot create or migrate"):
        start(settings, demo)
    with pytest.raises(ValueError, match="use sqlite"):
        Settings(db="mysql://x@y/z")


def test_create_admin_command_makes_the_first_account(settings, demo):
    from typer.testing import CliRunner

    from cli import app

    runner = CliRunner()
    args = ["create-admin", "wang", "--db", settings.db, "--name", "王丽", "--password-stdin"]
    made = runner.invoke(app, args, input=PASSWORD + "\n")
    assert made.exit_code == 0, made.output
    assert "created admin account 'wang'" in made.stderr
    again = runner.invoke(app, args, input=PASSWORD + "\n")
    assert again.exit_code == 2 and "exists already" in again.stderr
    short = runner.invoke(app, ["create-admin", "li", "--db", settings.db, "--password-stdin"], input="short\n")
    assert short.exit_code == 2 and "10 characters" in short.stderr
    with make_client(settings, demo) as client:
        log_in(client, "wang")
        assert "王丽" in client.get("/staff/users").text  # an admin page


def test_create_admin_entry_point(tmp_path):
    """One run of the installed command, reading the database URL from the environment."""
    url = f"sqlite:///{tmp_path / 'channel.sqlite'}"
    done = subprocess.run(["regional-eia", "create-admin", "first", "--password-stdin"], input=PASSWORD + "\n",
                          capture_output=True, text=True, env={**os.environ, "REGIONAL_EIA_DB": url}, timeout=120)
    assert done.returncode == 0, done.stderr
    assert "created admin account 'first'" in done.stderr


def test_serve_command_starts_the_server_and_prints_the_address(tmp_path):
    """The installed ``regional-eia serve`` on 127.0.0.1: it answers, and stops on SIGTERM."""
    import signal
    import socket
    import time

    import httpx

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    subprocess.run(["regional-eia", "ledger", "init", "--ledger", str(tmp_path / "ledger.sqlite")], check=True,
                   capture_output=True, cwd=tmp_path)
    server = subprocess.Popen(["regional-eia", "serve", "--port", str(port), "--db",
                               f"sqlite:///{tmp_path / 'channel.sqlite'}", "--ledger", str(tmp_path / "ledger.sqlite")],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=tmp_path)
    try:
        deadline = time.monotonic() + 120
        while True:
            assert server.poll() is None, server.stderr.read()
            try:
                if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                assert time.monotonic() < deadline, "the server did not answer"
                time.sleep(0.3)
        assert httpx.get(f"http://127.0.0.1:{port}/api/parks/langxi-edz", timeout=10).json()["id"] == "langxi-edz"
    finally:
        server.send_signal(signal.SIGTERM)
        _, stderr = server.communicate(timeout=60)
    assert f"serving the online channel on http://127.0.0.1:{port}/" in stderr

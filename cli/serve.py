"""``regional-eia serve``: the online channel (环企直通车) web service; ``create-admin``: its first account."""

from __future__ import annotations

import os
import sys
from typing import Annotated, Optional

import typer

from ._app import app, err
from .options import CatalogOpt

DbOpt = Annotated[Optional[str], typer.Option(
    "--db", help="Database URL: sqlite:///FILE (default sqlite:///regional-eia-service.sqlite) or "
                 "postgresql://USER@HOST/DB; env REGIONAL_EIA_DB.", show_default=False)]


def _settings(**given):
    """Settings from the environment (REGIONAL_EIA_*), with the options given on the command line over them."""
    from regional_eia.service import Settings

    try:
        return Settings(**{k: v for k, v in given.items() if v is not None})
    except Exception as exc:  # pydantic's ValidationError: name the option
        from pydantic import ValidationError

        if isinstance(exc, ValidationError):
            first = exc.errors()[0]
            raise typer.BadParameter(f"--{first['loc'][0]}: {first['msg'].removeprefix('Value error, ')}") from None
        raise


@app.command("serve")
def serve_command(
    catalog: CatalogOpt = None,
    ledger: Annotated[Optional[str], typer.Option(
        "--ledger", "-l", help="Capacity ledger the channel reads and staff write: a file or a postgresql:// URL "
                               "(create it with `ledger init`); default: beside the catalogue (demo: "
                               "./demo-ledger.sqlite, created on first start).")] = None,
    db: DbOpt = None,
    host: Annotated[str, typer.Option("--host", help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", min=0, max=65535, help="Port to listen on.")] = 8000,
    workers: Annotated[int, typer.Option("--workers", min=1, max=64, help="Server processes (each loads the "
                                                                          "catalogue; rate limits count per process).")]
    = 1,
) -> None:
    """Start the web service: pre-screening and questions for companies, the queue for staff, the JSON API."""
    from regional_eia.service import create_app
    from regional_eia.service.app import start

    settings = _settings(catalog=catalog, ledger=ledger, db=db)
    channel = start(settings)  # load, migrate and check everything before listening: errors exit 2 here
    channel.sessions.kw["bind"].dispose()
    import uvicorn

    err.print(f"catalogue {channel.catalog.name}; ledger {_shown(str(channel.ledger_path))}; database "
              f"{_shown(settings.db)}", markup=False, highlight=False, soft_wrap=True)
    err.print(f"serving the online channel on http://{_url_host(host)}:{port}/ (staff: /login; API: "
              f"/api/openapi.json); Ctrl-C stops it", markup=False, highlight=False, soft_wrap=True)
    options = dict(host=host, port=port, log_level="info", proxy_headers=False, server_header=False)
    if workers == 1:
        uvicorn.run(create_app(settings, catalog=channel.catalog), **options)
        return
    # Each worker process builds its app from the environment: hand the settings over that way.
    for name, value in settings.model_dump(exclude_none=True).items():
        os.environ[f"REGIONAL_EIA_{name.upper()}"] = str(value)
    uvicorn.run("regional_eia.service.app:app_from_environment", factory=True, workers=workers, **options)


def _url_host(host: str) -> str:
    return f"[{host}]" if ":" in host else host


def _shown(url: str) -> str:
    """A database URL with its password hidden (a file path as it is)."""
    if "://" not in url:
        return url
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)


@app.command("create-admin")
def create_admin_command(
    username: Annotated[str, typer.Argument(help="The account's user name.", show_default=False)],
    db: DbOpt = None,
    name: Annotated[Optional[str], typer.Option("--name", help="Display name (default: the user name).")] = None,
    role: Annotated[str, typer.Option("--role", help="admin, or staff.")] = "admin",
    password_stdin: Annotated[bool, typer.Option(
        "--password-stdin", help="Read the password from standard input (one line) instead of prompting.")] = False,
) -> None:
    """Create a staff account in the service's database (the first admin, typically); the schema is made if new."""
    from regional_eia.service import create_user
    from regional_eia.service.channel import ChannelError
    from regional_eia.service.db import connect, migrate

    settings = _settings(db=db)
    if password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = typer.prompt("password", hide_input=True, confirmation_prompt=True)
    engine, sessions = connect(settings.sqlalchemy_url)
    try:
        migrate(engine)
        with sessions() as session:
            user = create_user(session, username=username, password=password, role=role, display_name=name or "")
    except ChannelError as exc:
        raise typer.BadParameter(f"{exc.field}: {exc.why}") from None
    finally:
        engine.dispose()
    err.print(f"created {user.role} account {user.username!r} in {_shown(settings.db)}", markup=False,
              highlight=False)

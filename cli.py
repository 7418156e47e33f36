"""``regional-eia``: a thin command line over ``regional_eia``, ``zones`` and ``standards``.

Every command parses its options, calls one library function and renders what it returns. Results go
to stdout; progress, warnings and errors to stderr. Exit status: 0 the command ran (whatever the
verdict), 1 ``--strict`` and a failing verdict, 2 bad input or usage (one line on stderr naming the
file, the field and the fix; ``--debug`` shows the traceback instead).
"""

from __future__ import annotations

import datetime as dt
import functools
import json
import sys
from enum import Enum
from pathlib import Path
from typing import Annotated, Optional

import typer
from rich.console import Console

from regional_eia import RegionalEIAError, load_project, screen
from regional_eia.render import render_screening
from standards import StandardsError
from zones import ZonesError, load_catalog

EXIT_OK, EXIT_FAIL_VERDICT, EXIT_BAD_INPUT = 0, 1, 2

out = Console()
err = Console(stderr=True)

app = typer.Typer(
    name="regional-eia",
    help="Screen proposed projects against a park's zoning, carrying capacity and discharge standards.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
schema_app = typer.Typer(help="JSON Schemas of the input files, for editors and validators.", no_args_is_help=True)
catalog_app = typer.Typer(help="Inspect and validate zone catalogues.", no_args_is_help=True)
app.add_typer(schema_app, name="schema")
app.add_typer(catalog_app, name="catalog")


class Format(str, Enum):
    text = "text"
    json = "json"


CatalogOpt = Annotated[
    Optional[Path],
    typer.Option("--catalog", "-c", help="Catalogue folder (with catalog.yaml); default: the built-in demo."),
]
FormatOpt = Annotated[Format, typer.Option("--format", "-f", help="text for people, json for scripts.")]
OnOpt = Annotated[
    Optional[dt.datetime],
    typer.Option("--on", formats=["%Y-%m-%d"], help="Screening date (limits in force then); default today."),
]

_state = {"debug": False}


@app.callback()
def _root(
    debug: Annotated[bool, typer.Option("--debug", help="Show tracebacks instead of one-line errors.")] = False,
) -> None:
    _state["debug"] = debug


def _boundary(func):
    """Turn the library's errors into one stderr line and exit status 2 (unless --debug)."""

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        try:
            return func(*args, **kwargs)
        except (RegionalEIAError, ZonesError, StandardsError) as exc:
            if _state["debug"]:
                raise
            err.print(f"[red]error:[/red] {exc}", markup=True, highlight=False, soft_wrap=True)
            raise typer.Exit(EXIT_BAD_INPUT) from None

    return wrapper


@app.command("screen")
@_boundary
def screen_command(
    project: Annotated[Path, typer.Argument(help="Project file (YAML or JSON).", show_default=False)],
    catalog: CatalogOpt = None,
    format: FormatOpt = Format.text,
    strict: Annotated[bool, typer.Option("--strict", help="Exit 1 when the verdict is fail.")] = False,
    on: OnOpt = None,
) -> None:
    """Screen one project: location, zoning, access lists, capacity, offsets and standards."""
    result = screen(load_project(project), load_catalog(catalog), on=on.date() if on else None)
    if format is Format.json:
        out.print_json(result.model_dump_json(), highlight=False)
    else:
        render_screening(result, out)
    if strict and result.verdict == "fail":
        raise typer.Exit(EXIT_FAIL_VERDICT)


@schema_app.command("catalog")
def schema_catalog() -> None:
    """JSON Schema of catalog.yaml."""
    from zones.model import CatalogSpec

    out.print_json(json.dumps(CatalogSpec.model_json_schema(by_alias=True)), highlight=False)


@schema_app.command("project")
def schema_project() -> None:
    """JSON Schema of a project file."""
    from regional_eia.project import Project

    out.print_json(json.dumps(Project.model_json_schema()), highlight=False)


@schema_app.command("result")
def schema_result() -> None:
    """JSON Schema of `screen --format json` output."""
    from regional_eia.result import ScreeningResult

    out.print_json(json.dumps(ScreeningResult.model_json_schema()), highlight=False)


@catalog_app.command("check")
@_boundary
def catalog_check(
    catalog: Annotated[Optional[Path], typer.Argument(help="Catalogue folder; default: the demo.")] = None,
    format: FormatOpt = Format.text,
) -> None:
    """Load and validate a catalogue; list its zones by kind and CRS."""
    from regional_eia.render import render_catalog_summary
    from zones.summary import summarise

    summary = summarise(load_catalog(catalog))
    for warning in summary["warnings"]:
        err.print(f"[yellow]warning:[/yellow] {warning}", highlight=False)
    if format is Format.json:
        out.print_json(json.dumps(summary, ensure_ascii=False), highlight=False)
    else:
        render_catalog_summary(summary, out)


def main() -> None:
    """Console-script entry point."""
    app()


if __name__ == "__main__":
    main()

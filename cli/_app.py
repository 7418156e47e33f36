"""The typer application, its consoles and the one error boundary every command runs inside."""

from __future__ import annotations

import warnings
from typing import Annotated

import click
import typer
from rich.console import Console
from rich.markup import escape
from typer.core import TyperGroup

EXIT_OK, EXIT_FAIL_VERDICT, EXIT_BAD_INPUT = 0, 1, 2

out = Console()
err = Console(stderr=True)

_state = {"debug": False}


def _library_errors() -> tuple[type[Exception], ...]:
    from regional_eia.errors import RegionalEIAError
    from standards.errors import StandardsError
    from zones.errors import ZonesError

    return RegionalEIAError, ZonesError, StandardsError


class _Boundary(TyperGroup):
    """The root group: a library error anywhere below becomes one stderr line and exit status 2.

    The library raises and never prints; this is the one place that turns its errors into what a script
    can rely on (``--debug`` re-raises for the traceback). Being the root group's ``invoke``, it wraps
    every sub-command of every sub-app, also under typer's test runner.
    """

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except _library_errors() as exc:
            if _state["debug"]:
                raise
            err.print(f"[red]error:[/red] {escape(str(exc))}", markup=True, highlight=False, soft_wrap=True)
            raise typer.Exit(EXIT_BAD_INPUT) from None


app = typer.Typer(
    name="regional-eia",
    cls=_Boundary,
    help="Screen proposed projects against a park's zoning, carrying capacity and discharge standards.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


@app.callback()
def _root(
    debug: Annotated[bool, typer.Option("--debug", help="Show tracebacks instead of one-line errors.")] = False,
) -> None:
    _state["debug"] = debug
    warnings.showwarning = _show_warning


_LIBRARY_PACKAGES = ("regional_eia", "zones", "standards")
_python_showwarning = warnings.showwarning


def _show_warning(message, category, filename, lineno, file=None, line=None) -> None:
    """The library's warnings (e.g. a compiled catalogue rebuilt, and why) as ``warning: ...`` lines on stderr."""
    if category.__module__.split(".")[0] in _LIBRARY_PACKAGES and not _state["debug"]:
        err.print(f"[yellow]warning:[/yellow] {escape(str(message))}", markup=True, highlight=False, soft_wrap=True)
    else:
        _python_showwarning(message, category, filename, lineno, file, line)


def sub_app(name: str, help: str) -> typer.Typer:
    """A command group (``regional-eia NAME ...``) registered on the root application."""
    group = typer.Typer(help=help, no_args_is_help=True)
    app.add_typer(group, name=name)
    return group

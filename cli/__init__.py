"""``regional-eia``: a thin command line over ``regional_eia``, ``zones`` and ``standards``.

Every command parses its options, calls one library function and renders what it returns; a module per
command group (``screen``, ``catalog``, ``standards``, ``ledger``, ``report``, ``batch``, ``schema``), the
options they share in :mod:`cli.options`, and one error boundary (the root group in :mod:`cli._app`).
Results go to stdout; progress, warnings and errors to stderr. Exit status: 0 the command ran (whatever
the verdict), 1 ``--strict`` and a failing verdict, a refused ledger reservation or commit, a ledger that
fails ``verify``, or a batch in which a row erred, 2 bad input or usage (one line on stderr naming the
file, the field and the fix; ``--debug`` shows the traceback instead).

A command module registers its commands when imported. :data:`app` is the application with every
command (imported on first use); :func:`main` imports only the module of the command it is asked for
(typer builds the options of every command it knows before it runs one), or all of them for the
root's ``--help``, a mistyped command or none.
"""

from __future__ import annotations

import importlib
import signal
import sys

from ._app import EXIT_BAD_INPUT, EXIT_FAIL_VERDICT, EXIT_OK, err, out

__all__ = ["app", "main", "EXIT_OK", "EXIT_FAIL_VERDICT", "EXIT_BAD_INPUT", "out", "err"]

MODULES = ("screen", "schema", "catalog", "standards", "ledger", "report", "batch", "serve")
"""The command modules, in the order of ``--help``."""
_MODULE_OF = {**{name: name for name in MODULES}, "create-admin": "serve"}


def _register(modules=MODULES):
    for name in modules:
        importlib.import_module(f"{__name__}.{name}")
    from ._app import app

    return app


def __getattr__(name: str):
    if name == "app":
        return _register()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def _command_of(args: list[str]) -> str | None:
    """The module of the command word in ``args`` (the root's own options, ``--debug`` and ``--help``,
    take no value), or None."""
    word = next((arg for arg in args if not arg.startswith("-")), None)
    return _MODULE_OF.get(word) if word is not None else None


def main() -> None:
    """Console-script entry point."""
    if hasattr(signal, "SIGPIPE"):  # `regional-eia ... | head`: end quietly like other Unix tools
        signal.signal(signal.SIGPIPE, signal.SIG_DFL)
    module = _command_of(sys.argv[1:])
    _register((module,) if module else MODULES)()

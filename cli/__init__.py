"""``regional-eia``: a thin command line over ``regional_eia``, ``zones`` and ``standards``.

Every command parses its options, calls one library function and renders what it returns; a module per
command group (``screen``, ``catalog``, ``standards``, ``ledger``, ``report``, ``batch``, ``schema``), the
options they share in :mod:`cli.options`, and one error boundary (the root group in :mod:`cli._app`).
Results go to stdout; progress, warnings and errors to stderr. Exit status: 0 the command ran (whatever
the verdict), 1 ``--strict`` and a failing verdict, a refused ledger reservation or commit, a ledger that
fails ``verify``, or a batch in which a row erred, 2 bad input or usage (one line on stderr naming the
file, the field and the fix; ``--debug`` shows the traceback instead).
"""

from __future__ import annotations

import signal

# Importing a command module registers its commands; the order here is the order of `--help`.
from . import screen, schema, catalog, standards, ledger, report, batch, serve  # noqa: F401, I001
from ._app import EXIT_BAD_INPUT, EXIT_FAIL_VERDICT, EXIT_OK, app, err, out

__all__ = ["app", "main", "EXIT_OK", "EXIT_FAIL_VERDICT", "EXIT_BAD_INPUT", "out", "err"]


def main() -> None:
    """Console-script entry point."""
    if hasattr(signal, "SIGPIPE"):  # `regional-eia ... | head`: end quietly like other Unix tools
        signal.signal(signal.SIGPIPE, signal.SIG_DFL)
    app()

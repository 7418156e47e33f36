"""``python -m cli``: the same as the ``regional-eia`` command."""

from . import main

main()

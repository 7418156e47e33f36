"""Where committed and reserved capacity come from, opened the one way every face opens it.

``screen --ledger``, ``batch --ledger``, ``report --ledger``, the ledger commands and the web service all
call :func:`open_book`: the ledger file given, or by default the one beside the catalogue
(:func:`regional_eia.ledger.default_ledger_path`).
"""

from __future__ import annotations

from pathlib import Path

from zones.catalog import Catalog

__all__ = ["open_book", "migration_note"]


def open_book(path: str | Path | None, catalog_folder: str | Path | None, catalog: Catalog | None = None, *,
              create: bool = True):
    """Open the capacity ledger at ``path``, else the default one of the catalogue in ``catalog_folder``
    (the demo's when None); ``create`` makes it when missing. Returns a :class:`~regional_eia.ledger.Ledger`
    (a :class:`~regional_eia.capacity.CapacityBook`); use it as a context manager."""
    from .ledger import default_ledger_path, open_ledger

    return open_ledger(path or default_ledger_path(catalog_folder), catalog, create=create)


def migration_note(ledger) -> str | None:
    """What to tell the user when opening migrated the ledger to the current schema (None otherwise)."""
    if ledger.migrated_from is None:
        return None
    return (f"migrated {ledger.path} from ledger schema {ledger.migrated_from} to {ledger.schema_version}; "
            f"the old file is kept as {ledger.backup}")

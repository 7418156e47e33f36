"""Options shared by several commands, defined once (as rasterio's ``rio/options.py``)."""

from __future__ import annotations

import datetime as dt
from enum import Enum
from pathlib import Path
from typing import Annotated, Optional

import typer


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
LedgerOpt = Annotated[
    Optional[Path],
    typer.Option("--ledger", "-l", help="Capacity ledger file; default: ledger.sqlite beside the catalogue "
                                        "(demo: ./demo-ledger.sqlite)."),
]
ReadLedgerOpt = Annotated[
    Optional[Path],
    typer.Option("--ledger", "-l", help="Read committed/reserved capacity from this ledger."),
]
ProjectArg = Annotated[Path, typer.Argument(help="Project file (YAML or JSON).", show_default=False)]


def day(value: Optional[dt.datetime]) -> Optional[dt.date]:
    """The date of a ``--on``-style option (typer parses dates as datetimes)."""
    return value.date() if value else None

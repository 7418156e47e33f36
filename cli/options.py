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
    Optional[str],
    typer.Option("--ledger", "-l", help="Capacity ledger: a file (SQLite) or postgresql://user@host/database; "
                                        "default: ledger.sqlite beside the catalogue (demo: ./demo-ledger.sqlite)."),
]
ReadLedgerOpt = Annotated[
    Optional[str],
    typer.Option("--ledger", "-l", help="Read committed/reserved capacity from this ledger (a file or a "
                                        "postgresql:// URL; it is not written)."),
]
ProjectArg = Annotated[Path, typer.Argument(help="Project file (YAML or JSON).", show_default=False)]


class Lang(str, Enum):
    zh = "zh"
    en = "en"


LangOpt = Annotated[
    Optional[Lang],
    typer.Option("--lang", help="Language of messages: zh or en; default zh under a Chinese locale, else en "
                                "(or REGIONAL_EIA_LANG).", show_default=False),
]


def lang(value: Optional[Lang]) -> str:
    """The language asked for, else the one of the user's locale."""
    from regional_eia.report.messages import default_lang

    return value.value if value is not None else default_lang()


def day(value: Optional[dt.datetime]) -> Optional[dt.date]:
    """The date of a ``--on``-style option (typer parses dates as datetimes)."""
    return value.date() if value else None


IntegratedOpt = Annotated[
    Optional[bool],
    typer.Option("--integrated-for-unlisted/--no-integrated-for-unlisted",
                 help="Apply GB 8978-1996 as a SUPPLEMENTARY figure (labelled so) to pollutants the industry standard "
                      "does not list. Default: the catalogue's standards_policy (the text's rule, GB 8978-1996 "
                      "1.2-1.3: not cross-applied).", show_default=False),
]


def standards_policy(integrated: Optional[bool], catalog):
    """The catalogue's standards policy, with the command line's choice (if any) over it."""
    policy = catalog.spec.standards_policy
    if integrated is None:
        return policy
    return policy.model_copy(update={"integrated_for_unlisted": integrated})

"""``regional-eia catalog``: inspect and validate zone catalogues."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Optional

import typer

from ._app import err, out, sub_app
from .options import Format, FormatOpt

catalog_app = sub_app("catalog", "Inspect and validate zone catalogues.")


@catalog_app.command("check")
def catalog_check(
    catalog: Annotated[Optional[Path], typer.Argument(help="Catalogue folder; default: the demo.")] = None,
    format: FormatOpt = Format.text,
) -> None:
    """Load and validate a catalogue; list its zones by kind and CRS."""
    from regional_eia.render import render_catalog_summary
    from zones import load_catalog
    from zones.summary import summarise

    summary = summarise(load_catalog(catalog))
    for warning in summary["warnings"]:
        err.print(f"[yellow]warning:[/yellow] {warning}", highlight=False)
    if format is Format.json:
        out.print_json(json.dumps(summary, ensure_ascii=False), highlight=False)
    else:
        render_catalog_summary(summary, out)

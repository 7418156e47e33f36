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


@catalog_app.command("cache")
def catalog_cache(
    clear: Annotated[bool, typer.Option("--clear", help="Delete every compiled catalogue (rebuilt on next use).")]
    = False,
    format: FormatOpt = Format.text,
) -> None:
    """List the compiled catalogues (what `--catalog` opens instead of the sources), or clear them."""
    from zones.compiled import cache_dir, cached_catalogues, clear_cache

    folder = cache_dir()
    if clear:
        removed = clear_cache()
        err.print(f"removed {len(removed)} compiled catalogue(s) from {folder}", highlight=False)
        return
    entries = cached_catalogues()
    if format is Format.json:
        out.print_json(json.dumps({"folder": str(folder) if folder else None, "catalogues": [
            {"file": str(e.path), "source": e.source, "built": e.built, "tool_version": e.tool_version,
             "bytes": e.bytes} for e in entries]}, ensure_ascii=False), highlight=False)
        return
    if folder is None:
        out.print("compiled catalogues are off (REGIONAL_EIA_CACHE=off)", highlight=False)
        return
    out.print(f"compiled catalogues in {folder}:" if entries else f"no compiled catalogue in {folder}",
              highlight=False)
    for e in entries:
        out.print(f"  {e.source or '(unreadable)'}  built {e.built or '?'}  {e.bytes / 1e6:,.1f} MB  {e.path.name}",
                  highlight=False, markup=False)

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
    for note in summary.get("notes", []):
        err.print(f"read: {note}", markup=False, highlight=False, soft_wrap=True)
    for warning in summary["warnings"]:
        err.print(f"[yellow]warning:[/yellow] {warning}", highlight=False)
    if format is Format.json:
        out.print_json(json.dumps(summary, ensure_ascii=False), highlight=False)
    else:
        render_catalog_summary(summary, out)
        _render_units(summary.get("control_units", []))


def _render_units(units: list[dict]) -> None:
    """The control units with code, class and the parks they cover or touch."""
    if not units:
        return
    from rich import box
    from rich.table import Table

    table = Table(title="Control units (环境管控单元)", box=box.SIMPLE_HEAD, expand=True)
    for col in ("code", "name", "class", "parks", "requirement texts"):
        table.add_column(col)
    for unit in units[:200]:
        table.add_row(unit["code"], unit["name"], unit["class"], ", ".join(unit["parks"]) or "—",
                      ", ".join(unit["texts"]) or "—")
    out.print(table)
    if len(units) > 200:
        out.print(f"... and {len(units) - 200:,} more (--format json lists them all)", highlight=False)


@catalog_app.command("import")
def catalog_import(
    files: Annotated[list[str], typer.Argument(
        help="The committee's files: layers (.shp, .gpkg, .geojson, .kml) and sheets (.xlsx, .csv); prefix one "
             "with its kind when it is not recognised: units=, parks=, red_lines=, water_sources=, caps=, "
             "access=, info=.", show_default=False)],
    out_dir: Annotated[Path, typer.Option("--out", "-o", help="Catalogue folder to write (created).",
                                          show_default=False)],
    name: Annotated[Optional[str], typer.Option("--name", help="Catalogue name; default: the parks' names.")] = None,
    encoding: Annotated[Optional[str], typer.Option(
        "--encoding", help="Attribute encoding of the Shapefiles (default: detected from their bytes).")] = None,
    crs: Annotated[Optional[str], typer.Option(
        "--crs", help="CRS of layers that declare none (no .prj), e.g. 4527 or 4490.")] = None,
    force: Annotated[bool, typer.Option(
        "--force", help="Replace a catalog.yaml edited by hand since the last import (kept as catalog.yaml.bak).")]
    = False,
) -> None:
    """Build a catalogue folder from the files a park committee holds; say how each was read."""
    from zones.importer import import_catalog

    report = import_catalog(files, out_dir, name=name, encoding=encoding, crs=crs, force=force)
    for item in report.files:
        where = f"{item.path}" + (f" [sheet {item.sheet}]" if item.sheet else "")
        err.print(f"read {where}: {item.kind}, {item.count} {'features' if item.crs else 'rows'} ({item.why})",
                  markup=False, highlight=False, soft_wrap=True)
        if item.encoding:
            err.print(f"  encoding: {item.encoding}", markup=False, highlight=False, soft_wrap=True)
        if item.crs:
            err.print(f"  crs: {item.crs}", markup=False, highlight=False, soft_wrap=True)
        if item.mapping:
            err.print("  fields: " + ", ".join(f"{source} -> {role}" for role, source in item.mapping.items()),
                      markup=False, highlight=False, soft_wrap=True)
        if item.unmatched:
            err.print(f"  not used: {', '.join(item.unmatched)}", markup=False, highlight=False, soft_wrap=True)
    for note in report.notes:
        err.print(f"[yellow]note:[/yellow] {note}", highlight=False, soft_wrap=True)
    out.print(f"{'updated' if report.updated else 'wrote'} {report.catalog} (check it with: regional-eia catalog "
              f"check {report.catalog.parent})", markup=False, highlight=False, soft_wrap=True)


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

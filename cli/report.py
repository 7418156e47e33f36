"""``regional-eia report``: a report for a company, or a summary of batch results."""

from __future__ import annotations

from enum import Enum
from pathlib import Path
from typing import Annotated, Optional

import typer
from rich.markup import escape

from ._app import app, err, out
from .options import CatalogOpt, OnOpt, ReadLedgerOpt, day


class ReportLang(str, Enum):
    zh = "zh"
    en = "en"


class ReportFormat(str, Enum):
    html = "html"
    md = "md"
    xlsx = "xlsx"


@app.command("report")
def report_command(
    out_dir: Annotated[Path, typer.Option("--out", "-o", help="Folder for the report and its figures (created).",
                                          show_default=False)],
    project: Annotated[Optional[Path], typer.Argument(help="Project file (YAML or JSON); omit with --batch.",
                                                      show_default=False)] = None,
    catalog: CatalogOpt = None,
    ledger: ReadLedgerOpt = None,
    batch: Annotated[Optional[Path], typer.Option(
        "--batch", help="Summarise batch results: JSON lines of `screen --format json`, or the rows of "
                        "`regional-eia batch` (CSV or JSON lines; project_id, verdict, codes, park, lon, lat, "
                        "main_reason).", show_default=False)] = None,
    lang: Annotated[ReportLang, typer.Option("--lang", help="Report language.")] = ReportLang.zh,
    format: Annotated[ReportFormat, typer.Option(
        "--format", "-f", help="html (self-contained) or md; xlsx for --batch.")] = ReportFormat.html,
    interactive: Annotated[bool, typer.Option(
        "--interactive", help="HTML: add an offline Leaflet map (needs folium and a local Leaflet).")] = False,
    tiles: Annotated[Optional[str], typer.Option(
        "--tiles", help="Base-map tiles for --interactive (e.g. OpenStreetMap), fetched by the viewer's browser; "
                        "default none, offline.")] = None,
    on: OnOpt = None,
) -> None:
    """Write a report a park committee can hand to a company: one project's screening, or a batch summary."""
    from regional_eia import load_project, screen
    from regional_eia.report import load_batch, write_batch_report, write_report
    from zones import load_catalog

    from .ledger import open_book

    if (project is None) == (batch is None):
        raise typer.BadParameter("give a PROJECT file or --batch RESULTS, not both or neither")
    if batch is not None and (ledger or interactive or on):
        raise typer.BadParameter("--ledger, --interactive and --on are for a project report, not --batch")
    loaded = load_catalog(catalog)
    if batch is not None:
        report = write_batch_report(load_batch(batch), loaded, out_dir, lang=lang.value, format=format.value)
    else:
        proposed = load_project(project)
        book = open_book(ledger, catalog, loaded, readonly=True) if ledger else None
        try:
            result = screen(proposed, loaded, book=book, on=day(on))
        finally:
            if book is not None:
                book.close()
        report = write_report(result, loaded, out_dir, project=proposed, lang=lang.value, format=format.value,
                              interactive=interactive, tiles=tiles)
    for warning in report.warnings:
        err.print(f"[yellow]warning:[/yellow] {escape(warning)}", highlight=False, soft_wrap=True)
    for path in report.files:
        out.print(str(path), highlight=False, soft_wrap=True)

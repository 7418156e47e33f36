"""``regional-eia screen``: one project against the catalogue."""

from __future__ import annotations

from typing import Annotated

import typer

from ._app import EXIT_FAIL_VERDICT, app, err, out
from .options import (
    CatalogOpt,
    Format,
    FormatOpt,
    IntegratedOpt,
    OnOpt,
    ProjectArg,
    ReadLedgerOpt,
    day,
    standards_policy,
)


@app.command("screen")
def screen_command(
    project: ProjectArg,
    catalog: CatalogOpt = None,
    format: FormatOpt = Format.text,
    strict: Annotated[bool, typer.Option("--strict", help="Exit 1 when the verdict is fail.")] = False,
    on: OnOpt = None,
    ledger: ReadLedgerOpt = None,
    what_if: Annotated[bool, typer.Option(
        "--what-if", help="Also say the smallest change that would fit, and rank the parks that could take it "
                          "(json: {screening, changes, parks, ...}).")] = False,
    integrated_for_unlisted: IntegratedOpt = None,
) -> None:
    """Screen one project: location, zoning, access lists, capacity, offsets and standards."""
    from regional_eia import load_project, screen
    from regional_eia.render import render_screening
    from zones import load_catalog

    from .ledger import open_book

    loaded = load_catalog(catalog)
    book = open_book(ledger, catalog, loaded, create=False) if ledger else None
    try:
        if what_if:
            result = _screen_what_if(load_project(project), loaded, book, day(on), format)
        else:
            result = screen(load_project(project), loaded, book=book, on=day(on),
                            policy=standards_policy(integrated_for_unlisted, loaded))
    finally:
        if book is not None:
            book.close()
    if not what_if:
        if format is Format.json:
            out.print_json(result.model_dump_json(), highlight=False)
        else:
            render_screening(result, out)
    if strict and result.verdict == "fail":
        raise typer.Exit(EXIT_FAIL_VERDICT)


def _screen_what_if(project, catalog, book, on, format: Format):
    from rich.table import Table

    from regional_eia.render import fmt, render_screening
    from regional_eia.whatif import what_if

    report = what_if(project, catalog, book=book, on=on)
    if format is Format.json:
        out.print_json(report.model_dump_json(), highlight=False)
        return report.screening
    render_screening(report.screening, out)
    if report.changes:
        table = Table(title="What-if: the smallest change that fits")
        for col in ("cap", "demand", "left", "cut", "flow at most", "reuse"):
            table.add_column(col, justify="left" if col == "cap" else "right")
        for c in report.changes:
            table.add_row(f"{c.metric} ({c.unit}, {c.basis})", fmt(c.demand), fmt(c.remaining), fmt(c.reduce_by),
                          fmt(c.max_flow_m3d), "—" if c.reuse_rate is None else f"{c.reuse_rate:.1%}")
        out.print(table)
    if report.flow_to_fit_m3d is not None:
        out.print(f"fits when wastewater is at most {fmt(report.flow_to_fit_m3d)} m3/d, i.e. reusing "
                  f"{report.reuse_rate_to_fit:.1%} of it", highlight=False)
    table = Table(title="What-if: parks that could take the project as proposed")
    for col in ("#", "park", "takes", "verdict", "tightest cap after", "why not"):
        table.add_column(col)
    for rank, p in enumerate(report.parks, start=1):
        tightest = f"{p.tightest} {p.utilisation_after:.1%}" if p.tightest else "—"
        table.add_row(str(rank), p.park + (" (here)" if p.here else ""), "yes" if p.takes else "no", p.verdict,
                      tightest, ", ".join(dict.fromkeys(w.split(":")[0] for w in p.why_not)) or "—")
    out.print(table)
    for note in report.notes:
        err.print(f"note: {note}", markup=False, highlight=False)
    return report.screening

"""``regional-eia screen``: one project against the catalogue."""

from __future__ import annotations

from typing import Annotated

import typer

from ._app import EXIT_FAIL_VERDICT, app, err, out
from .options import (CatalogOpt, Format, FormatOpt, IntegratedOpt, LangOpt, OnOpt, ProjectArg, ReadLedgerOpt, day,
                      lang, standards_policy)


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
    language: LangOpt = None,
    integrated_for_unlisted: IntegratedOpt = None,
) -> None:
    """Screen one project: location, zoning, access lists, capacity, offsets and standards."""
    from regional_eia import load_project, screen
    from regional_eia.render import render_screening, render_what_if
    from regional_eia.whatif import what_if as what_if_of
    from zones import load_catalog

    words = lang(language)
    loaded = load_catalog(catalog)
    policy = standards_policy(integrated_for_unlisted, loaded)
    book = None
    if ledger:
        from .ledger import open_book

        book = open_book(ledger, catalog, loaded, readonly=True)
    try:
        if what_if:
            report = what_if_of(load_project(project), loaded, book=book, on=day(on), lang=words, policy=policy)
            result = report.screening
        else:
            result = screen(load_project(project), loaded, book=book, on=day(on), lang=words, policy=policy)
    finally:
        if book is not None:
            book.close()
    if format is Format.json:
        out.print_json((report if what_if else result).model_dump_json(), highlight=False)
    elif what_if:
        render_what_if(report, out)
        for note in report.notes:
            err.print(f"note: {note}", markup=False, highlight=False)
    else:
        render_screening(result, out)
    if strict and result.verdict == "fail":
        raise typer.Exit(EXIT_FAIL_VERDICT)

"""``regional-eia ledger``: reserve, commit and release park capacity in the append-only ledger.

``--ledger`` is a file (SQLite) or ``postgresql://user@host/database``. Writes need an existing ledger
(``ledger init`` creates one; ``ledger import`` creates one to import into), so that a mistyped path
never starts a second ledger; reads open it read-only.
"""

from __future__ import annotations

import datetime as dt
import sys
from enum import Enum
from pathlib import Path
from typing import Annotated, Optional

import typer

from ._app import EXIT_FAIL_VERDICT, err, out, sub_app
from .options import CatalogOpt, Format, FormatOpt, LedgerOpt, OnOpt, day

ledger_app = sub_app("ledger", "The capacity ledger: reserve, commit and release park capacity; append-only, in an "
                               "SQLite file or a PostgreSQL database.")

ByOpt = Annotated[str, typer.Option("--by", help="Who records it (name or staff id).", show_default=False)]
ReasonOpt = Annotated[str, typer.Option("--reason", help="Why; kept with the entries.")]
OverrideOpt = Annotated[bool, typer.Option(
    "--override", help="Record despite a refusal (needs --reason); the refusal is recorded too.")]
ProjectOrSheetArg = Annotated[Path, typer.Argument(
    help="Project file (YAML or JSON), or a batch sheet (.csv, .xlsx, .gpkg, .geojson, .parquet) with --rows or "
         "--admitted.", show_default=False)]
RowsOpt = Annotated[Optional[list[str]], typer.Option(
    "--rows", help="With a batch sheet: the project ids of the rows to record (comma-separated or repeated); "
                   "all of them or none are recorded.")]
AdmittedOpt = Annotated[Optional[Path], typer.Option(
    "--admitted", help="With a batch sheet: record the rows this batch result (regional-eia batch --out) admitted "
                       "(verdict pass or conditional); with --rows, only those.")]
EncodingOpt = Annotated[Optional[str], typer.Option(
    "--encoding", help="Encoding of the file read; default: detected (UTF-8 with or without BOM, else GBK).")]


class ExportFormat(str, Enum):
    csv = "csv"
    jsonl = "jsonl"


class EntryKind(str, Enum):
    commit = "commit"
    reserve = "reserve"
    release = "release"


def open_book(target: Optional[str], catalog: Optional[Path], loaded=None, *, create: bool = False,
              readonly: bool = False):
    """Open the ledger ``target`` (default: beside the catalogue); say so on stderr when it was migrated."""
    from regional_eia.ledger import default_ledger_path, open_ledger

    ledger = open_ledger(target or default_ledger_path(catalog), loaded, create=create, readonly=readonly)
    if ledger.migrated_from is not None:
        err.print(f"note: migrated {ledger.path} from ledger schema {ledger.migrated_from} to "
                  f"{ledger.schema_version}; the old file is kept as {ledger.backup}", markup=False, highlight=False)
    return ledger


def _catalog(catalog: Optional[Path]):
    from zones import load_catalog

    return load_catalog(catalog)


def _projects(path: Path, rows: Optional[list[str]], admitted: Optional[Path], encoding: Optional[str]):
    """The project file, or the named rows of a batch sheet."""
    from regional_eia import load_project
    from regional_eia.ledger.sheet import projects_from_sheet

    if rows is None and admitted is None:
        if path.suffix.lower() in (".csv", ".txt", ".xlsx", ".xlsm", ".gpkg", ".geojson", ".parquet", ".geoparquet"):
            raise typer.BadParameter(f"{path} is a batch sheet: name the rows to record with --rows ID,ID,... or "
                                     "--admitted RESULTS")
        return [load_project(path)]
    ids = [i.strip() for chunk in rows for i in chunk.split(",") if i.strip()] if rows is not None else None
    return projects_from_sheet(path, ids, admitted_in=admitted, encoding=encoding)


def _render(recordings, format: Format) -> None:
    """Print what a reserve, commit or release wrote; a refusal goes to stderr and exits 1."""
    from regional_eia.ledger.render import render_recordings, render_refusals

    if format is Format.json:
        if len(recordings) == 1:
            out.print_json(recordings[0].model_dump_json(), highlight=False)
        else:
            out.print_json("[" + ",".join(r.model_dump_json() for r in recordings) + "]", highlight=False)
        render_refusals(recordings, err)
    else:
        render_recordings(recordings, out, err)
    if not all(r.recorded for r in recordings):
        raise typer.Exit(EXIT_FAIL_VERDICT)


@ledger_app.command("init")
def ledger_init(ledger: LedgerOpt = None, catalog: CatalogOpt = None) -> None:
    """Create the ledger for a catalogue (or check that an existing one opens)."""
    with open_book(ledger, catalog, _catalog(catalog), create=True) as book:
        count = len(book.history())
        state = "created" if book.created else f"exists, {count} entries"
        out.print(f"ledger {book.path} ({state}; {book.backend}, schema {book.schema_version}; catalogue "
                  f"{book.catalog.name})", markup=False, highlight=False)


@ledger_app.command("reserve")
def ledger_reserve(
    project: ProjectOrSheetArg,
    by: ByOpt,
    expires: Annotated[Optional[dt.datetime], typer.Option(
        "--expires", formats=["%Y-%m-%d"], help="Last day the reservation counts; default: in 90 days.")] = None,
    reason: ReasonOpt = "",
    override: OverrideOpt = False,
    rows: RowsOpt = None,
    admitted: AdmittedOpt = None,
    encoding: EncodingOpt = None,
    ledger: LedgerOpt = None,
    catalog: CatalogOpt = None,
    on: OnOpt = None,
    format: FormatOpt = Format.text,
) -> None:
    """Re-screen projects under review and reserve their demand; refused (exit 1) if a cap would be overspent.

    Several rows of a sheet are one action: if any is refused, none is recorded.
    """
    loaded = _catalog(catalog)
    projects = _projects(project, rows, admitted, encoding)
    with open_book(ledger, catalog, loaded) as book:
        recordings = book.record_many("reserve", projects, by=by, expires=day(expires), reason=reason,
                                      override=override, on=day(on))
    _render(recordings, format)


@ledger_app.command("commit")
def ledger_commit(
    project: ProjectOrSheetArg,
    by: ByOpt,
    reason: ReasonOpt = "",
    override: OverrideOpt = False,
    rows: RowsOpt = None,
    admitted: AdmittedOpt = None,
    encoding: EncodingOpt = None,
    ledger: LedgerOpt = None,
    catalog: CatalogOpt = None,
    on: OnOpt = None,
    format: FormatOpt = Format.text,
) -> None:
    """Re-screen approved projects and commit their demand (a reservation becomes the commitment).

    Several rows of a sheet are one action: if any is refused, none is recorded.
    """
    loaded = _catalog(catalog)
    projects = _projects(project, rows, admitted, encoding)
    with open_book(ledger, catalog, loaded) as book:
        recordings = book.record_many("commit", projects, by=by, reason=reason, override=override, on=day(on))
    _render(recordings, format)


@ledger_app.command("release")
def ledger_release(
    project_id: Annotated[str, typer.Argument(help="The project id whose capacity is handed back.",
                                              show_default=False)],
    by: ByOpt,
    reason: Annotated[str, typer.Option("--reason", help="Why (withdrawn, reduced, ...).", show_default=False)],
    reduced_to: Annotated[Optional[Path], typer.Option(
        "--reduced-to", help="The reduced project's file: release only what it no longer needs.")] = None,
    park: Annotated[Optional[str], typer.Option("--park", help="Only in this park.")] = None,
    ledger: LedgerOpt = None,
    catalog: CatalogOpt = None,
    on: OnOpt = None,
    format: FormatOpt = Format.text,
) -> None:
    """Release what a project holds: all of it, or what its reduced version no longer needs."""
    from regional_eia import load_project

    reduced = load_project(reduced_to) if reduced_to else None
    with open_book(ledger, catalog, _catalog(catalog)) as book:
        recording = book.release(project_id, by=by, reason=reason, reduced=reduced, park=park, on=day(on))
    _render([recording], format)


@ledger_app.command("show")
def ledger_show(
    park: Annotated[Optional[str], typer.Option("--park", help="Only this park (its id).")] = None,
    on: Annotated[Optional[dt.datetime], typer.Option(
        "--on", formats=["%Y-%m-%d"], help="Count the reservations still valid on this day; default today.")] = None,
    ledger: LedgerOpt = None,
    catalog: CatalogOpt = None,
    format: FormatOpt = Format.text,
) -> None:
    """Each cap with committed, reserved, remaining and utilisation; warnings past the catalogue's threshold."""
    from regional_eia.ledger.render import render_caps, render_status_notes

    with open_book(ledger, catalog, _catalog(catalog), readonly=True) as book:
        status = book.status(park=park, as_of=day(on))
    render_status_notes(status, err)
    if format is Format.json:
        out.print_json(status.model_dump_json(), highlight=False)
    else:
        render_caps(status.caps, f"{status.catalog}: ledger {status.ledger}, {status.entries} entries, "
                                 f"as of {status.as_of}", out)


@ledger_app.command("history")
def ledger_history(
    park: Annotated[Optional[str], typer.Option("--park", help="Only this park.")] = None,
    project: Annotated[Optional[str], typer.Option("--project", help="Only this project id.")] = None,
    kind: Annotated[Optional[EntryKind], typer.Option("--kind", help="Only this kind of entry.")] = None,
    by: Annotated[Optional[str], typer.Option("--by", help="Only entries recorded by this person.")] = None,
    metric: Annotated[Optional[str], typer.Option("--metric", help="Only this cap metric.")] = None,
    since: Annotated[Optional[dt.datetime], typer.Option(
        "--since", formats=["%Y-%m-%d"], help="Recorded on or after this day (UTC).")] = None,
    until: Annotated[Optional[dt.datetime], typer.Option(
        "--until", formats=["%Y-%m-%d"], help="Recorded on or before this day (UTC).")] = None,
    ledger: LedgerOpt = None,
    catalog: CatalogOpt = None,
    format: FormatOpt = Format.text,
) -> None:
    """List the entries, oldest first, filtered (json leaves out the screening results; `export` has them)."""
    import json

    from regional_eia.ledger.render import render_history

    with open_book(ledger, catalog, readonly=True) as book:
        entries = book.history(park=park, project=project, kind=kind.value if kind else None, by=by, metric=metric,
                               since=day(since), until=day(until))
    if format is Format.json:
        out.print_json(json.dumps([e.model_dump(exclude={"screening"}) for e in entries], ensure_ascii=False),
                       highlight=False)
    else:
        render_history(entries, out)


@ledger_app.command("export")
def ledger_export(
    target: Annotated[Optional[Path], typer.Argument(help="File to write; default: stdout.")] = None,
    format: Annotated[Optional[ExportFormat], typer.Option(
        "--format", "-f", help="csv or jsonl; default: from the file's suffix, else jsonl.")] = None,
    ledger: LedgerOpt = None,
    catalog: CatalogOpt = None,
) -> None:
    """Write every entry as CSV or JSON lines (an import of it, into either backend, reproduces the ledger)."""
    from regional_eia.ledger import format_for

    chosen = format.value if format else format_for(target)
    with open_book(ledger, catalog, readonly=True) as book:
        if target is None:
            count = book.export_entries(sys.stdout, chosen)
        else:
            try:
                with target.open("w", encoding="utf-8", newline="") as f:
                    count = book.export_entries(f, chosen)
            except OSError as exc:
                raise typer.BadParameter(f"{target}: {exc.strerror}") from None
    err.print(f"exported {count} entries ({chosen})", highlight=False)


@ledger_app.command("import")
def ledger_import(
    source: Annotated[Path, typer.Argument(help="An export (CSV or JSON lines).", show_default=False)],
    format: Annotated[Optional[ExportFormat], typer.Option(
        "--format", "-f", help="csv or jsonl; default: from the file's suffix.")] = None,
    encoding: EncodingOpt = None,
    ledger: LedgerOpt = None,
    catalog: CatalogOpt = None,
) -> None:
    """Load an export into an empty ledger (created if missing); all or nothing, and it must pass verify."""
    from regional_eia.errors import LedgerError
    from regional_eia.ledger import format_for

    chosen = format.value if format else format_for(source)
    if not source.is_file():
        raise LedgerError(source, "no such file")
    with open_book(ledger, catalog, _catalog(catalog), create=True) as book:
        count = book.import_entries(source, chosen, name=str(source), encoding=encoding)
        out.print(f"imported {count} entries into {book.path}", markup=False, highlight=False)


@ledger_app.command("verify")
def ledger_verify(
    ledger: LedgerOpt = None,
    catalog: CatalogOpt = None,
    head: Annotated[Optional[str], typer.Option(
        "--head", help="A head hash kept from an earlier verify: check that the ledger still passes through it.")]
    = None,
    format: FormatOpt = Format.text,
) -> None:
    """Recompute every balance and the hash chain, check the triggers and the database; exit 1 on a problem."""
    from regional_eia.ledger.render import render_verification

    with open_book(ledger, catalog, _catalog(catalog), readonly=True) as book:
        report = book.verify(expect_head=head)
    if format is Format.json:
        out.print_json(report.model_dump_json(), highlight=False)
        render_verification(report, None, err)
    else:
        render_verification(report, out, err)
    if not report.ok:
        raise typer.Exit(EXIT_FAIL_VERDICT)

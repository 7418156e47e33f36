"""``regional-eia ledger``: reserve, commit and release park capacity in the append-only ledger."""

from __future__ import annotations

import datetime as dt
import sys
from enum import Enum
from pathlib import Path
from typing import Annotated, Optional

import typer
from rich.markup import escape

from ._app import EXIT_BAD_INPUT, EXIT_FAIL_VERDICT, err, out, sub_app
from .options import CatalogOpt, Format, FormatOpt, LedgerOpt, OnOpt, ProjectArg, day

ledger_app = sub_app("ledger", "The capacity ledger: reserve, commit and release park capacity; append-only, "
                               "one SQLite file.")

ByOpt = Annotated[str, typer.Option("--by", help="Who records it (name or staff id).", show_default=False)]
ReasonOpt = Annotated[str, typer.Option("--reason", help="Why; kept with the entries.")]
OverrideOpt = Annotated[bool, typer.Option(
    "--override", help="Record despite a refusal (needs --reason); the refusal is recorded too.")]


class ExportFormat(str, Enum):
    csv = "csv"
    jsonl = "jsonl"


class EntryKind(str, Enum):
    commit = "commit"
    reserve = "reserve"
    release = "release"


def open_book(path: Optional[Path], catalog: Optional[Path], loaded=None, *, create: bool = True):
    """Open the ledger at ``path`` (default: beside the catalogue); say so on stderr when it was migrated."""
    from regional_eia.ledger import default_ledger_path, open_ledger

    ledger = open_ledger(path or default_ledger_path(catalog), loaded, create=create)
    if ledger.migrated_from is not None:
        err.print(f"note: migrated {ledger.path} from ledger schema {ledger.migrated_from} to "
                  f"{ledger.schema_version}; the old file is kept as {ledger.backup}", markup=False, highlight=False)
    return ledger


def _catalog(catalog: Optional[Path]):
    from zones import load_catalog

    return load_catalog(catalog)


def _project(path: Path):
    from regional_eia import load_project

    return load_project(path)


def _render_caps(caps, title: str) -> None:
    """One table per park: each cap with committed, reserved, remaining and utilisation."""
    from rich.table import Table

    from regional_eia.render import fmt

    out.print(title, markup=False, highlight=False)
    for park in dict.fromkeys(c.park for c in caps):
        rows = [c for c in caps if c.park == park]
        table = Table(title=f"{rows[0].park_name} ({park})",
                      caption=f"! used over the {rows[0].threshold:.0%} warning threshold"
                      if any(c.over_threshold for c in rows) else None)
        for col in ("cap", "basis", "limit", "committed", "reserved", "remaining", "used"):
            table.add_column(col, justify="left" if col in ("cap", "basis") else "right")
        for c in rows:
            used = f"{c.utilisation:.1%}" + (" !" if c.over_threshold else "")
            table.add_row(f"{c.metric} ({c.unit})", c.basis, fmt(c.cap), fmt(c.committed), fmt(c.reserved),
                          fmt(c.remaining), used)
        out.print(table)


def _render_recording(recording, format: Format) -> None:
    """Print what a reserve, commit or release wrote; a refusal goes to stderr and exits 1."""
    if format is Format.json:
        out.print_json(recording.model_dump_json(), highlight=False)
    if not recording.recorded:
        for why in recording.refusals:
            err.print(f"[red]refused:[/red] {escape(why)}", highlight=False, soft_wrap=True)
        raise typer.Exit(EXIT_FAIL_VERDICT)
    if recording.overridden:
        for why in recording.refusals:
            err.print(f"[yellow]overridden:[/yellow] {escape(why)}", highlight=False, soft_wrap=True)
    if format is Format.json:
        return
    from regional_eia.render import fmt

    for batch in dict.fromkeys(e.batch for e in recording.entries):
        lines = [e for e in recording.entries if e.batch == batch]
        amounts = ", ".join(f"{e.metric} {fmt(e.amount)} {e.unit}" for e in lines)
        what = f"{lines[0].kind} ({lines[0].pool})" if lines[0].kind == "release" else lines[0].kind
        until = f" until {lines[0].expires}" if lines[0].expires else ""
        out.print(f"{what} {lines[0].project} in {lines[0].park}{until}: {amounts} [batch {batch[:8]}]",
                  markup=False, highlight=False)
    _render_caps(recording.caps, "After this entry")


@ledger_app.command("init")
def ledger_init(ledger: LedgerOpt = None, catalog: CatalogOpt = None) -> None:
    """Create the ledger for a catalogue (or check that an existing one opens)."""
    with open_book(ledger, catalog, _catalog(catalog)) as book:
        count = len(book.history())
        state = "created" if book.created else f"exists, {count} entries"
        out.print(f"ledger {book.path} ({state}; schema {book.schema_version}; catalogue {book.catalog.name})",
                  markup=False, highlight=False)


@ledger_app.command("reserve")
def ledger_reserve(
    project: ProjectArg,
    by: ByOpt,
    expires: Annotated[Optional[dt.datetime], typer.Option(
        "--expires", formats=["%Y-%m-%d"], help="Last day the reservation counts; default: in 90 days.")] = None,
    reason: ReasonOpt = "",
    override: OverrideOpt = False,
    ledger: LedgerOpt = None,
    catalog: CatalogOpt = None,
    on: OnOpt = None,
    format: FormatOpt = Format.text,
) -> None:
    """Re-screen a project under review and reserve its demand; refused (exit 1) if a cap would be overspent."""
    with open_book(ledger, catalog, _catalog(catalog)) as book:
        recording = book.reserve(_project(project), by=by, expires=day(expires), reason=reason,
                                 override=override, on=day(on))
    _render_recording(recording, format)


@ledger_app.command("commit")
def ledger_commit(
    project: ProjectArg,
    by: ByOpt,
    reason: ReasonOpt = "",
    override: OverrideOpt = False,
    ledger: LedgerOpt = None,
    catalog: CatalogOpt = None,
    on: OnOpt = None,
    format: FormatOpt = Format.text,
) -> None:
    """Re-screen an approved project and commit its demand (its reservation becomes the commitment)."""
    with open_book(ledger, catalog, _catalog(catalog)) as book:
        recording = book.commit(_project(project), by=by, reason=reason, override=override, on=day(on))
    _render_recording(recording, format)


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
    reduced = _project(reduced_to) if reduced_to else None
    with open_book(ledger, catalog, _catalog(catalog), create=False) as book:
        recording = book.release(project_id, by=by, reason=reason, reduced=reduced, park=park, on=day(on))
    _render_recording(recording, format)


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
    with open_book(ledger, catalog, _catalog(catalog), create=False) as book:
        status = book.status(park=park, as_of=day(on))
    for warning in status.warnings:
        err.print(f"[yellow]warning:[/yellow] {escape(warning)}", highlight=False, soft_wrap=True)
    for gone in status.expired:
        amounts = ", ".join(f"{line.metric} {line.amount:g} {line.unit}" for line in gone.lines)
        err.print(f"[yellow]expired:[/yellow] " + escape(f"the reservation of {gone.project} in {gone.park} expired "
                  f"on {gone.expires} and no longer counts ({amounts})"), highlight=False, soft_wrap=True)
    if format is Format.json:
        out.print_json(status.model_dump_json(), highlight=False)
    else:
        _render_caps(status.caps, f"{status.catalog}: ledger {status.ledger}, {status.entries} entries, "
                                  f"as of {status.as_of}")


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

    with open_book(ledger, catalog, create=False) as book:
        entries = book.history(park=park, project=project, kind=kind.value if kind else None, by=by, metric=metric,
                               since=day(since), until=day(until))
    if format is Format.json:
        out.print_json(json.dumps([e.model_dump(exclude={"screening"}) for e in entries], ensure_ascii=False),
                       highlight=False)
        return
    from regional_eia.render import fmt

    for batch in dict.fromkeys(e.batch for e in entries):
        lines = [e for e in entries if e.batch == batch]
        first = lines[0]
        what = f"release({first.pool})" if first.kind == "release" else first.kind
        amounts = ", ".join(f"{e.metric} {fmt(e.amount)} {e.unit}" for e in lines)
        notes = (f" until {first.expires}" if first.expires else "") + (" OVERRIDE" if first.override else "")
        out.print(f"{first.recorded_at[:19]}Z  {what:<16} {first.project}  {first.park}  by {first.recorded_by}"
                  f"{notes}: {amounts}" + (f" — {first.reason}" if first.reason else ""), markup=False,
                  highlight=False, soft_wrap=True)


@ledger_app.command("export")
def ledger_export(
    target: Annotated[Optional[Path], typer.Argument(help="File to write; default: stdout.")] = None,
    format: Annotated[Optional[ExportFormat], typer.Option(
        "--format", "-f", help="csv or jsonl; default: from the file's suffix, else jsonl.")] = None,
    ledger: LedgerOpt = None,
    catalog: CatalogOpt = None,
) -> None:
    """Write every entry as CSV or JSON lines (an import of it reproduces the ledger exactly)."""
    chosen = (format or (ExportFormat.csv if target and target.suffix.lower() == ".csv" else ExportFormat.jsonl))
    with open_book(ledger, catalog, create=False) as book:
        if target is None:
            count = book.export_entries(sys.stdout, chosen.value)
        else:
            with target.open("w", encoding="utf-8", newline="") as f:
                count = book.export_entries(f, chosen.value)
    err.print(f"exported {count} entries ({chosen.value})", highlight=False)


@ledger_app.command("import")
def ledger_import(
    source: Annotated[Path, typer.Argument(help="An export (CSV or JSON lines).", show_default=False)],
    format: Annotated[Optional[ExportFormat], typer.Option(
        "--format", "-f", help="csv or jsonl; default: from the file's suffix.")] = None,
    ledger: LedgerOpt = None,
    catalog: CatalogOpt = None,
) -> None:
    """Load an export into an empty ledger (created if missing); all or nothing."""
    chosen = format or (ExportFormat.csv if source.suffix.lower() == ".csv" else ExportFormat.jsonl)
    with open_book(ledger, catalog, _catalog(catalog)) as book:
        try:
            with source.open(encoding="utf-8", newline="") as f:
                count = book.import_entries(f, chosen.value, name=str(source))
        except OSError as exc:
            err.print(f"[red]error:[/red] {escape(f'{source}: {exc.strerror}')}", highlight=False)
            raise typer.Exit(EXIT_BAD_INPUT) from None
        out.print(f"imported {count} entries into {book.path}", markup=False, highlight=False)


@ledger_app.command("verify")
def ledger_verify(
    ledger: LedgerOpt = None,
    catalog: CatalogOpt = None,
    format: FormatOpt = Format.text,
) -> None:
    """Recompute every balance from the entries and check the file's integrity; exit 1 on a problem."""
    with open_book(ledger, catalog, _catalog(catalog), create=False) as book:
        report = book.verify()
    for warning in report.warnings:
        err.print(f"[yellow]warning:[/yellow] {escape(warning)}", highlight=False, soft_wrap=True)
    for problem in report.problems:
        err.print(f"[red]problem:[/red] {escape(problem)}", highlight=False, soft_wrap=True)
    if format is Format.json:
        out.print_json(report.model_dump_json(), highlight=False)
    else:
        out.print(f"ledger {report.ledger}: schema {report.schema_version}, {report.batches} batches, "
                  f"{report.entries} entries; integrity {report.integrity}; "
                  f"{'OK' if report.ok else f'{len(report.problems)} problem(s)'}", markup=False, highlight=False)
    if not report.ok:
        raise typer.Exit(EXIT_FAIL_VERDICT)

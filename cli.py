"""``regional-eia``: a thin command line over ``regional_eia``, ``zones`` and ``standards``.

Every command parses its options, calls one library function and renders what it returns. Results go
to stdout; progress, warnings and errors to stderr. Exit status: 0 the command ran (whatever the
verdict), 1 ``--strict`` and a failing verdict, a refused ledger reservation or commit, or a ledger
that fails ``verify``, 2 bad input or usage (one line on stderr naming the file, the field and the fix;
``--debug`` shows the traceback instead).
"""

from __future__ import annotations

import datetime as dt
import functools
import json
import signal
import sys
from enum import Enum
from pathlib import Path
from typing import Annotated, Optional

import typer
from rich.console import Console
from rich.markup import escape

from regional_eia import RegionalEIAError, load_project, screen
from regional_eia.render import render_screening
from standards import StandardsError, builtin_standards
from zones import ZonesError, load_catalog

EXIT_OK, EXIT_FAIL_VERDICT, EXIT_BAD_INPUT = 0, 1, 2

out = Console()
err = Console(stderr=True)

app = typer.Typer(
    name="regional-eia",
    help="Screen proposed projects against a park's zoning, carrying capacity and discharge standards.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
schema_app = typer.Typer(help="JSON Schemas of the input files, for editors and validators.", no_args_is_help=True)
catalog_app = typer.Typer(help="Inspect and validate zone catalogues.", no_args_is_help=True)
app.add_typer(schema_app, name="schema")
app.add_typer(catalog_app, name="catalog")


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

_state = {"debug": False}


@app.callback()
def _root(
    debug: Annotated[bool, typer.Option("--debug", help="Show tracebacks instead of one-line errors.")] = False,
) -> None:
    _state["debug"] = debug


def _boundary(func):
    """Turn the library's errors into one stderr line and exit status 2 (unless --debug)."""

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        try:
            return func(*args, **kwargs)
        except (RegionalEIAError, ZonesError, StandardsError) as exc:
            if _state["debug"]:
                raise
            err.print(f"[red]error:[/red] {escape(str(exc))}", markup=True, highlight=False, soft_wrap=True)
            raise typer.Exit(EXIT_BAD_INPUT) from None

    return wrapper


@app.command("screen")
@_boundary
def screen_command(
    project: Annotated[Path, typer.Argument(help="Project file (YAML or JSON).", show_default=False)],
    catalog: CatalogOpt = None,
    format: FormatOpt = Format.text,
    strict: Annotated[bool, typer.Option("--strict", help="Exit 1 when the verdict is fail.")] = False,
    on: OnOpt = None,
    ledger: Annotated[Optional[Path], typer.Option(
        "--ledger", "-l", help="Read committed/reserved capacity from this ledger.")] = None,
    what_if: Annotated[bool, typer.Option(
        "--what-if", help="Also say the smallest change that would fit, and rank the parks that could take it "
                          "(json: {screening, changes, parks, ...}).")] = False,
) -> None:
    """Screen one project: location, zoning, access lists, capacity, offsets and standards."""
    loaded = load_catalog(catalog)
    book = _open_ledger(ledger, catalog, loaded, create=False) if ledger else None
    try:
        if what_if:
            result = _screen_what_if(load_project(project), loaded, book, on.date() if on else None, format)
        else:
            result = screen(load_project(project), loaded, book=book, on=on.date() if on else None)
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


@schema_app.command("catalog")
def schema_catalog() -> None:
    """JSON Schema of catalog.yaml."""
    from zones.model import CatalogSpec

    out.print_json(json.dumps(CatalogSpec.model_json_schema(by_alias=True)), highlight=False)


@schema_app.command("project")
def schema_project() -> None:
    """JSON Schema of a project file."""
    from regional_eia.project import Project

    out.print_json(json.dumps(Project.model_json_schema()), highlight=False)


@schema_app.command("result")
def schema_result() -> None:
    """JSON Schema of `screen --format json` output."""
    from regional_eia.result import ScreeningResult

    out.print_json(json.dumps(ScreeningResult.model_json_schema()), highlight=False)


@catalog_app.command("check")
@_boundary
def catalog_check(
    catalog: Annotated[Optional[Path], typer.Argument(help="Catalogue folder; default: the demo.")] = None,
    format: FormatOpt = Format.text,
) -> None:
    """Load and validate a catalogue; list its zones by kind and CRS."""
    from regional_eia.render import render_catalog_summary
    from zones.summary import summarise

    summary = summarise(load_catalog(catalog))
    for warning in summary["warnings"]:
        err.print(f"[yellow]warning:[/yellow] {warning}", highlight=False)
    if format is Format.json:
        out.print_json(json.dumps(summary, ensure_ascii=False), highlight=False)
    else:
        render_catalog_summary(summary, out)


# --- standards -------------------------------------------------------------------------------------

standards_app = typer.Typer(help="The discharge-standard catalogue and the limits that bind.", no_args_is_help=True)
app.add_typer(standards_app, name="standards")


class Route(str, Enum):
    direct = "direct"
    indirect = "indirect"


@standards_app.command("list")
@_boundary
def standards_list(catalog: CatalogOpt = None, format: FormatOpt = Format.text) -> None:
    """Every standard in the catalogue (built in, plus the zone catalogue's own) with its figure count."""
    from regional_eia.render import render_standards_list
    from standards.summary import list_standards

    rows = list_standards(load_catalog(catalog).standards if catalog else builtin_standards())
    if format is Format.json:
        out.print_json(json.dumps(rows, ensure_ascii=False), highlight=False)
    else:
        render_standards_list(rows, out)


@standards_app.command("show")
@_boundary
def standards_show(
    standard: Annotated[str, typer.Argument(help="Standard id, e.g. GB4287-2012 (spaces and case ignored).")],
    catalog: CatalogOpt = None,
    format: FormatOpt = Format.text,
) -> None:
    """A standard's tables as transcribed, with table, column and the date each applies from."""
    from regional_eia.render import render_standard

    cat = load_catalog(catalog).standards if catalog else builtin_standards()
    std = cat.get(standard)
    limits = cat.limits_of(std.id)
    if format is Format.json:
        out.print_json(json.dumps([lim.as_json() for lim in limits], ensure_ascii=False), highlight=False)
    else:
        render_standard(std, limits, out)


@standards_app.command("lookup")
@_boundary
def standards_lookup(
    industry: Annotated[str, typer.Option("--industry", "-i", help="GB/T 4754-2017 code, e.g. C1713.")],
    route: Annotated[Route, typer.Option("--route", "-r", help="direct or indirect discharge.")],
    zone: Annotated[Optional[str], typer.Option("--zone", "-z", help="Park id in the catalogue.")] = None,
    receiving_class: Annotated[Optional[str], typer.Option(help="GB 3838 class of the receiving water.")] = None,
    catalog: CatalogOpt = None,
    format: FormatOpt = Format.text,
    on: OnOpt = None,
) -> None:
    """The binding water limits for an industry and route, with their sources and the reasons."""
    from regional_eia.lookup import lookup_limits
    from regional_eia.render import render_lookup

    rows = lookup_limits(industry, route.value, load_catalog(catalog), zone, on.date() if on else None,
                         receiving_class)
    if format is Format.json:
        out.print_json(json.dumps(rows, ensure_ascii=False), highlight=False)
    else:
        render_lookup(rows, out)


# --- ledger ----------------------------------------------------------------------------------------

ledger_app = typer.Typer(
    help="The capacity ledger: reserve, commit and release park capacity; append-only, one SQLite file.",
    no_args_is_help=True,
)
app.add_typer(ledger_app, name="ledger")

ProjectFileArg = Annotated[Path, typer.Argument(help="Project file (YAML or JSON).", show_default=False)]
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


def _open_ledger(path: Optional[Path], catalog: Optional[Path], loaded=None, *, create: bool = True):
    """Open the ledger at ``path`` (default: beside the catalogue); say so on stderr when it was migrated."""
    from regional_eia.ledger import default_ledger_path, open_ledger

    ledger = open_ledger(path or default_ledger_path(catalog), loaded, create=create)
    if ledger.migrated_from is not None:
        err.print(f"note: migrated {ledger.path} from ledger schema {ledger.migrated_from} to "
                  f"{ledger.schema_version}; the old file is kept as {ledger.backup}", markup=False, highlight=False)
    return ledger


def _screen_what_if(project, catalog, book, on, format: Format):
    from regional_eia.whatif import what_if

    report = what_if(project, catalog, book=book, on=on)
    if format is Format.json:
        out.print_json(report.model_dump_json(), highlight=False)
        return report.screening
    from rich.table import Table
    from regional_eia.render import fmt

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
@_boundary
def ledger_init(ledger: LedgerOpt = None, catalog: CatalogOpt = None) -> None:
    """Create the ledger for a catalogue (or check that an existing one opens)."""
    with _open_ledger(ledger, catalog, load_catalog(catalog)) as book:
        count = len(book.history())
        state = "created" if book.created else f"exists, {count} entries"
        out.print(f"ledger {book.path} ({state}; schema {book.schema_version}; catalogue {book.catalog.name})",
                  markup=False, highlight=False)


@ledger_app.command("reserve")
@_boundary
def ledger_reserve(
    project: ProjectFileArg,
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
    with _open_ledger(ledger, catalog, load_catalog(catalog)) as book:
        recording = book.reserve(load_project(project), by=by, expires=expires.date() if expires else None,
                                 reason=reason, override=override, on=on.date() if on else None)
    _render_recording(recording, format)


@ledger_app.command("commit")
@_boundary
def ledger_commit(
    project: ProjectFileArg,
    by: ByOpt,
    reason: ReasonOpt = "",
    override: OverrideOpt = False,
    ledger: LedgerOpt = None,
    catalog: CatalogOpt = None,
    on: OnOpt = None,
    format: FormatOpt = Format.text,
) -> None:
    """Re-screen an approved project and commit its demand (its reservation becomes the commitment)."""
    with _open_ledger(ledger, catalog, load_catalog(catalog)) as book:
        recording = book.commit(load_project(project), by=by, reason=reason, override=override,
                                on=on.date() if on else None)
    _render_recording(recording, format)


@ledger_app.command("release")
@_boundary
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
    reduced = load_project(reduced_to) if reduced_to else None
    with _open_ledger(ledger, catalog, load_catalog(catalog), create=False) as book:
        recording = book.release(project_id, by=by, reason=reason, reduced=reduced, park=park,
                                 on=on.date() if on else None)
    _render_recording(recording, format)


@ledger_app.command("show")
@_boundary
def ledger_show(
    park: Annotated[Optional[str], typer.Option("--park", help="Only this park (its id).")] = None,
    on: Annotated[Optional[dt.datetime], typer.Option(
        "--on", formats=["%Y-%m-%d"], help="Count the reservations still valid on this day; default today.")] = None,
    ledger: LedgerOpt = None,
    catalog: CatalogOpt = None,
    format: FormatOpt = Format.text,
) -> None:
    """Each cap with committed, reserved, remaining and utilisation; warnings past the catalogue's threshold."""
    with _open_ledger(ledger, catalog, load_catalog(catalog), create=False) as book:
        status = book.status(park=park, as_of=on.date() if on else None)
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
@_boundary
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
    with _open_ledger(ledger, catalog, create=False) as book:
        entries = book.history(park=park, project=project, kind=kind.value if kind else None, by=by, metric=metric,
                               since=since.date() if since else None, until=until.date() if until else None)
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
@_boundary
def ledger_export(
    target: Annotated[Optional[Path], typer.Argument(help="File to write; default: stdout.")] = None,
    format: Annotated[Optional[ExportFormat], typer.Option(
        "--format", "-f", help="csv or jsonl; default: from the file's suffix, else jsonl.")] = None,
    ledger: LedgerOpt = None,
    catalog: CatalogOpt = None,
) -> None:
    """Write every entry as CSV or JSON lines (an import of it reproduces the ledger exactly)."""
    chosen = (format or (ExportFormat.csv if target and target.suffix.lower() == ".csv" else ExportFormat.jsonl))
    with _open_ledger(ledger, catalog, create=False) as book:
        if target is None:
            count = book.export_entries(sys.stdout, chosen.value)
        else:
            with target.open("w", encoding="utf-8", newline="") as f:
                count = book.export_entries(f, chosen.value)
    err.print(f"exported {count} entries ({chosen.value})", highlight=False)


@ledger_app.command("import")
@_boundary
def ledger_import(
    source: Annotated[Path, typer.Argument(help="An export (CSV or JSON lines).", show_default=False)],
    format: Annotated[Optional[ExportFormat], typer.Option(
        "--format", "-f", help="csv or jsonl; default: from the file's suffix.")] = None,
    ledger: LedgerOpt = None,
    catalog: CatalogOpt = None,
) -> None:
    """Load an export into an empty ledger (created if missing); all or nothing."""
    chosen = format or (ExportFormat.csv if source.suffix.lower() == ".csv" else ExportFormat.jsonl)
    with _open_ledger(ledger, catalog, load_catalog(catalog)) as book:
        try:
            with source.open(encoding="utf-8", newline="") as f:
                count = book.import_entries(f, chosen.value, name=str(source))
        except OSError as exc:
            err.print(f"[red]error:[/red] {escape(f'{source}: {exc.strerror}')}", highlight=False)
            raise typer.Exit(EXIT_BAD_INPUT) from None
        out.print(f"imported {count} entries into {book.path}", markup=False, highlight=False)


@ledger_app.command("verify")
@_boundary
def ledger_verify(
    ledger: LedgerOpt = None,
    catalog: CatalogOpt = None,
    format: FormatOpt = Format.text,
) -> None:
    """Recompute every balance from the entries and check the file's integrity; exit 1 on a problem."""
    with _open_ledger(ledger, catalog, load_catalog(catalog), create=False) as book:
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


# --- report ----------------------------------------------------------------------------------------


class ReportLang(str, Enum):
    zh = "zh"
    en = "en"


class ReportFormat(str, Enum):
    html = "html"
    md = "md"
    xlsx = "xlsx"


@app.command("report")
@_boundary
def report_command(
    out_dir: Annotated[Path, typer.Option("--out", "-o", help="Folder for the report and its figures (created).",
                                          show_default=False)],
    project: Annotated[Optional[Path], typer.Argument(help="Project file (YAML or JSON); omit with --batch.",
                                                      show_default=False)] = None,
    catalog: CatalogOpt = None,
    ledger: Annotated[Optional[Path], typer.Option(
        "--ledger", "-l", help="Read committed/reserved capacity from this ledger.")] = None,
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
    from regional_eia.report import load_batch, write_batch_report, write_report

    if (project is None) == (batch is None):
        raise typer.BadParameter("give a PROJECT file or --batch RESULTS, not both or neither")
    if batch is not None and (ledger or interactive or on):
        raise typer.BadParameter("--ledger, --interactive and --on are for a project report, not --batch")
    loaded = load_catalog(catalog)
    if batch is not None:
        report = write_batch_report(load_batch(batch), loaded, out_dir, lang=lang.value, format=format.value)
    else:
        proposed = load_project(project)
        book = _report_ledger(ledger, loaded)
        try:
            result = screen(proposed, loaded, book=book, on=on.date() if on else None)
        finally:
            if book is not None:
                book.close()
        report = write_report(result, loaded, out_dir, project=proposed, lang=lang.value, format=format.value,
                              interactive=interactive, tiles=tiles)
    for warning in report.warnings:
        err.print(f"[yellow]warning:[/yellow] {escape(warning)}", highlight=False, soft_wrap=True)
    for path in report.files:
        out.print(str(path), highlight=False, soft_wrap=True)


def _report_ledger(path: Optional[Path], loaded):
    """The ledger as the capacity book, when this build has one (``regional_eia.ledger.open_ledger``)."""
    if path is None:
        return None
    try:
        from regional_eia.ledger import open_ledger
    except ImportError:
        from regional_eia.errors import ReportError

        raise ReportError("--ledger", "this build has no capacity ledger (regional_eia.ledger.open_ledger); "
                                      "leave --ledger out to use the catalogue's figures") from None
    return open_ledger(path, loaded, create=False)


# --- batch -----------------------------------------------------------------------------------------


class BatchMode(str, Enum):
    independent = "independent"
    sequential = "sequential"


class BatchEngineKind(str, Enum):
    local = "local"
    dask = "dask"


@app.command("batch")
@_boundary
def batch_command(
    input: Annotated[Path, typer.Argument(help="Projects, one per row: .csv (UTF-8 or GBK), .xlsx, .gpkg, .geojson "
                                               "or .parquet (columns: see the batch schema in README).",
                                          show_default=False)],
    out: Annotated[Path, typer.Option("--out", "-o", help="Results by extension: .csv, .jsonl, .geojson, .gpkg or "
                                                          ".parquet; one row per input row, in order.",
                                      show_default=False)],
    catalog: CatalogOpt = None,
    ledger: Annotated[Optional[Path], typer.Option(
        "--ledger", "-l", help="Read committed/reserved capacity from this ledger (it is not written).")] = None,
    mode: Annotated[BatchMode, typer.Option(
        "--mode", help="independent: every row against the current capacity; sequential: rows take capacity in "
                       "input order.")] = BatchMode.independent,
    engine: Annotated[BatchEngineKind, typer.Option("--engine", help="local, or dask (partitions on a cluster).")]
    = BatchEngineKind.local,
    scheduler: Annotated[Optional[str], typer.Option(
        "--scheduler", help="--engine dask: address of a running Dask scheduler; default a local cluster.")] = None,
    chunk_size: Annotated[int, typer.Option("--chunk-size", min=1, help="Rows per chunk (memory grows with it).")]
    = 100_000,
    crs: Annotated[Optional[str], typer.Option("--crs", help="CRS of rows with no crs column or cell (e.g. 4490, "
                                                            "gcj02); of a layer that declares none.")] = None,
    encoding: Annotated[Optional[str], typer.Option("--encoding", help="CSV encoding; default UTF-8, else GBK.")]
    = None,
    mapping: Annotated[Optional[Path], typer.Option(
        "--mapping", help="YAML/JSON file renaming your columns to the schema's ({项目编号: id, 经度: lon}).")] = None,
    layer: Annotated[Optional[str], typer.Option("--layer", help="GeoPackage layer or Excel sheet.")] = None,
    summary: Annotated[Optional[Path], typer.Option(
        "--summary", help="Write the summary as JSON to this file instead of a table on stderr.")] = None,
    nearest_park: Annotated[bool, typer.Option(
        "--nearest-park", help="Fill nearest_park/nearest_park_m for sites outside every park (slower).")] = False,
    on: OnOpt = None,
) -> None:
    """Screen every project of a file; exit 1 when any row erred (its reason is in its row)."""
    from regional_eia.batch import screen_batch
    from regional_eia.batch.render import render_batch_summary

    loaded = load_catalog(catalog)
    book = None
    if ledger is not None:
        try:
            from regional_eia.ledger import open_ledger
        except ImportError:
            raise typer.BadParameter("this build has no capacity ledger; leave --ledger out") from None
        book = open_ledger(ledger, loaded, create=False)
    options = dict(catalog=loaded, on=on.date() if on else None, book=book, mode=mode.value,
                   chunk_size=chunk_size, encoding=encoding, mapping=mapping, crs=crs, layer=layer,
                   nearest_park=nearest_park)
    try:
        if engine is BatchEngineKind.dask:
            from regional_eia.batch.dask_engine import screen_batch_dask

            run = functools.partial(screen_batch_dask, scheduler=scheduler)
        else:
            run = screen_batch
        if err.is_terminal:
            from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

            with Progress(TextColumn("screening"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                          console=err, transient=True) as bar:
                task = bar.add_task("rows", total=None)
                result = run(input, out, **options,
                             progress=lambda done, total: bar.update(task, completed=done, total=total))
        else:
            result = run(input, out, **options)
    finally:
        if book is not None:
            book.close()
    if summary is not None:
        summary.write_text(json.dumps(result.as_json(), ensure_ascii=False, indent=2), encoding="utf-8")
    else:
        render_batch_summary(result, err)
    if result.errors:
        raise typer.Exit(EXIT_FAIL_VERDICT)


def main() -> None:
    """Console-script entry point."""
    if hasattr(signal, "SIGPIPE"):  # `regional-eia ... | head`: end quietly like other Unix tools
        signal.signal(signal.SIGPIPE, signal.SIG_DFL)
    app()


if __name__ == "__main__":
    main()

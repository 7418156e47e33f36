"""Renderings of the ledger for people: caps, recordings, history, verification (onto a rich Console).

The JSON contract is the pydantic models themselves; these are the text faces the CLI (and anything
else with a console) prints. Results go to the console given; refusals and warnings to ``errors``.
"""

from __future__ import annotations

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from ..render import fmt
from .models import CapStatus, Entry, LedgerStatus, Recording, Verification

__all__ = ["render_caps", "render_recordings", "render_refusals", "render_status_notes", "render_history", "render_verification",
           "history_lines"]


def render_caps(caps: list[CapStatus], title: str, console: Console) -> None:
    """One table per park: each cap with committed, reserved, remaining and utilisation."""
    console.print(title, markup=False, highlight=False)
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
        console.print(table)


def render_recordings(recordings: list[Recording], console: Console, errors: Console) -> None:
    """What one action (a reserve, commit or release; or several projects at once) wrote, or why not.

    Refusals go to ``errors``, one line each, prefixed with the project when the action had several.
    """
    several = len(recordings) > 1
    render_refusals(recordings, errors)
    if not all(r.recorded for r in recordings):
        return
    for recording in recordings:
        for batch in dict.fromkeys(e.batch for e in recording.entries):
            lines = [e for e in recording.entries if e.batch == batch]
            amounts = ", ".join(f"{e.metric} {fmt(e.amount)} {e.unit}" for e in lines)
            what = f"{lines[0].kind} ({lines[0].pool})" if lines[0].kind == "release" else lines[0].kind
            until = f" until {lines[0].expires}" if lines[0].expires else ""
            console.print(f"{what} {lines[0].project} in {lines[0].park}{until}: {amounts} [batch {batch[:8]}]",
                          markup=False, highlight=False)
    caps, seen = [], set()
    for recording in recordings:
        for cap in recording.caps:
            if (cap.park, cap.metric, cap.basis) not in seen:
                seen.add((cap.park, cap.metric, cap.basis))
                caps.append(cap)
    render_caps(caps, "After this entry" if not several else "After these entries", console)


def render_refusals(recordings: list[Recording], errors: Console) -> None:
    """Why an action was refused, or what an override set aside: one line each."""
    several = len(recordings) > 1
    for recording in recordings:
        who = f"{recording.project}: " if several else ""
        prefix = "refused" if not recording.recorded else "overridden" if recording.overridden else None
        if prefix:
            style = "red" if prefix == "refused" else "yellow"
            for why in recording.refusals:
                errors.print(f"[{style}]{prefix}:[/{style}] {escape(who + why)}", highlight=False, soft_wrap=True)


def render_status_notes(status: LedgerStatus, errors: Console) -> None:
    """The warnings of ``ledger show`` and the reservations that expired."""
    for warning in status.warnings:
        errors.print(f"[yellow]warning:[/yellow] {escape(warning)}", highlight=False, soft_wrap=True)
    for gone in status.expired:
        amounts = ", ".join(f"{line.metric} {fmt(line.amount)} {line.unit}" for line in gone.lines)
        errors.print("[yellow]expired:[/yellow] " + escape(f"the reservation of {gone.project} in {gone.park} expired "
                     f"on {gone.expires} and no longer counts ({amounts})"), highlight=False, soft_wrap=True)


def history_lines(entries: list[Entry]) -> list[str]:
    """One line per batch: when, what, project, park, who, amounts and why."""
    lines = []
    for batch in dict.fromkeys(e.batch for e in entries):
        rows = [e for e in entries if e.batch == batch]
        first = rows[0]
        what = f"release({first.pool})" if first.kind == "release" else first.kind
        amounts = ", ".join(f"{e.metric} {fmt(e.amount)} {e.unit}" for e in rows)
        notes = (f" until {first.expires}" if first.expires else "") + (" OVERRIDE" if first.override else "")
        lines.append(f"{first.recorded_at[:19]}Z  {what:<16} {first.project}  {first.park}  by {first.recorded_by}"
                     f"{notes}: {amounts}" + (f" — {first.reason}" if first.reason else ""))
    return lines


def render_history(entries: list[Entry], console: Console) -> None:
    for line in history_lines(entries):
        console.print(line, markup=False, highlight=False, soft_wrap=True)


def render_verification(report: Verification, console: Console | None, errors: Console) -> None:
    """Warnings and problems to ``errors``; the one summary line to ``console`` (None: leave it out)."""
    for warning in report.warnings:
        errors.print(f"[yellow]warning:[/yellow] {escape(warning)}", highlight=False, soft_wrap=True)
    for problem in report.problems:
        errors.print(f"[red]problem:[/red] {escape(problem)}", highlight=False, soft_wrap=True)
    if console is None:
        return
    head = f", head {report.head}" if report.head else ""
    console.print(f"ledger {report.ledger}: {report.backend}, schema {report.schema_version}, {report.batches} "
                  f"batches, {report.entries} entries{head}; integrity {report.integrity}; "
                  f"{'OK' if report.ok else f'{len(report.problems)} problem(s)'}", markup=False, highlight=False,
                  soft_wrap=True)

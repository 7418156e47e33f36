"""The batch summary for people (stderr): counts by verdict and code, and each cap after the batch."""

from __future__ import annotations

from rich.console import Console
from rich.table import Table

from . import BatchSummary

__all__ = ["render_batch_summary", "SHOWN_CAPS"]

SHOWN_CAPS = 30  # a national batch touches thousands of caps: stderr shows the most used, --summary has all


def render_batch_summary(summary: BatchSummary, console: Console) -> None:
    from ..render import fmt

    console.print(f"{summary.rows:,} rows screened ({summary.mode}) in {summary.seconds:,.1f} s: "
                  + ", ".join(f"{k} {v:,}" for k, v in summary.by_verdict.items() if v), highlight=False)
    for note in summary.notes:
        console.print(f"read: {note}", markup=False, highlight=False)
    for warning in summary.warnings:
        console.print(f"[yellow]warning:[/yellow] {warning}", highlight=False)
    if summary.by_code:
        table = Table(title="Findings (rows with the code)")
        table.add_column("code")
        table.add_column("rows", justify="right")
        for code, count in sorted(summary.by_code.items(), key=lambda kv: -kv[1]):
            table.add_row(code, f"{count:,}")
        console.print(table)
    caps = sorted((c for c in summary.caps if c["admitted_projects"]), key=lambda c: -c["utilisation_after"])
    if caps:
        more = len(caps) - SHOWN_CAPS
        caps = caps[:SHOWN_CAPS]
        title = "Park capacity after the batch (admitted: pass or conditional)"
        if more > 0:
            title += f", the {SHOWN_CAPS} most used caps"
        table = Table(title=title)
        for col in ("park", "cap", "limit", "before", "admitted", "demand", "left", "used"):
            table.add_column(col, justify="left" if col in ("park", "cap") else "right")
        for c in caps:
            used = f"{c['utilisation_after']:.1%}" + (" OVER" if c["over"] else "")
            table.add_row(c["park"], f"{c['metric']} ({c['unit']}, {c['basis']})", fmt(c["cap"]),
                          f"{c['utilisation_before']:.1%}", f"{c['admitted_projects']:,}", fmt(c["admitted_demand"]),
                          fmt(c["remaining_after"]), used)
        console.print(table)
        if more > 0:
            console.print(f"... and {more:,} more caps with admitted projects (--summary FILE lists every cap)",
                          highlight=False)

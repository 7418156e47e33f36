"""Capacity charts: one horizontal bar per cap, committed + reserved + this project against the cap."""

from __future__ import annotations

import pandas as pd
from matplotlib.figure import Figure
from matplotlib.patches import Patch
from matplotlib.ticker import FuncFormatter

from ..result import CapacityCheck
from .text import Wording

__all__ = ["capacity_chart", "utilisation_chart", "CHART_SIZE_IN", "CHART_DPI", "CAPACITY_COLOURS"]

CHART_SIZE_IN = (8.0, 1.9)
CHART_DPI = 150
CAPACITY_COLOURS = {
    "committed": "#607d8b",
    "reserved": "#b0bec5",
    "project": "#1e88e5",
    "over": "#d32f2f",
    "remaining": "#c8e6c9",
}


def capacity_chart(check: CapacityCheck, words: Wording) -> Figure:
    """One cap as a stacked bar: committed, reserved, this project (the part beyond the cap in red), and
    what is left after it; the cap is a vertical line."""
    fig = Figure(figsize=CHART_SIZE_IN, dpi=CHART_DPI)
    ax = fig.add_axes((0.03, 0.36, 0.94, 0.34))
    cap, committed, reserved = check.cap, check.committed, check.reserved
    demand = check.demand or 0.0
    used_before = committed + reserved
    within = max(0.0, min(demand, cap - used_before))
    over = max(0.0, used_before + demand - cap)
    segments = [("committed", 0.0, committed), ("reserved", committed, reserved), ("project", used_before, within),
                ("over", used_before + within, over)]
    if check.demand is not None:
        segments.append(("remaining", used_before + demand, max(0.0, cap - used_before - demand)))
    else:
        segments.append(("remaining", used_before, max(0.0, cap - used_before)))
    right = max(cap, used_before + demand) * 1.04
    for key, left, width in segments:
        if width <= 0:
            continue
        ax.barh(0, width, left=left, height=0.6, color=CAPACITY_COLOURS[key], edgecolor="white", linewidth=0.8,
                hatch="///" if key == "over" else None)
        if width / right > 0.07:
            ax.text(left + width / 2, 0, words.num(width), ha="center", va="center", fontsize=8,
                    color="white" if key in ("committed", "project", "over") else "#263238")
    ax.axvline(cap, color="#212121", linewidth=1.4)
    ax.text(cap, 1.03, words.msg("chart.cap", cap=words.num(cap), unit=check.unit), ha="right", va="bottom",
            fontsize=8, transform=ax.get_xaxis_transform())
    ax.xaxis.set_major_formatter(FuncFormatter(lambda value, _: words.num(value)))
    ax.set_xlim(0, right)
    ax.set_ylim(-0.5, 0.5)
    ax.set_yticks([])
    ax.tick_params(axis="x", labelsize=7)
    for side in ("top", "right", "left"):
        ax.spines[side].set_visible(False)
    after = words.pct(check.utilisation_after) if check.utilisation_after is not None else "?"
    fig.text(0.03, 0.86, words.msg("chart.title", metric=words.metric(check.metric), unit=check.unit,
                                   basis=words.basis(check.basis), before=words.pct(check.utilisation_before),
                                   after=after), fontsize=9.5, weight="bold")
    keys = ["committed", "reserved", "project", "over", "remaining"] if over else \
        ["committed", "reserved", "project", "remaining"]
    handles = [Patch(facecolor=CAPACITY_COLOURS[k], hatch="///" if k == "over" else None,
                     label=words.msg(f"chart.{k}")) for k in keys]
    if check.demand is None:
        handles[2] = Patch(facecolor="none", edgecolor="none", label=words.msg("chart.demand_unknown"))
    fig.legend(handles=handles, loc="lower left", bbox_to_anchor=(0.03, 0.0), ncol=len(handles), frameon=False,
               fontsize=7.5, handlelength=1.4, columnspacing=1.2)
    return fig


def utilisation_chart(parks: pd.DataFrame, words: Wording) -> Figure:
    """Before/after utilisation of every cap of a batch (rows of :func:`batch.park_utilisation`)."""
    height = max(2.0, 0.32 * len(parks) + 1.1)
    fig = Figure(figsize=(8.0, height), dpi=CHART_DPI)
    ax = fig.add_axes((0.36, 0.9 / height, 0.6, 1 - 1.5 / height))
    labels = [f"{words.zone_name(row.park)} · {words.metric(row.metric)}" for row in parks.itertuples()]
    positions = range(len(parks))[::-1]
    before = parks["utilisation_before"].to_numpy(float)
    after = parks["utilisation_after"].to_numpy(float)
    ax.barh([p + 0.2 for p in positions], before * 100, height=0.38, color=CAPACITY_COLOURS["reserved"],
            label=words.msg("chart.before"))
    colours = [CAPACITY_COLOURS["over"] if a > 1 else CAPACITY_COLOURS["project"] for a in after]
    ax.barh([p - 0.2 for p in positions], after * 100, height=0.38, color=colours, label=words.msg("chart.after"))
    ax.axvline(100, color="#212121", linewidth=1.2)
    ax.set_yticks(list(positions))
    ax.set_yticklabels(labels, fontsize=7.5)
    ax.set_xlabel("%", fontsize=8)
    ax.tick_params(axis="x", labelsize=7)
    ax.set_xlim(0, max(105, float(max(after.max(initial=0), before.max(initial=0))) * 100 * 1.05))
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    handles = [Patch(facecolor=CAPACITY_COLOURS["reserved"], label=words.msg("chart.before")),
               Patch(facecolor=CAPACITY_COLOURS["project"], label=words.msg("chart.after")),
               Patch(facecolor=CAPACITY_COLOURS["over"], label=words.msg("chart.over"))]
    fig.legend(handles=handles, loc="upper left", bbox_to_anchor=(0.36, 1.0), ncol=3, frameon=False, fontsize=7.5)
    fig.text(0.01, 1 - 0.3 / height, words.msg("chart.batch_title"), fontsize=9.5, weight="bold", va="top")
    return fig

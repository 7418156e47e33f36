"""Rich renderings of results for people (the JSON contract is the pydantic model itself)."""

from __future__ import annotations

from rich import box
from rich.console import Console, Group
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from .result import ScreeningResult

__all__ = ["render_screening", "render_catalog_summary", "VERDICT_STYLE", "fmt"]

VERDICT_STYLE = {"pass": "bold green", "conditional": "bold yellow", "fail": "bold red", "incomplete": "bold magenta"}
_SEVERITY_STYLE = {"fail": "red", "incomplete": "magenta", "conditional": "yellow", "warning": "dark_orange", "info": "dim"}


def fmt(value: float | None, digits: int = 4) -> str:
    """A figure for a table: thousands separators, ``digits`` significant digits, '—' for None."""
    if value is None:
        return "—"
    if abs(value) >= 1000:
        return f"{value:,.0f}"
    return f"{value:.{digits}g}"


def render_screening(result: ScreeningResult, console: Console) -> None:
    """Print a screening result as a verdict panel and tables of findings, capacity, offsets, limits."""
    loc = result.location
    where = loc.park_name or "no park"
    head = Text.assemble(
        (f"{result.verdict.upper()}", VERDICT_STYLE[result.verdict]),
        f"  {result.project_id} {result.project_name}\n",
        f"site: {where}; lon/lat {loc.point_wgs84[0]:.6f}, {loc.point_wgs84[1]:.6f} (WGS84)",
        f"; input {loc.input_crs}" + (f", converted {loc.converted}" if loc.converted else ""),
        f"\ncontrol units: {', '.join(loc.control_units) or '—'}; catalogue: {result.catalog}; on {result.screened_on}",
    )
    console.print(Panel(head, title="regional-eia screening", box=box.ROUNDED))

    if result.findings:
        console.print(Text("Findings", style="bold"))
        order = list(_SEVERITY_STYLE)
        for f in sorted(result.findings, key=lambda f: order.index(f.severity)):
            line = Text.assemble(("  " + f.severity.ljust(12), _SEVERITY_STYLE[f.severity]), (f.code, "bold"),
                                 f"  {f.message}")
            console.print(line)
            if f.sources:
                console.print(Text(f"                source: {'; '.join(f.sources)}", style="dim"))
        console.print()

    if result.capacity:
        table = Table(title="Capacity", box=box.SIMPLE_HEAD, expand=True)
        for col in ("cap", "limit", "committed", "reserved", "left", "project", "left after", "used after", "fits"):
            table.add_column(col, justify="left" if col in ("cap", "fits") else "right")
        basis = {"final_discharge": "final", "sewer_intake": "intake", "emission": "emission"}
        for c in result.capacity:
            fits = {True: Text("yes", "green"), False: Text("NO", "bold red"), None: Text("?", "magenta")}[c.fits]
            table.add_row(
                f"{c.metric} {c.unit} [dim]{basis[c.basis]}[/dim]", fmt(c.cap), fmt(c.committed), fmt(c.reserved),
                fmt(c.remaining),
                fmt(c.demand), fmt(c.remaining_after),
                "—" if c.utilisation_after is None else f"{c.utilisation_after:.1%}", fits,
            )
        console.print(table)

    if result.offsets:
        table = Table(title="Offsets required (倍量削减替代)", box=box.SIMPLE_HEAD, expand=True)
        for col in ("pollutant", "increment t/a", "ratio", "offset t/a", "reason"):
            table.add_column(col)
        for o in result.offsets:
            table.add_row(o.pollutant, fmt(o.increment), f"{o.ratio:g}:1", fmt(o.required), o.reason)
        console.print(table)

    if result.standards:
        table = Table(title="Binding limits", box=box.SIMPLE_HEAD, expand=True)
        for col in ("pollutant", "point", "proposed", "limit", "unit", "complies", "source"):
            table.add_column(col)
        for s in result.standards:
            complies = {True: Text("yes", "green"), False: Text("NO", "bold red"), None: Text("?", "magenta")}[s.complies]
            table.add_row(
                f"{s.pollutant}" + (f" {s.pollutant_zh}" if s.pollutant_zh else ""), s.point,
                _value(s.proposed), _value(s.limit) if s.limit is not None else (s.limit_text or "—"),
                s.unit, complies, s.source or "—",
            )
        console.print(table)

    if result.eia_category is not None:
        cat = result.eia_category
        lines = [f"EIA category: {cat.category_zh} ({cat.category})"]
        if cat.regional_category:
            lines.append(f"with the regional simplification: {cat.regional_category_zh} ({cat.regional_category})")
        lines += [f"- {r}" for r in cat.reasons + cat.simplification_reasons]
        console.print(Panel("\n".join(lines), title="EIA category", box=box.ROUNDED))

    if result.to_change:
        console.print(Panel(Group(*[Text(f"- {c}") for c in result.to_change]), title="What would have to change",
                            box=box.ROUNDED))


def _value(v) -> str:
    if v is None:
        return "—"
    if isinstance(v, list):
        return f"{v[0]:g}-{v[1]:g}"
    if isinstance(v, dict):
        return ", ".join(f"{k} m: {x:g}" for k, x in v.items())
    return fmt(v)


def render_catalog_summary(summary: dict, console: Console) -> None:
    """Print what ``zones.summary.summarise`` returns."""
    kinds = ", ".join(f"{k}: {v}" for k, v in summary["zones_by_kind"].items())
    crs = ", ".join(f"{k}: {v}" for k, v in summary["metric_crs"].items())
    console.print(f"[bold]{summary['name']}[/bold] ({summary['source']})\n{summary['zones']} zones ({kinds})\n"
                  f"measured in {crs}", highlight=False)
    table = Table(title="Park caps", box=box.SIMPLE_HEAD, expand=True)
    for col in ("park", "metric", "basis", "cap", "committed", "reserved", "remaining", "used"):
        table.add_column(col)
    for park in summary["parks"]:
        for cap in park["caps"]:
            table.add_row(park["name"], f"{cap['metric']} ({cap['unit']})", cap["basis"], fmt(cap["value"]),
                          fmt(cap["committed"]), fmt(cap["reserved"]), fmt(cap["remaining"]),
                          f"{cap['utilisation']:.1%}")
    console.print(table)
    console.print(f"standards: {', '.join(summary['standards'])}", highlight=False)


def render_standards_list(rows: list[dict], console: Console) -> None:
    table = Table(title="Standards", box=box.SIMPLE_HEAD, expand=True)
    for col in ("id", "title", "medium", "kind", "tables (figures)", "amendments"):
        table.add_column(col)
    for row in rows:
        tables = ", ".join(f"{t} ({n})" for t, n in row["tables"].items())
        table.add_row(row["id"], f"{row['title_zh']}\n[dim]{row['title_en']}[/dim]", row["medium"], row["kind"],
                      tables, "\n".join(row["amendments"]) or "—")
    console.print(table)


def render_standard(std, limits, console: Console) -> None:
    """A standard's tables: one rich table per printed table, pollutants down, columns across."""
    console.print(f"[bold]{std.number}[/bold] {std.title_zh} / {std.title_en}\nsource: {std.source}", highlight=False)
    for spec in std.tables:
        rows = [lim for lim in limits if lim.table == spec.id]
        table = Table(title=f"{spec.id} {spec.title_zh} (applies to {spec.applies_to} from {spec.applies_from})",
                      box=box.SIMPLE_HEAD, expand=True)
        table.add_column("item")
        table.add_column("pollutant")
        table.add_column("unit")
        for column in spec.columns:
            table.add_column(column.label_zh)
        seen: dict[tuple, dict[str, str]] = {}
        for lim in rows:
            key = (lim.item, lim.pollutant, lim.pollutant_zh, lim.unit, str(lim.conditions), lim.amended_by)
            value, text = lim.json_value()
            cell = text if value is None else (_value(value) + (f" ({text})" if text else ""))
            seen.setdefault(key, {})[lim.column] = cell
        for (item, pollutant, name, unit, _, amended), cells in seen.items():
            label = f"{name} [dim]{pollutant}[/dim]" + (f" [yellow]({amended})[/yellow]" if amended else "")
            table.add_row(item, label, unit, *[cells.get(c.id, "") for c in spec.columns])
        console.print(table)
    for gap in std.gaps:
        console.print(f"[dim]gap: {gap}[/dim]", highlight=False)


def render_lookup(rows: list[dict], console: Console) -> None:
    table = Table(title="Binding limits", box=box.SIMPLE_HEAD, expand=True)
    for col in ("pollutant", "limit", "unit", "source", "why"):
        table.add_column(col)
    for row in rows:
        value = row["value_text"] if row["value"] is None else _value(row["value"])
        source = f"{row['standard']} {row['table']} {row['column']}" if row["standard"] else "—"
        table.add_row(f"{row['pollutant_zh']} [dim]{row['pollutant']}[/dim]", value or "—", row["unit"] or "",
                      source, "\n".join(row["reasons"][1:]))
    console.print(table)

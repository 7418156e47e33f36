"""Rich renderings of results for people (the JSON contract is the pydantic model itself).

Every word comes from the message catalogue (:mod:`regional_eia.report.messages`) in the result's
language (``result.lang``, or the ``lang`` asked for); figures are printed by its :func:`num`.
"""

from __future__ import annotations

from rich import box
from rich.console import Console, Group
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from .report.messages import Lang, Messages, category_name, num, pct, point, pollutant, value_text
from .result import ScreeningResult

__all__ = ["render_screening", "render_what_if", "render_catalog_summary", "VERDICT_STYLE", "fmt"]

VERDICT_STYLE = {"pass": "bold green", "conditional": "bold yellow", "fail": "bold red", "incomplete": "bold magenta"}
_SEVERITY_STYLE = {"fail": "red", "incomplete": "magenta", "conditional": "yellow", "warning": "dark_orange", "info": "dim"}

fmt = num  # a figure for a table (the catalogue's one way of printing figures)


def render_screening(result: ScreeningResult, console: Console, lang: Lang | None = None) -> None:
    """Print a screening result as a verdict panel and tables of findings, capacity, offsets, limits."""
    lang = lang or result.lang
    t = Messages(lang)
    yes_no = {True: Text(t("fits.True"), "green"), False: Text(t("fits.False"), "bold red"),
              None: Text(t("fits.None"), "magenta")}
    loc = result.location
    where = (loc.park_name_en if lang == "en" and loc.park_name_en else _pick(loc.park_name, lang)) \
        or t("label.no_park")
    converted = f"; {t('label.converted')}: {loc.converted}" if loc.converted else ""
    head = Text.assemble(
        (f"{result.verdict.upper()} {t('verdict.' + result.verdict)}" if lang == "zh" else result.verdict.upper(),
         VERDICT_STYLE[result.verdict]),
        f"  {result.project_id} {_pick(result.project_name, lang)}\n",
        f"{t('label.park')}: {where}; {t('label.coordinates')}: {loc.point_wgs84[0]:.6f}, {loc.point_wgs84[1]:.6f}",
        f"; {t('label.input_crs')}: {loc.input_crs}{converted}",
        f"\n{t('label.control_units')}: {', '.join(loc.control_units) or '—'}; {t('label.catalogue')}: "
        f"{_pick(result.catalog, lang)}; {t('label.screened_on')}: {result.screened_on}",
    )
    console.print(Panel(head, title="regional-eia", box=box.ROUNDED))

    if result.findings:
        console.print(Text(t("section.findings"), style="bold"))
        order = list(_SEVERITY_STYLE)
        for f in sorted(result.findings, key=lambda f: order.index(f.severity)):
            line = Text.assemble(("  " + t(f"severity.{f.severity}").ljust(12), _SEVERITY_STYLE[f.severity]),
                                 (f.code, "bold"), f"  {f.message}")
            console.print(line)
            if f.sources:
                console.print(Text(f"                {t('label.source')}: {'; '.join(f.sources)}", style="dim"))
        console.print()

    if result.capacity:
        table = Table(title=t("section.capacity"), box=box.SIMPLE_HEAD, expand=True)
        for col in ("metric", "cap", "committed", "reserved", "remaining", "demand", "remaining_after",
                    "utilisation_after", "fits"):
            table.add_column(t(f"col.{col}"), justify="left" if col in ("metric", "fits") else "right")
        for c in result.capacity:
            basis = t.get(f"basis.{c.basis}", c.basis)
            table.add_row(
                f"{pollutant(c.metric, lang)} {c.unit} [dim]{basis}[/dim]", num(c.cap), num(c.committed),
                num(c.reserved), num(c.remaining), num(c.demand), num(c.remaining_after),
                pct(c.utilisation_after), yes_no[c.fits],
            )
        console.print(table)

    if result.intake_loads:
        table = Table(title=t("section.intake"), box=box.SIMPLE_HEAD, expand=True)
        for col in ("pollutant", "concentration", "intake_load"):
            table.add_column(t(f"col.{col}"), justify="left" if col == "pollutant" else "right")
        for i in result.intake_loads:
            table.add_row(pollutant(i.pollutant, lang), num(i.concentration_mg_l), num(i.load_t_a))
        console.print(table)

    if result.offsets:
        table = Table(title=t("section.offsets"), box=box.SIMPLE_HEAD, expand=True)
        for col in ("pollutant", "increment", "ratio", "required", "reason"):
            table.add_column(t(f"col.{col}"))
        for o in result.offsets:
            table.add_row(pollutant(o.pollutant, lang), num(o.increment), f"{num(o.ratio)}:1", num(o.required),
                          _pick(o.reason, lang))
        console.print(table)

    if result.standards:
        complies = {True: Text(t("complies.True"), "green"), False: Text(t("complies.False"), "bold red"),
                    None: Text(t("complies.None"), "magenta")}
        table = Table(title=t("section.limits"), box=box.SIMPLE_HEAD, expand=True)
        for col in ("pollutant", "point", "proposed", "limit", "unit", "complies", "source"):
            table.add_column(t(f"col.{col}"))
        for s in result.standards:
            name = pollutant(s.pollutant, lang) if lang == "zh" else (
                f"{s.pollutant}" + (f" {s.pollutant_zh}" if s.pollutant_zh else ""))
            table.add_row(
                name, point(s.point, lang), _value(s.proposed),
                _value(s.limit) if s.limit is not None else (s.limit_text or "—"),
                s.unit, complies[s.complies], s.source or "—",
            )
        console.print(table)

    if result.eia_category is not None:
        cat = result.eia_category
        lines = [f"{t('category.label')}: {category_name(cat.category, cat.category_zh, lang)}"]
        if cat.regional_category:
            lines.append(f"{t('category.regional')}: "
                         f"{category_name(cat.regional_category, cat.regional_category_zh, lang)}")
        lines += [f"- {r}" for r in cat.reasons]
        lines += [f"- {r}" for r in cat.simplification_reasons]
        console.print(Panel("\n".join(lines), title=t("section.category"), box=box.ROUNDED))

    if result.to_change:
        console.print(Panel(Group(*[Text(f"- {c}") for c in result.to_change]), title=t("section.to_change"),
                            box=box.ROUNDED))


def _pick(text: str | None, lang: Lang) -> str:
    from .report.messages import pick_language

    return pick_language(text, lang)


def _value(v) -> str:
    if v is None:
        return "—"
    if isinstance(v, list):
        return value_text(v)
    if isinstance(v, dict):
        return ", ".join(f"{k} m: {num(x)}" for k, x in v.items())
    return num(v)


def render_what_if(report, console: Console, lang: Lang | None = None) -> None:
    """Print a :class:`~regional_eia.whatif.WhatIf`: the screening, the smallest change that fits each
    cap, and the parks that could take the project as proposed."""
    screening = report.screening
    lang = lang or screening.lang
    t = Messages(lang)
    render_screening(screening, console, lang)
    if report.changes:
        table = Table(title=t("whatif.changes"))
        for col in ("metric", "demand", "remaining", "cut", "max_flow", "reuse"):
            table.add_column(t(f"whatif.col.{col}"), justify="left" if col == "metric" else "right")
        for c in report.changes:
            table.add_row(f"{pollutant(c.metric, lang)} ({c.unit}, {t.get(f'basis.{c.basis}', c.basis)})",
                          num(c.demand), num(c.remaining), num(c.reduce_by), num(c.max_flow_m3d), pct(c.reuse_rate))
        console.print(table)
    if report.flow_to_fit_m3d is not None:
        console.print(t("whatif.flow_to_fit", flow=num(report.flow_to_fit_m3d), reuse=pct(report.reuse_rate_to_fit)),
                      highlight=False)
    table = Table(title=t("whatif.parks"))
    for col in ("rank", "park", "takes", "verdict", "tightest", "why_not"):
        table.add_column(t(f"whatif.col.{col}"))
    for rank, p in enumerate(report.parks, start=1):
        tightest = f"{p.tightest} {pct(p.utilisation_after)}" if p.tightest else "—"
        table.add_row(str(rank), p.park + (f" ({t('whatif.here')})" if p.here else ""), t("yes") if p.takes else t("no"),
                      t(f"verdict.{p.verdict}"), tightest,
                      ", ".join(dict.fromkeys(w.split(":")[0] for w in p.why_not)) or "—")
    console.print(table)


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
        for (item, pollutant_id, name, unit, _, amended), cells in seen.items():
            label = f"{name} [dim]{pollutant_id}[/dim]" + (f" [yellow]({amended})[/yellow]" if amended else "")
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

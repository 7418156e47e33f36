"""``regional-eia standards``: the discharge-standard catalogue and the limits that bind."""

from __future__ import annotations

import json
from enum import Enum
from typing import Annotated, Optional

import typer

from ._app import out, sub_app
from .options import CatalogOpt, Format, FormatOpt, IntegratedOpt, OnOpt, day, standards_policy

standards_app = sub_app("standards", "The discharge-standard catalogue and the limits that bind.")


class Route(str, Enum):
    direct = "direct"
    indirect = "indirect"


def _standards(catalog):
    """The catalogue's standards (built in plus its own), or the built-in ones without --catalog."""
    from standards import builtin_standards
    from zones import load_catalog

    return load_catalog(catalog).standards if catalog else builtin_standards()


@standards_app.command("list")
def standards_list(catalog: CatalogOpt = None, format: FormatOpt = Format.text) -> None:
    """Every standard in the catalogue (built in, plus the zone catalogue's own) with its figure count."""
    from regional_eia.render import render_standards_list
    from standards.summary import list_standards

    rows = list_standards(_standards(catalog))
    if format is Format.json:
        out.print_json(json.dumps(rows, ensure_ascii=False), highlight=False)
    else:
        render_standards_list(rows, out)


@standards_app.command("show")
def standards_show(
    standard: Annotated[str, typer.Argument(help="Standard id, e.g. GB4287-2012 (spaces and case ignored).")],
    catalog: CatalogOpt = None,
    format: FormatOpt = Format.text,
) -> None:
    """A standard's tables as transcribed, with table, column and the date each applies from."""
    from regional_eia.render import render_standard

    cat = _standards(catalog)
    std = cat.get(standard)
    limits = cat.limits_of(std.id)
    if format is Format.json:
        out.print_json(json.dumps([lim.as_json() for lim in limits], ensure_ascii=False), highlight=False)
    else:
        render_standard(std, limits, out)


@standards_app.command("lookup")
def standards_lookup(
    industry: Annotated[str, typer.Option("--industry", "-i", help="GB/T 4754-2017 code, e.g. C1713.")],
    route: Annotated[Route, typer.Option("--route", "-r", help="direct or indirect discharge.")],
    zone: Annotated[Optional[str], typer.Option("--zone", "-z", help="Park id in the catalogue.")] = None,
    receiving_class: Annotated[Optional[str], typer.Option(
        help="GB 3838 class of the receiving water (GB 3097 class with --receiving-kind sea).")] = None,
    receiving_kind: Annotated[Optional[str], typer.Option(help="river, lake, reservoir or sea.")] = None,
    process: Annotated[Optional[list[str]], typer.Option(
        "--process", "-p", help="Process flag (repeat): an industry standard also applies by activity.")] = None,
    catalog: CatalogOpt = None,
    format: FormatOpt = Format.text,
    on: OnOpt = None,
    integrated_for_unlisted: IntegratedOpt = None,
) -> None:
    """The binding water limits for an industry and route, with their sources and the reasons."""
    from regional_eia.lookup import lookup_limits
    from regional_eia.render import render_lookup
    from zones import load_catalog

    loaded = load_catalog(catalog)
    rows = lookup_limits(industry, route.value, loaded, zone, day(on), receiving_class, processes=process or (),
                         receiving_kind=receiving_kind, policy=standards_policy(integrated_for_unlisted, loaded))
    if format is Format.json:
        out.print_json(json.dumps(rows, ensure_ascii=False), highlight=False)
    else:
        render_lookup(rows, out)

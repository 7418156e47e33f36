"""``standards lookup``: the binding limits for an industry and route, optionally in a catalogue zone."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any, Literal

from standards.industry import normalise_industry
from standards.reasons import reason_json
from standards.select import StandardsPolicy, select_water
from zones.catalog import Catalog

from .errors import ProjectError
from .standards_check import discharge_context

__all__ = ["lookup_limits"]


def lookup_limits(
    industry: str,
    route: Literal["direct", "indirect"],
    catalog: Catalog,
    zone_id: str | None = None,
    on: dt.date | None = None,
    receiving_class: str | None = None,
    *,
    processes: Iterable[str] = (),
    eia_approved: dt.date | None = None,
    receiving_kind: str | None = None,
    policy: StandardsPolicy | None = None,
) -> list[dict[str, Any]]:
    """Binding water limits, with sources and reasons, for every pollutant the applicable standards list.

    Parameters
    ----------
    industry
        GB/T 4754-2017 code (``C1713``; ``1713`` is read as manufacturing's ``C1713``).
    route
        ``direct`` or ``indirect``.
    catalog
        The zone catalogue (its standards include local and intake standards).
    zone_id
        A park whose flags apply (receiving water, special limits, local and intake standards).
    on
        Date of the limits in force; default today.
    receiving_class
        GB 3838 class of the receiving water for a direct discharger outside a park (GB 3097 class for a sea).
    processes
        Process flags (EIA-list flags): an industry standard applies by activity too (GB 4287 3.1).
    eia_approved
        The EIA approval date of an existing enterprise (None: a proposed project, new limits).
    receiving_kind
        ``river``, ``lake``, ``reservoir`` or ``sea`` for ``receiving_class``.
    policy
        The standards policy (default: the catalogue's ``standards_policy``).

    Examples
    --------
    >>> from zones import load_catalog
    >>> rows = lookup_limits("C1713", "indirect", load_catalog(), "xuancheng-hitech")
    >>> next(r for r in rows if r["pollutant"] == "COD")["value"]
    200.0
    """
    industry = normalise_industry(industry)
    on = on or dt.date.today()
    park = None
    if zone_id is not None:
        if zone_id not in catalog.parks:
            raise ProjectError("--zone", zone_id, f"no park with this id; parks: {', '.join(sorted(catalog.parks))}")
        park = catalog.park(zone_id)
    ctx = discharge_context(industry, route, park, on, processes=tuple(processes), eia_approved=eia_approved,
                            receiving_class=receiving_class, receiving_kind=receiving_kind,
                            park_name=catalog.names.get(zone_id) if zone_id else None,
                            policy=policy or catalog.spec.standards_policy)
    rows = []
    for pollutant, sel in select_water(catalog.standards, ctx, None).items():
        limit = sel.limit
        value: Any = list(sel.figure) if isinstance(sel.figure, tuple) else sel.figure
        rows.append({
            "pollutant": pollutant,
            "pollutant_zh": limit.pollutant_zh if limit else catalog.standards.pollutants[pollutant].zh,
            "value": value,
            "value_text": sel.figure_text or (limit.json_value()[1] if limit and value is None else None),
            "unit": limit.unit if limit else None,
            "standard": (limit.standard_number + (" [SUPPLEMENTARY]" if sel.supplementary else "")) if limit else None,
            "table": limit.table if limit else None,
            "column": limit.column if limit else None,
            "monitoring_point": limit.monitoring_point if limit else None,
            "reasons": list(sel.reasons),
            "reason_codes": reason_json(sel.reasons),
            "supplementary": sel.supplementary,
            "not_covered_by": list(sel.not_covered_by),
        })
    return rows

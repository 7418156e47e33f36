"""Capacity accounting: what a project demands of each park cap, and what is left.

load [t/a] = concentration [mg/L] x flow [m3/d] x operating days [d/a] x 1e-6. A cap states its
basis; an indirect discharger's load counts at its own concentration against a ``sewer_intake`` cap
and at the WWTP's effluent concentration against a ``final_discharge`` cap. The two are never mixed.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol

from standards import StandardsCatalog
from standards.select import wwtp_effluent_limit
from standards.units import convert, parse_quantity
from zones.model import Cap, ParkSpec

from .project import Project
from .result import CapacityCheck

__all__ = ["Demand", "Position", "CapacityBook", "CatalogueBook", "demand_for", "check_cap", "load_t_per_year",
           "final_discharge_concentration"]


def load_t_per_year(concentration_mg_l: float, flow_m3_d: float, days: float) -> float:
    """Annual load from a concentration and a flow.

    Examples
    --------
    >>> load_t_per_year(50, 1000, 300)
    15.0
    """
    return concentration_mg_l * flow_m3_d * days * 1e-6


@dataclass(frozen=True)
class Demand:
    """What a project asks of one cap, in the cap's unit; ``value`` None when it cannot be computed."""

    value: float | None
    how: str
    missing: tuple[str, ...] = ()
    sources: tuple[str, ...] = ()
    per_m3d: float | None = None  # demand per m3/d of flow, when demand is proportional to flow


@dataclass(frozen=True)
class Position:
    committed: float
    reserved: float
    source: str = "catalogue"
    notes: tuple[str, ...] = field(default_factory=tuple)


class CapacityBook(Protocol):
    """Where committed and reserved amounts come from: the catalogue's baseline, or a ledger."""

    def position(self, park_id: str, cap: Cap) -> Position: ...


class CatalogueBook:
    """The catalogue's own committed/reserved figures (no ledger)."""

    def position(self, park_id: str, cap: Cap) -> Position:
        return Position(cap.committed, cap.reserved, "catalogue")


def final_discharge_concentration(project: Project, park: ParkSpec, pollutant: str, standards: StandardsCatalog,
                                  on) -> tuple[float | None, str, tuple[str, ...], tuple[str, ...]]:
    """The concentration at which the project's water load counts for a final-discharge cap.

    Returns ``(mg/L or None, how, missing fields, sources)``: a direct discharger's own effluent; for an
    indirect one the WWTP's permit figure from the catalogue, else its effluent standard's class figure.
    """
    ww = project.wastewater
    if ww.route == "direct":
        q = ww.effluent.get(pollutant)
        if q is None:
            return None, "", (f"wastewater.effluent.{pollutant}",), ()
        return q.to("mg/L"), f"own effluent {q}", (), ()
    wwtp = park.wwtp
    if wwtp is None:
        return None, "", ("park.wwtp (catalogue)",), ()
    if pollutant in wwtp.effluent_concentrations:
        value, unit = parse_quantity(wwtp.effluent_concentrations[pollutant])
        mg_l = convert(value, unit, "mg/L")
        return mg_l, f"WWTP permit {value:g} {unit}", (), (f"catalogue park.wwtp.effluent_concentrations.{pollutant}",)
    limit = wwtp_effluent_limit(standards, wwtp.effluent_standard, wwtp.effluent_class, pollutant, on, wwtp.built)
    if limit is None:
        return None, "", (f"park.wwtp.effluent_concentrations.{pollutant} (catalogue; "
                          f"{wwtp.effluent_standard} class {wwtp.effluent_class} gives no figure)",), ()
    return limit.number, f"WWTP effluent {limit.number:g} mg/L", (), (limit.source,)


def demand_for(project: Project, park: ParkSpec, cap: Cap, standards: StandardsCatalog, on) -> Demand:
    """The project's demand on ``cap``, in the cap's unit, with how it was computed."""
    ww = project.wastewater
    if cap.metric == "wastewater":
        if ww is None:
            return Demand(0.0, "no wastewater declared", per_m3d=1.0)
        if cap.basis == "sewer_intake" and ww.route == "direct":
            return Demand(0.0, "direct discharger: does not use the park sewer")
        flow = ww.flow.to("m3/d")
        return Demand(convert(flow, "m3/d", cap.unit), f"flow {flow:g} m3/d ({ww.route})", per_m3d=1.0)

    pollutant = cap.metric
    if cap.basis == "emission":
        air = project.air
        if air is None:
            return Demand(0.0, "no air emissions declared")
        q = air.emissions.get(pollutant)
        if q is None:
            if any(pollutant in s.rates or pollutant in s.concentrations for s in air.stacks):
                return Demand(None, "", (f"air.emissions.{pollutant} (t/a)",))
            return Demand(0.0, f"{pollutant} not among the declared air emissions: taken as 0")
        return Demand(convert(q.value, q.unit, cap.unit), f"declared emission {q}")

    if ww is None:
        return Demand(0.0, "no wastewater declared", per_m3d=0.0)
    if cap.basis == "sewer_intake" and ww.route == "direct":
        return Demand(0.0, "direct discharger: nothing enters the park sewer")
    missing: list[str] = []
    if ww.operating_days is None:
        missing.append("wastewater.operating_days")
    if cap.basis == "sewer_intake":
        q = ww.effluent.get(pollutant)
        conc, conc_how, conc_sources = (q.to("mg/L"), f"own effluent {q}", ()) if q else (None, "", ())
        if q is None:
            missing.append(f"wastewater.effluent.{pollutant}")
    else:
        conc, conc_how, more_missing, conc_sources = final_discharge_concentration(project, park, pollutant, standards, on)
        missing.extend(more_missing)
    if missing:
        return Demand(None, "", tuple(missing))
    flow = ww.flow.to("m3/d")
    load = load_t_per_year(conc, flow, ww.operating_days)
    how = f"{conc_how} x {flow:g} m3/d x {ww.operating_days:g} d/a x 1e-6 = {load:.4g} t/a"
    per_m3d = convert(load / flow, "t/a", cap.unit) if flow else None
    return Demand(convert(load, "t/a", cap.unit), how, (), tuple(conc_sources), per_m3d)


def check_cap(park_id: str, cap: Cap, demand: Demand, position: Position, project: Project) -> CapacityCheck:
    """Compare a demand with what is left of a cap; say how much it must shrink to fit."""
    used = position.committed + position.reserved
    remaining = cap.value - used
    fits = None if demand.value is None else demand.value <= remaining + 1e-9
    after = None if demand.value is None else remaining - demand.value
    reduce_by = max_flow = reuse = None
    if fits is False:
        reduce_by = demand.value - max(remaining, 0.0)
        if demand.per_m3d and project.wastewater is not None:
            flow = project.wastewater.flow.to("m3/d")
            max_flow = max(remaining, 0.0) / demand.per_m3d
            reuse = min(1.0, max(0.0, 1 - max_flow / flow)) if flow else None
    return CapacityCheck(
        park=park_id,
        metric=cap.metric,
        unit=cap.unit,
        basis=cap.basis,
        cap=cap.value,
        committed=position.committed,
        reserved=position.reserved,
        remaining=remaining,
        demand=demand.value,
        remaining_after=after,
        fits=fits,
        utilisation_before=used / cap.value,
        utilisation_after=None if demand.value is None else (used + demand.value) / cap.value,
        demand_how=demand.how + (f" [{'; '.join(demand.sources)}]" if demand.sources else ""),
        reduce_by=reduce_by,
        max_flow_m3d=max_flow,
        reuse_rate_to_fit=reuse,
        position_source=position.source,
    )

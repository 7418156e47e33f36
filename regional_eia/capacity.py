"""Capacity accounting: what a project demands of each park cap, and what is left, over arrays.

load [t/a] = concentration [mg/L] x flow [m3/d] x operating days [d/a] x 1e-6. A cap states its
basis; an indirect discharger's load counts at its own concentration against a ``sewer_intake`` cap
and at the WWTP's effluent concentration against a ``final_discharge`` cap. The two are never mixed.

Each rule is written once and serves one project and a million: :func:`capacity_demands` (the demand
of every row on every cap of its park), :func:`check_caps` (remaining, fits, how much to cut, the flow
and water-reuse rate that would fit), :func:`capacity_findings`, and :func:`intake_loads` (an indirect
discharger's load at the sewer intake, reported whether or not the park caps it). ``whatif`` and the
ledger read the same figures.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Protocol

import numpy as np

from standards import StandardsCatalog
from standards.select import wwtp_effluent_limit
from standards.units import UNITS, convert, parse_quantity
from zones.model import Cap, ParkSpec

from .arrays import CatalogueArrays
from .columns import ProjectColumns
from .findings import FITS_TOLERANCE
from .found import Found

__all__ = ["Position", "CapacityBook", "CatalogueBook", "Demands", "Checks", "capacity_demands", "positions",
           "check_caps", "capacity_findings", "fits", "load_t_per_year", "wwtp_concentration", "IntakeLoads",
           "intake_loads", "flow_to_fit"]


def load_t_per_year(concentration_mg_l, flow_m3_d, days):
    """Annual load from a concentration and a flow (scalars or arrays).

    Examples
    --------
    >>> load_t_per_year(50, 1000, 300)
    15.0
    """
    return concentration_mg_l * flow_m3_d * days * 1e-6


def fits(demand, remaining):
    """Whether a demand fits what is left (within :data:`~regional_eia.findings.FITS_TOLERANCE`)."""
    return demand <= remaining + FITS_TOLERANCE


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


def positions(book: CapacityBook, arrays: CatalogueArrays, caps: Sequence[int]) -> dict[int, Position]:
    """The book's position of each of ``caps`` (indices into ``arrays.caps``), asked once each."""
    return {int(c): book.position(arrays.parks[arrays.cap_park[c]], arrays.caps[c]) for c in caps}


# --- the WWTP's effluent figure -------------------------------------------------------------------------


def wwtp_concentration(park: ParkSpec, pollutant: str, standards: StandardsCatalog, on
                       ) -> tuple[float | None, str, tuple[str, ...], tuple[str, ...]]:
    """The concentration at which an indirect discharger's load leaves the park's WWTP.

    Returns ``(mg/L or None, how, missing fields, sources)``: the WWTP's permit figure from the
    catalogue, else its effluent standard's figure for its class.
    """
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


def _wwtp(arrays: CatalogueArrays, park: int, pollutant: str, on):
    return arrays.memo("wwtp", (park, pollutant, on), lambda: wwtp_concentration(
        arrays.catalog.park(arrays.parks[park]), pollutant, arrays.catalog.standards, on))


def _park_wwtp(arrays: CatalogueArrays, pollutant: str, on) -> np.ndarray:
    """Per park, its WWTP's effluent mg/L of ``pollutant`` (NaN where it gives none)."""
    def build():
        return np.array([np.nan if (c := _wwtp(arrays, p, pollutant, on)[0]) is None else c
                         for p in range(len(arrays.parks))], dtype=float)

    return arrays.memo("park_wwtp", (pollutant, on), build)


def _cap_wwtp(arrays: CatalogueArrays, on) -> np.ndarray:
    """Per cap of a water pollutant, the WWTP's effluent mg/L of its park (NaN where it has none)."""
    def build():
        return np.array([np.nan if c.metric == "wastewater" or c.basis == "emission" else
                         (lambda v: np.nan if v is None else v)(_wwtp(arrays, int(p), c.metric, on)[0])
                         for c, p in zip(arrays.caps, arrays.cap_park)], dtype=float)

    return arrays.memo("cap_wwtp", on, build)


# --- demands --------------------------------------------------------------------------------------------

# how each demand was computed, as a code (the figures come from the arrays)
_ZERO_NO_WW, _ZERO_DIRECT_SEWER, _FLOW, _ZERO_NO_AIR, _EMISSION, _ZERO_NOT_EMITTED, _MISSING, _LOAD = range(8)


@dataclass(frozen=True)
class Demands:
    """The demand of each row on each cap of its park: one entry per (row, cap)."""

    row: np.ndarray
    cap: np.ndarray
    value: np.ndarray  # in the cap's unit; NaN when it cannot be computed
    per_m3d: np.ndarray  # demand per m3/d of flow where it scales with the flow, else NaN
    how: np.ndarray  # one of the _codes above
    conc: np.ndarray  # the mg/L a load was counted at
    own: np.ndarray  # the load is at the project's own concentration (else the WWTP's)
    missing: np.ndarray  # object: tuple of fields, for unknown demands

    def __len__(self) -> int:
        return len(self.row)


def capacity_demands(cols: ProjectColumns, park: np.ndarray, arrays: CatalogueArrays, on) -> Demands:
    """The demand of every row in a park (``park`` >= 0) on every cap of its park."""
    row, cap = arrays.entries(park, arrays.cap_start, arrays.cap_count)
    n = row.size
    value, per, conc = np.full(n, np.nan), np.full(n, np.nan), np.full(n, np.nan)
    how = np.full(n, _MISSING, dtype=np.int8)
    own = np.zeros(n, dtype=bool)
    missing = np.full(n, None, dtype=object)
    flow, has_ww, days = cols.flow[row], cols.has_ww[row], cols.days[row]
    direct = cols.route[row] == "direct"
    kind = arrays.cap_kind[cap]
    for k, (metric, basis, unit) in enumerate(arrays.cap_kinds):
        sel = np.flatnonzero(kind == k)
        if sel.size == 0:
            continue
        r, hw, dr, fl, dy = row[sel], has_ww[sel], direct[sel], flow[sel], days[sel]
        dst = UNITS[unit].factor
        sewer = basis == "sewer_intake"
        if metric == "wastewater":
            skip = hw & sewer & dr
            value[sel] = np.where(hw, np.where(skip, 0.0, fl * UNITS["m3/d"].factor / dst), 0.0)
            per[sel] = np.where(skip, np.nan, 1.0)
            how[sel] = np.where(~hw, _ZERO_NO_WW, np.where(skip, _ZERO_DIRECT_SEWER, _FLOW))
            continue
        if basis == "emission":
            has_air = cols.has_air[r]
            measure = cols.emissions.get(metric)
            declared, converts = measure.take(r).to(unit) if measure is not None else (np.full(sel.size, np.nan),
                                                                                        np.zeros(sel.size, bool))
            given = ~np.isnan(declared)
            in_stacks = np.isin(r, cols.stacks.row[cols.stacks.pollutant == metric]) if len(cols.stacks) else \
                np.zeros(sel.size, dtype=bool)
            value[sel] = np.where(~has_air, 0.0, np.where(given, declared, np.where(in_stacks, np.nan, 0.0)))
            how[sel] = np.where(~has_air, _ZERO_NO_AIR, np.where(given, _EMISSION,
                                                                np.where(in_stacks, _MISSING, _ZERO_NOT_EMITTED)))
            unknown = has_air & ~given & in_stacks
            for j in sel[unknown]:
                missing[j] = (f"air.emissions.{metric} (t/a)",)
            continue
        # a water pollutant: a load in t/a at the project's own or the WWTP's concentration
        own_conc = _own_mg_l(cols, metric, r)
        if sewer:
            use_own = np.ones(sel.size, dtype=bool)
            c = own_conc
        else:
            use_own = dr
            wwtp = _cap_wwtp(arrays, on)[cap[sel]]
            c = np.where(dr, own_conc, wwtp)
        load = c * fl * dy * 1e-6
        with np.errstate(divide="ignore", invalid="ignore"):
            p = np.where(fl != 0, (load / fl) * 1.0 / dst, np.nan)
        zero = ~hw | (sewer & dr)
        value[sel] = np.where(zero, 0.0, load * 1.0 / dst)
        per[sel] = np.where(~hw, 0.0, np.where(sewer & dr, np.nan, p))
        how[sel] = np.where(~hw, _ZERO_NO_WW, np.where(sewer & dr, _ZERO_DIRECT_SEWER, _LOAD))
        conc[sel], own[sel] = c, use_own
        lacking = ~zero & (np.isnan(c) | np.isnan(dy))
        value[sel[lacking]] = np.nan
        per[sel[lacking]] = np.nan
        how[sel[lacking]] = _MISSING
        for j in np.flatnonzero(lacking):
            fields = [] if not np.isnan(dy[j]) else ["wastewater.operating_days"]
            if np.isnan(c[j]):
                if use_own[j]:
                    fields.append(f"wastewater.effluent.{metric}")
                else:
                    fields.extend(_wwtp(arrays, int(arrays.cap_park[cap[sel[j]]]), metric, on)[2])
            missing[sel[j]] = tuple(fields)
    return Demands(row, cap, value, per, how, conc, own, missing)


def _own_mg_l(cols: ProjectColumns, pollutant: str, rows: np.ndarray) -> np.ndarray:
    measure = cols.effluent.get(pollutant)
    if measure is None:
        return np.full(rows.size, np.nan)
    values, _ = measure.take(rows).to("mg/L")
    return values


def demand_how(d: Demands, k: int, cols: ProjectColumns, arrays: CatalogueArrays, on) -> str:
    """How demand ``k`` was computed, with its figures and sources, in words (the JSON contract's ``how``)."""
    cap = arrays.caps[d.cap[k]]
    r = d.row[k]
    how = d.how[k]
    if how == _ZERO_NO_WW:
        return "no wastewater declared"
    if how == _ZERO_DIRECT_SEWER:
        return ("direct discharger: does not use the park sewer" if cap.metric == "wastewater"
                else "direct discharger: nothing enters the park sewer")
    if how == _FLOW:
        return f"flow {cols.flow[r]:g} m3/d ({cols.route[r]})"
    if how == _ZERO_NO_AIR:
        return "no air emissions declared"
    if how == _EMISSION:
        return f"declared emission {cols.emissions[cap.metric].text(r)}"
    if how == _ZERO_NOT_EMITTED:
        return f"{cap.metric} not among the declared air emissions: taken as 0"
    if how == _MISSING:
        return ""
    if d.own[k]:
        conc_how, sources = f"own effluent {cols.effluent[cap.metric].text(r)}", ()
    else:
        _, conc_how, _, sources = _wwtp(arrays, int(arrays.cap_park[d.cap[k]]), cap.metric, on)
    load = load_t_per_year(d.conc[k], cols.flow[r], cols.days[r])
    text = f"{conc_how} x {cols.flow[r]:g} m3/d x {cols.days[r]:g} d/a x 1e-6 = {load:.4g} t/a"
    return text + (f" [{'; '.join(sources)}]" if sources else "")


def demand_sources(d: Demands, k: int, arrays: CatalogueArrays, on) -> tuple[str, ...]:
    cap = arrays.caps[d.cap[k]]
    if d.how[k] == _LOAD and not d.own[k]:
        return _wwtp(arrays, int(arrays.cap_park[d.cap[k]]), cap.metric, on)[3]
    return ()


# --- what is left, and whether it fits ------------------------------------------------------------------


@dataclass(frozen=True)
class Checks:
    """Each demand against what is left of its cap (entries as :class:`Demands`)."""

    committed: np.ndarray
    reserved: np.ndarray
    remaining: np.ndarray
    known: np.ndarray
    fits: np.ndarray
    remaining_after: np.ndarray
    utilisation_before: np.ndarray
    utilisation_after: np.ndarray
    reduce_by: np.ndarray
    max_flow: np.ndarray
    reuse: np.ndarray


def check_caps(d: Demands, committed: np.ndarray, reserved: np.ndarray, flow: np.ndarray, has_ww: np.ndarray,
               arrays: CatalogueArrays) -> Checks:
    """Compare each demand with what is left; say how much it must shrink to fit and, where the demand
    scales with the flow, the largest flow that fits and the water-reuse rate that gets there
    (``flow``, ``has_ww``: per entry)."""
    value = arrays.cap_value[d.cap]
    used = committed + reserved
    remaining = value - used
    demand = d.value
    known = ~np.isnan(demand)
    with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
        ok = known & fits(demand, remaining)
        misfit = known & ~ok
        after = remaining - demand
        after = np.where(ok & (np.abs(after) <= FITS_TOLERANCE), 0.0, after)  # never "-8.9e-16 left"
        reduce_by = np.where(misfit, demand - np.maximum(remaining, 0.0), np.nan)
        can_flow = misfit & has_ww & ~np.isnan(d.per_m3d) & (d.per_m3d != 0)
        max_flow = np.where(can_flow, np.maximum(remaining, 0.0) / d.per_m3d, np.nan)
        reuse = np.where(can_flow & (flow != 0), np.minimum(1.0, np.maximum(0.0, 1 - max_flow / flow)), np.nan)
        before = used / value
        util_after = (used + demand) / value
    return Checks(committed, reserved, remaining, known, ok, after, before, util_after, reduce_by, max_flow, reuse)


def flow_to_fit(max_flows: Sequence[float | None], flow: float | None) -> tuple[float | None, float | None]:
    """The flow that fits every cap that does not fit now (each ``max_flow``), when all are flow-driven,
    and the reuse rate that gets there."""
    if not max_flows or flow is None or any(m is None for m in max_flows):
        return None, None
    fitting = min(max_flows)
    return fitting, (min(1.0, max(0.0, 1 - fitting / flow)) if flow else None)


def capacity_findings(d: Demands, c: Checks, position_source: np.ndarray, position_notes: np.ndarray,
                      arrays: CatalogueArrays, cols: ProjectColumns, on) -> list[Found]:
    """DATA_MISSING for a demand that cannot be computed, CAPACITY_EXCEEDED for one that does not fit,
    CAPACITY_HIGH_UTILISATION for one that fits but leaves the cap past the park's warning threshold."""
    if len(d) == 0:
        return []
    threshold = arrays.cap_threshold[d.cap]
    high = c.fits & (c.utilisation_after > threshold)
    misfit = c.known & ~c.fits
    blocks = []
    for code, keep in (("DATA_MISSING", ~c.known), ("CAPACITY_EXCEEDED", misfit), ("CAPACITY_HIGH_UTILISATION", high)):
        sel = np.flatnonzero(keep)
        if sel.size == 0:
            continue
        cap = d.cap[sel]
        p = arrays.cap_park[cap]
        park_ids = np.array(arrays.parks, dtype=object)[p]
        common = {"park": park_ids, "park_name": arrays.park_name[p], "park_name_en": arrays.park_name_en[p],
                  "metric": arrays.cap_metric[cap], "unit": arrays.cap_unit[cap], "basis": arrays.cap_basis[cap]}
        figures = {"cap": arrays.cap_value[cap], "committed": c.committed[sel], "reserved": c.reserved[sel],
                   "remaining": c.remaining[sel], "demand": d.value[sel]}
        if code == "DATA_MISSING":
            values = {"about": "capacity", "missing": d.missing[sel], **common}
        elif code == "CAPACITY_EXCEEDED":
            values = {**common, **figures, "reduce_by": c.reduce_by[sel], "max_flow_m3d": c.max_flow[sel],
                      "reuse_rate_to_fit": c.reuse[sel]}
        else:
            values = {**common, **figures, "utilisation_after": c.utilisation_after[sel], "threshold": threshold[sel]}

        def lazy(entries, a, sel=sel):
            return {"how": [demand_how(d, sel[k], a.cols, a.arrays, a.on) for k in entries]}

        def sources(k, a, sel=sel):
            entry = int(sel[k])
            return _sources(d, entry, position_source[entry], position_notes[entry], a.arrays, a.on)

        blocks.append(Found(code, d.row[sel], values, zone=park_ids, sources=sources,
                            lazy=lazy if code == "CAPACITY_EXCEEDED" else None))
    return blocks


def _sources(d: Demands, k: int, position_source, notes, arrays: CatalogueArrays, on) -> tuple[str, ...]:
    cap = arrays.caps[d.cap[k]]
    park_id = arrays.parks[arrays.cap_park[d.cap[k]]]
    return (f"catalogue {park_id}.caps.{cap.metric}" + (f" ({cap.source})" if cap.source else ""),
            f"committed/reserved: {position_source}", *notes, *demand_sources(d, k, arrays, on))


# --- the intake-basis load, always -----------------------------------------------------------------------


@dataclass(frozen=True)
class IntakeLoads:
    """An indirect discharger's load at the sewer intake, per declared effluent pollutant: one entry per
    (row, pollutant); ``load`` NaN when the operating days are not given."""

    row: np.ndarray
    pollutant: np.ndarray
    conc: np.ndarray
    load: np.ndarray


def intake_loads(cols: ProjectColumns) -> IntakeLoads:
    """flow x own concentration x days for every indirect discharger and declared pollutant whose
    concentration is a mass concentration, whether or not the park caps it on the intake basis."""
    indirect = cols.has_ww & (cols.route == "indirect")
    rows, pollutants, concs = [], [], []
    for pollutant, measure in sorted(cols.effluent.items()):
        values, converts = measure.to("mg/L")
        take = np.flatnonzero(indirect & converts & ~np.isnan(values))
        rows.append(take)
        pollutants.append(np.full(take.size, pollutant, dtype=object))
        concs.append(values[take])
    if not rows:
        empty = np.array([], dtype=np.int64)
        return IntakeLoads(empty, np.array([], dtype=object), np.array([]), np.array([]))
    row, pollutant, conc = np.concatenate(rows), np.concatenate(pollutants), np.concatenate(concs)
    order = np.lexsort((pollutant.astype(str), row))
    row, pollutant, conc = row[order], pollutant[order], conc[order]
    return IntakeLoads(row, pollutant, conc, load_t_per_year(conc, cols.flow[row], cols.days[row]))

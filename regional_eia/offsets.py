"""Offsets (倍量削减替代): where the receiving water or the air basin has not attained its target, a
project's increment of a pollutant must be cut elsewhere at the park's ratio (commonly 2:1).

The increment is the declared annual air emission (t/a) for an air pollutant the project emits, else
the water load at the concentration that leaves the park: a direct discharger's own, an indirect
one's at the WWTP's effluent figure (:func:`regional_eia.capacity.wwtp_concentration`).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .arrays import CatalogueArrays
from .capacity import _own_mg_l, _park_wwtp, _wwtp, load_t_per_year
from .columns import ProjectColumns
from .found import Found

__all__ = ["Offsets", "offsets_required"]


@dataclass(frozen=True)
class Offsets:
    """One entry per (row, offset of its park) with an increment to offset."""

    row: np.ndarray
    offset: np.ndarray  # index into arrays.offsets
    increment: np.ndarray  # t/a
    required: np.ndarray  # t/a
    from_air: np.ndarray  # the increment is a declared air emission (else a water load)

    def __len__(self) -> int:
        return len(self.row)

    def how(self, k: int, cols: ProjectColumns, arrays: CatalogueArrays, on) -> str:
        """How increment ``k`` was computed, in words."""
        r, o = int(self.row[k]), int(self.offset[k])
        pollutant = arrays.offsets[o].pollutant
        if self.from_air[k]:
            return f"declared air emission {cols.emissions[pollutant].text(r)}"
        if cols.route[r] == "direct":
            conc_how = f"own effluent {cols.effluent[pollutant].text(r)}"
        else:
            conc_how = _wwtp(arrays, int(arrays.offset_park[o]), pollutant, on)[1]
        return f"{conc_how} x {cols.flow[r]:g} m3/d x {cols.days[r]:g} d/a x 1e-6"

    def how_values(self, entries: np.ndarray, a) -> dict[str, list]:
        return {"how": [self.how(int(k), a.cols, a.arrays, a.on) for k in entries]}


def offsets_required(cols: ProjectColumns, park: np.ndarray, arrays: CatalogueArrays, on
                     ) -> tuple[Offsets, list[Found]]:
    """The offsets each row in a park owes, with OFFSET_REQUIRED and DATA_MISSING findings."""
    row, offset = arrays.entries(park, arrays.offset_start, arrays.offset_count)
    n = row.size
    increment = np.full(n, np.nan)
    from_air = np.zeros(n, dtype=bool)
    missing = np.full(n, None, dtype=object)
    pollutant_of = np.array([o.pollutant for o in arrays.offsets] + [None], dtype=object)[offset] if n else \
        np.array([], dtype=object)
    pollutants = arrays.catalog.standards.pollutants
    for pollutant in sorted(set(pollutant_of)):
        sel = np.flatnonzero(pollutant_of == pollutant)
        r = row[sel]
        media = pollutants[pollutant].media
        decided = np.zeros(sel.size, dtype=bool)
        measure = cols.emissions.get(pollutant)
        if "air" in media and measure is not None:
            values, _ = measure.take(r).to("t/a")
            air = cols.has_air[r] & ~np.isnan(values)
            increment[sel[air]] = values[air]
            from_air[sel[air]] = True
            decided |= air
        if "water" in media:
            water = ~decided & cols.has_ww[r]
            direct = cols.route[r] == "direct"
            own = _own_mg_l(cols, pollutant, r)
            parks = arrays.offset_park[offset[sel]]
            wwtp = _park_wwtp(arrays, pollutant, on)[parks]
            conc = np.where(direct, own, wwtp)
            days, flow = cols.days[r], cols.flow[r]
            lacking = water & (np.isnan(conc) | np.isnan(days))
            for j in np.flatnonzero(lacking):
                fields = []
                if np.isnan(conc[j]):
                    fields += [f"wastewater.effluent.{pollutant}"] if direct[j] else \
                        list(_wwtp(arrays, int(parks[j]), pollutant, on)[2])
                if np.isnan(days[j]):
                    fields.append("wastewater.operating_days")
                missing[sel[j]] = tuple(fields)
            ok = water & ~lacking
            increment[sel[ok]] = load_t_per_year(conc[ok], flow[ok], days[ok])
    ratio = np.array([o.ratio for o in arrays.offsets] + [np.nan])[offset] if n else np.array([])
    owed = ~np.isnan(increment) & (increment != 0)
    keep = np.flatnonzero(owed)

    result = Offsets(row[keep], offset[keep], increment[keep], increment[keep] * ratio[keep], from_air[keep])
    blocks = []
    lacking = np.flatnonzero(np.not_equal(missing, None))
    if lacking.size:
        blocks.append(Found("DATA_MISSING", row[lacking], {"about": "offset", "pollutant": pollutant_of[lacking],
                                                           "missing": missing[lacking]},
                            zone=np.array(arrays.parks, dtype=object)[arrays.offset_park[offset[lacking]]]))
    if keep.size:
        parks = np.array(arrays.parks, dtype=object)[arrays.offset_park[offset[keep]]]
        sources = np.empty(keep.size, dtype=object)
        sources[:] = [(f"catalogue {p}.offsets.{pol}",) for p, pol in zip(parks, pollutant_of[keep])]
        blocks.append(Found("OFFSET_REQUIRED", row[keep], {
            "pollutant": pollutant_of[keep], "increment_t_a": result.increment, "ratio": ratio[keep],
            "required_t_a": result.required,
            "reason": np.array([arrays.offsets[o].reason for o in offset[keep]], dtype=object)},
            zone=parks, sources=sources, lazy=result.how_values))
    return result, blocks

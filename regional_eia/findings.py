"""The finding-code registry: every code a screening can report, once.

Each code states its severity, its rank (the main code of a result is the code of the worst severity
with the lowest rank: stated here, never implied by the order in which steps run), the change it asks
for (a line of "what would have to change", or none) and a typed model of the values that produced
it. ``Finding.values`` in the JSON contract is that model, dumped; the sentence (``Finding.message``)
is rendered from it in Chinese or English by the one message catalogue,
:mod:`regional_eia.report.messages`.

The batch engine derives its bit masks and severities from :data:`REGISTRY` (:data:`BIT`,
:data:`MASK`), so a code added here is known to every path.

>>> REGISTRY["CAPACITY_EXCEEDED"].severity
'fail'
>>> main_code(["EIA_CATEGORY", "OFFSET_REQUIRED", "CAPACITY_EXCEEDED"])
'CAPACITY_EXCEEDED'
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Annotated, Any, Literal

import numpy as np
from pydantic import AfterValidator, BaseModel, ConfigDict

__all__ = [
    "Severity",
    "SEVERITIES",
    "CodeSpec",
    "REGISTRY",
    "CODES",
    "BIT",
    "MASK",
    "MAIN_LEVELS",
    "tidy",
    "tidy_many",
    "metres",
    "Figure",
    "Metres",
    "main_code",
    "severity_of",
]

Severity = Literal["fail", "incomplete", "conditional", "warning", "info"]
SEVERITIES: tuple[Severity, ...] = ("fail", "incomplete", "conditional", "warning", "info")
MAIN_LEVELS: tuple[Severity, ...] = ("fail", "incomplete", "conditional")  # a main code comes from these

# within this of each other, a demand fits what is left (and "left after" shows 0, never -8.9e-16)
FITS_TOLERANCE = 1e-9


def tidy(value: float | None) -> float | None:
    """A computed figure as people should read it: 12 significant digits (the binary noise of
    ``0.1 + 0.2`` gone, every digit an input can carry kept), ``-0.0`` as ``0.0``. The same arithmetic as
    :func:`tidy_many`, so one figure and a column of a million round alike.

    Examples
    --------
    >>> tidy(0.19999999999999996), tidy(7.199999999999999), tidy(54.69999999999999), tidy(-0.0)
    (0.2, 7.2, 54.7, 0.0)
    """
    if value is None:
        return None
    return float(tidy_many(np.array([value], dtype=float))[0])


def tidy_many(values: np.ndarray) -> np.ndarray:
    """:func:`tidy` over an array (NaN and infinities unchanged)."""
    values = np.asarray(values, dtype=float)
    out = values.copy()
    finite = np.isfinite(values) & (values != 0)
    if finite.any():
        decimals = 11 - np.floor(np.log10(np.abs(values[finite]))).astype(np.int64)
        rounded = out[finite]
        for d in np.unique(decimals):
            if -300 < d < 300:
                here = decimals == d
                rounded[here] = np.round(rounded[here], int(d))
        out[finite] = rounded
    out[values == 0] = 0.0
    return out


def metres(value: float) -> float:
    """A distance or area between geometries: to 0.1 m (m2), the precision coordinates carry."""
    return float(np.round(np.float64(value), 1))


Figure = Annotated[float, AfterValidator(tidy)]
Metres = Annotated[float, AfterValidator(metres)]


class Values(BaseModel):
    """The values behind one finding (language-free: ids, figures, names as the catalogue gives them)."""

    # 44 of them, a handful used by a screening: each builds its validator when first used, not on import
    model_config = ConfigDict(frozen=True, extra="forbid", defer_build=True)


# --- location and zoning ---------------------------------------------------------------------------


class OutsidePark(Values):
    nearest_park: str | None = None
    nearest_park_name: str | None = None
    nearest_park_name_en: str | None = None
    distance_m: Metres | None = None


class PartlyOutsidePark(Values):
    park: str
    park_name: str
    park_name_en: str | None = None
    overlap_m2: Metres
    park_area_m2: Metres


class ProtectedOverlap(Values):
    zone_name: str
    grade: str | None = None
    distance_m: Metres = 0.0
    overlap_m2: Metres


class ProtectedProximity(Values):
    zone_name: str
    grade: str | None = None
    distance_m: Metres
    buffer_m: Metres


class ReceptorSetback(Values):
    receptor_name: str
    receptor_type: str
    industry: str
    distance_m: Metres
    setback_m: Metres
    setback_industries: list[str]


class Access(Values):
    part: Literal["prohibited", "restricted", "encouraged"]
    list_kind: Literal["park", "control_unit"]
    list_name: str = ""
    list_name_en: str | None = None
    unit_code: str | None = None
    unit_class: str | None = None
    industry: str
    matched_code: str
    processes: list[str]
    common_processes: list[str]
    reason: str
    conditions: str | None = None


# --- capacity and offsets --------------------------------------------------------------------------


class CapValues(Values):
    park: str
    park_name: str
    park_name_en: str | None = None
    metric: str
    unit: str
    basis: str
    cap: Figure
    committed: Figure
    reserved: Figure
    remaining: Figure
    demand: Figure


class CapacityExceeded(CapValues):
    reduce_by: Figure
    max_flow_m3d: Figure | None = None
    reuse_rate_to_fit: Figure | None = None
    how: str


class CapacityHighUtilisation(CapValues):
    utilisation_after: Figure
    threshold: Figure


class OffsetRequired(Values):
    pollutant: str
    increment_t_a: Figure
    ratio: Figure
    required_t_a: Figure
    reason: str
    how: str


class DataMissing(Values):
    """Something needed to decide is missing; ``about`` says for which step."""

    about: Literal["capacity", "offset", "unit", "not_detectable", "selection", "stack", "fugitive"]
    missing: list[str] = []
    metric: str | None = None
    park: str | None = None
    park_name: str | None = None
    park_name_en: str | None = None
    basis: str | None = None
    unit: str | None = None
    pollutant: str | None = None
    proposed: str | None = None
    limit_unit: str | None = None
    source: str | None = None
    stack: str | None = None
    receiving_class: str | None = None
    receiving_kind: str | None = None
    detail: str | None = None  # the selection rules' own words (standards/select.py), until they are typed


# --- standards -------------------------------------------------------------------------------------


class StandardExceeded(Values):
    pollutant: str
    point: str
    proposed: Figure | list[Figure]
    limit: Figure | list[Figure] | None
    unit: str | None
    source: str
    supplementary: bool = False  # GB 8978-1996 applied by the catalogue's policy, not by the text's rule


class StandardNotCovered(Values):
    pollutant: str
    point: str
    reasons: list[str] = []


class PollutantNotDeclared(Values):
    pollutants: list[str]
    standards: list[str]


class WorkshopOutletRequired(Values):
    pollutant: str
    total_outlet_value: str | None = None
    source: str


class OutfallForbidden(Values):
    route: str | None = None
    receiving_class: str | None = None
    receiving_kind: str | None = None
    protection_zone: bool = False
    sewer_end: str | None = None
    detail: str | None = None


class NotCrossApplied(Values):
    """A pollutant an industry standard does not list: GB 8978-1996 is not cross-applied (1.2-1.3); or a
    scope (``scope``, e.g. GB 37822-2019) an industry standard's own provisions take over."""

    pollutant: str
    point: str
    not_covered_by: list[str]
    scope: str | None = None
    reasons: list[str] = []


class IndustryProcessMismatch(Values):
    industry: str
    processes: list[str]
    standard: str
    applied_by: str


class WWTPClassBelowRequired(Values):
    wwtp: str
    effluent_class: str
    required_class: str
    receiving_water: str
    kind: str | None = None
    target_class: str
    key_basin: bool = False
    source: str
    amendment_not_read: bool = False


class NewSourceForbidden(Values):
    air_grade: str
    stack: str


class StackBelowMinimumHeight(Values):
    stack: str
    height_m: Figure
    minimum_m: Figure
    pollutants: list[str]


class EIACategory(Values):
    category: str
    category_zh: str
    rows: list[int | str]
    regional_category: str | None = None
    regional_category_zh: str | None = None
    qualifies: bool | None = None
    simplification: list[dict[str, Any]] = []  # typed reasons: {"why": "expired", "approved": ..., ...}


# --- what a reviewer must act on (regional_eia.review) ------------------------------------------------


class UnitRequirement(Values):
    unit_code: str
    unit_class: str
    unit_name: str = ""
    spatial_layout: list[str] = []
    emission_control: list[str] = []
    risk_prevention: list[str] = []
    resource_efficiency: list[str] = []


class NoControlUnit(Values):
    control_units_in_catalogue: int


class EffluentNotGiven(Values):
    flow_m3d: float
    route: str


class DischargeNotGiven(Values):
    industry: str
    standards: list[str] = []  # industry discharge standards that cover it ...
    category: str | None = None  # ... or the EIA category that asks a report of it
    category_zh: str | None = None
    missing: list[str]


# --- the registry ----------------------------------------------------------------------------------

ChangeKind = Literal["site", "industry", "capacity", "treatment", "supply", "offset", "condition", "review"]


@dataclass(frozen=True)
class CodeSpec:
    """One finding code: how bad it is, how it ranks for the main reason, what it asks to change."""

    code: str
    severity: Severity
    title: str
    values: type[Values]
    change: ChangeKind | None = None
    site: bool = False  # depends on where in a park the site is (set aside when the project moves park)


_SPECS = (
    # rank order: of the codes of the worst severity in a result, the first listed here is the main one
    CodeSpec("OUTSIDE_PARK", "fail", "the site is in no park of the catalogue", OutsidePark, "site", site=True),
    CodeSpec("PARTLY_OUTSIDE_PARK", "fail", "the site polygon crosses a park boundary", PartlyOutsidePark, "site", site=True),
    CodeSpec("RED_LINE_OVERLAP", "fail", "the site overlaps an ecological red line", ProtectedOverlap, "site",
             site=True),
    CodeSpec("RED_LINE_PROXIMITY", "warning", "the site is within the red line's buffer distance",
             ProtectedProximity, site=True),
    CodeSpec("WATER_SOURCE_OVERLAP", "fail", "the site overlaps a drinking-water source protection zone",
             ProtectedOverlap, "site", site=True),
    CodeSpec("WATER_SOURCE_PROXIMITY", "warning", "the site is within the protection zone's buffer distance",
             ProtectedProximity, site=True),
    CodeSpec("RECEPTOR_SETBACK", "fail", "a sensitive receptor is inside the industry's setback distance",
             ReceptorSetback, "site", site=True),
    CodeSpec("ACCESS_PROHIBITED", "fail", "the industry or process is prohibited by an access list", Access,
             "industry"),
    CodeSpec("ACCESS_RESTRICTED", "conditional", "the industry or process is restricted by an access list", Access,
             "condition"),
    CodeSpec("ACCESS_ENCOURAGED", "info", "the industry is encouraged by an access list", Access),
    CodeSpec("CAPACITY_EXCEEDED", "fail", "the project's demand exceeds what is left of a park cap",
             CapacityExceeded, "capacity"),
    CodeSpec("CAPACITY_HIGH_UTILISATION", "warning",
             "the cap's utilisation after the project passes the warning threshold", CapacityHighUtilisation),
    CodeSpec("OFFSET_REQUIRED", "conditional", "an increment must be offset at the zone's ratio (倍量削减替代)",
             OffsetRequired, "offset"),
    CodeSpec("STANDARD_EXCEEDED", "fail", "a proposed figure exceeds its binding limit", StandardExceeded,
             "treatment"),
    CodeSpec("STANDARD_NOT_COVERED", "warning", "no applicable standard gives a figure for a proposed pollutant",
             StandardNotCovered),
    CodeSpec("POLLUTANT_NOT_DECLARED", "warning",
             "the industry standard limits pollutants the project gives no figure for", PollutantNotDeclared),
    CodeSpec("WORKSHOP_OUTLET_REQUIRED", "incomplete", "a first-class pollutant must be given at the workshop outlet",
             WorkshopOutletRequired, "supply"),
    CodeSpec("OUTFALL_FORBIDDEN", "fail", "a new outfall into class I/II water or a class III protection zone",
             OutfallForbidden, "site"),
    CodeSpec("DATA_MISSING", "incomplete", "information needed to decide is missing", DataMissing, "supply"),
    CodeSpec("EIA_CATEGORY", "info", "the EIA category and whether the regional simplification applies",
             EIACategory),
    CodeSpec("INDUSTRY_PROCESS_MISMATCH", "warning",
             "the industry code and the process flags point to different standards", IndustryProcessMismatch),
    CodeSpec("WWTP_CLASS_BELOW_REQUIRED", "warning",
             "the park WWTP's GB 18918 class is laxer than its receiving water requires", WWTPClassBelowRequired),
    CodeSpec("STACK_BELOW_MINIMUM_HEIGHT", "conditional", "a new source's stack is lower than 15 m (GB 16297-1996 7.4)",
             StackBelowMinimumHeight, "treatment"),
    CodeSpec("NEW_SOURCE_FORBIDDEN", "fail",
             "no new air pollution source may be built in an ambient-air class-1 area (GB 16297-1996 5)",
             NewSourceForbidden, "site"),
    CodeSpec("NOT_CROSS_APPLIED", "info",
             "the industry standard does not list the pollutant, and GB 8978-1996 is not cross-applied (1.2-1.3)",
             NotCrossApplied),
    CodeSpec("UNIT_REQUIREMENT", "conditional",
             "a control unit's requirement text applies: a reviewer must confirm the project meets it", UnitRequirement,
             "review"),
    CodeSpec("NO_CONTROL_UNIT", "incomplete",
             "the site lies in no control unit of the catalogue (a data gap: 三线一单 covers all land)", NoControlUnit),
    CodeSpec("DISCHARGE_NOT_GIVEN", "incomplete",
             "the industry discharges, but the project gives neither wastewater nor air emissions", DischargeNotGiven,
             "supply"),
    CodeSpec("EFFLUENT_NOT_GIVEN", "incomplete",
             "the project discharges wastewater but gives no concentration at any outlet", EffluentNotGiven,
             "supply"),
)

REGISTRY: dict[str, CodeSpec] = {spec.code: spec for spec in _SPECS}
CODES: tuple[str, ...] = tuple(REGISTRY)
RANK: dict[str, int] = {code: i for i, code in enumerate(CODES)}
CODE_INDEX = RANK
BIT: dict[str, np.uint32] = {code: np.uint32(1 << i) for i, code in enumerate(CODES)}
MASK: dict[Severity, np.uint32] = {
    level: np.uint32(sum(int(BIT[c]) for c, spec in REGISTRY.items() if spec.severity == level))
    for level in SEVERITIES
}
SEVERITY_ORDER: dict[str, int] = {level: i for i, level in enumerate(SEVERITIES)}
# one number per code that orders findings for the main reason: severity first, then the stated rank
MAIN_KEY = np.array([SEVERITY_ORDER[spec.severity] * 64 + i for i, spec in enumerate(_SPECS)], dtype=np.int64)


def severity_of(code: str) -> Severity:
    return REGISTRY[code].severity


def main_code(codes: Iterable[str]) -> str | None:
    """The main code among ``codes``: the worst severity (fail, incomplete, conditional), then the rank.

    Examples
    --------
    >>> main_code(["ACCESS_RESTRICTED", "DATA_MISSING"])
    'DATA_MISSING'
    >>> main_code(["EIA_CATEGORY"]) is None
    True
    """
    best = min(codes, key=lambda c: MAIN_KEY[RANK[c]], default=None)
    if best is None or REGISTRY[best].severity not in MAIN_LEVELS:
        return None
    return best


def _roundings(model: type[Values]) -> dict[str, Any]:
    """The rounding each figure of a values model applies (from its ``Figure`` / ``Metres`` annotations)."""
    import typing

    def find(annotation):
        for meta in getattr(annotation, "__metadata__", ()):
            if isinstance(meta, AfterValidator):
                return meta.func
        for arg in typing.get_args(annotation):
            found = find(arg)
            if found is not None:
                return found
        return None

    out = {}
    for name, info in model.model_fields.items():
        func = find(info.annotation)
        if func is None:
            for meta in info.metadata:
                if isinstance(meta, AfterValidator):
                    func = meta.func
        if func is not None:
            out[name] = func
    return out


_ROUNDINGS = {code: _roundings(spec.values) for code, spec in REGISTRY.items()}


def normalise(code: str, values: dict[str, Any]) -> dict[str, Any]:
    """``values`` with every figure rounded as the code's model rounds it (in place; returned).

    What batch words without building a model gives the very text ``screen`` gives from the model.
    """
    for name, func in _ROUNDINGS[code].items():
        value = values.get(name)
        if isinstance(value, float):
            values[name] = func(value)
        elif isinstance(value, list):
            values[name] = [func(v) if isinstance(v, float) else v for v in value]
    return values


def values_model(code: str, values: Mapping[str, Any]) -> Values:
    """Validate ``values`` against the code's model (raises pydantic's ValidationError)."""
    return REGISTRY[code].values.model_validate(dict(values))

"""What-if: the smallest change that makes a project fit its park, and the parks that could take it.

For each cap the project does not fit, the change is the demand cut in the cap's unit (m3/d of
wastewater, t/a of load) and, where the demand scales with the wastewater flow, the flow it means and
the water-reuse rate that gets there. The parks of the catalogue are then ranked by whether they could
take the project as proposed: the project is screened once more at a point inside each other park, in
one :func:`~regional_eia.screening.screen_many` pass.
"""

from __future__ import annotations

import datetime as dt

import shapely
from pydantic import BaseModel, ConfigDict, Field
from pyproj import CRS

from zones.catalog import Catalog, load_catalog
from zones.crs import CGCS2000, transformer

from .capacity import CapacityBook, flow_to_fit
from .errors import RegionalEIAError
from .findings import REGISTRY, tidy
from .project import Location, Project
from .report.messages import MESSAGES, Lang, num
from .result import CapacityCheck, Finding, ScreeningResult, Verdict, verdict_of

__all__ = ["CapChange", "ParkOption", "WhatIf", "what_if", "SITE_FINDINGS"]

# Findings that depend on where in a park the site is, which is unknown when the project moves park.
SITE_FINDINGS = frozenset(code for code, spec in REGISTRY.items() if spec.site)
_RANK = {"pass": 0, "conditional": 1, "incomplete": 2, "fail": 3}


class _Out(BaseModel):
    model_config = ConfigDict(frozen=True)


class CapChange(_Out):
    """The smallest change that makes one cap fit."""

    park: str
    metric: str
    basis: str
    unit: str
    demand: float
    remaining: float
    reduce_by: float = Field(description="how much the demand must fall, in unit")
    max_flow_m3d: float | None = Field(None, description="the largest wastewater flow that fits this cap")
    flow_reduction_m3d: float | None = Field(None, description="the cut in wastewater flow that fits this cap")
    reuse_rate: float | None = Field(None, description="the share of the wastewater to reuse instead (0-1)")


class ParkOption(_Out):
    """One park of the catalogue, as a home for the project as proposed."""

    park: str
    park_name: str
    here: bool = Field(description="the park the project's own site lies in")
    takes: bool = Field(description="the park could take the project as proposed (verdict pass or conditional)")
    verdict: Verdict = Field(description="the verdict on park-level findings (site findings set aside)")
    tightest: str | None = Field(None, description="the cap the project would use most of")
    utilisation_after: float | None = Field(None, description="that cap's utilisation after the project")
    offsets: list[str] = Field(default_factory=list, description="offsets the park would require")
    why_not: list[str] = Field(default_factory=list, description="the failing or incomplete findings")


class WhatIf(_Out):
    """The screening, what would make it fit where it is, and where else it would fit as it is."""

    screening: ScreeningResult
    changes: list[CapChange]
    flow_to_fit_m3d: float | None = Field(
        None, description="the largest wastewater flow at which every flow-driven cap that does not fit would")
    reuse_rate_to_fit: float | None = None
    parks: list[ParkOption] = Field(description="the catalogue's parks, those that could take the project first")
    notes: list[str] = Field(default_factory=list)


def what_if(project: Project, catalog: Catalog | None = None, *, book: CapacityBook | None = None,
            on: dt.date | None = None, lang: Lang = "en", policy=None) -> WhatIf:
    """Screen a project, say the smallest change that would make it fit, and rank the parks that could take it.

    Parameters
    ----------
    project
        The proposed project.
    catalog
        A loaded catalogue; ``None`` uses the embedded demo.
    book
        Where committed and reserved capacity come from (a :class:`~regional_eia.ledger.Ledger`);
        default: the catalogue's figures.
    on
        The screening date; default: today.
    lang
        The language of the messages (``en`` or ``zh``).

    Returns
    -------
    WhatIf
        ``changes`` per cap that does not fit; ``flow_to_fit_m3d`` and ``reuse_rate_to_fit`` when cutting
        the wastewater flow fits them all; ``parks`` ranked: parks that take the project as proposed
        first (pass before conditional, then the most headroom left on the tightest cap), then the
        rest with why not. Parks other than the project's own are judged at a point inside them, so
        findings that depend on the exact site (setbacks, buffers) are set aside for every park.

    Examples
    --------
    >>> from regional_eia import load_project
    >>> report = what_if(load_project("examples/xuancheng-dyeing-phase2-3.yaml"))
    >>> report.flow_to_fit_m3d, report.reuse_rate_to_fit
    (1200.0, 0.6)
    >>> [p.park for p in report.parks if p.takes]
    ['langxi-edz', 'fuyang-coal-chem']
    """
    catalog = catalog or load_catalog()
    elsewhere = [park for park in catalog.parks]
    candidates = [_moved_to(project, park, catalog) for park in elsewhere]
    outcomes = _screen_all([project, *candidates], catalog, book, on, lang, policy)
    result = outcomes[0]
    if isinstance(result, RegionalEIAError):
        raise result
    home = result.location.park
    changes = [_change(c, project) for c in result.capacity if c.fits is False]
    flow_to_fit, reuse = _flow_to_fit(result.capacity, project)
    options = []
    for park, outcome in zip(elsewhere, outcomes[1:]):
        if park == home:
            outcome = result
        if isinstance(outcome, RegionalEIAError):  # a park whose inside point cannot be located
            continue
        options.append(_option(park, outcome, catalog, here=park == home))
    options.sort(key=lambda o: (_RANK[o.verdict], o.utilisation_after or 0.0, o.park))
    notes = [MESSAGES[lang]["whatif.note"]]
    if any(c.fits is None for c in result.capacity):
        notes.append(MESSAGES[lang]["whatif.note_missing"])
    return WhatIf(screening=result, changes=changes, flow_to_fit_m3d=flow_to_fit, reuse_rate_to_fit=reuse,
                  parks=options, notes=notes)


def _screen_all(projects, catalog, book, on, lang, policy):
    from .screening import screen_many

    return screen_many(projects, catalog, book=book, on=on, lang=lang, policy=policy)


def _moved_to(project: Project, park: str, catalog: Catalog) -> Project:
    """The project at a point inside ``park`` (CGCS2000 lon/lat of the park's representative point)."""
    row = catalog.table.positions[park]
    geometry = catalog.table.metric_geometry[row]
    epsg = int(catalog.table.metric_epsg[row])
    inside = shapely.point_on_surface(geometry)
    lon, lat = transformer(CRS.from_epsg(epsg), CGCS2000).transform(inside.x, inside.y)
    return project.model_copy(update={"location": Location(crs="EPSG:4490", lon=float(lon), lat=float(lat))})


def _change(check: CapacityCheck, project: Project) -> CapChange:
    flow = project.wastewater.flow.to("m3/d") if project.wastewater is not None else None
    cut = None if check.max_flow_m3d is None or flow is None else flow - check.max_flow_m3d
    return CapChange(park=check.park, metric=check.metric, basis=check.basis, unit=check.unit, demand=check.demand,
                     remaining=check.remaining, reduce_by=check.reduce_by, max_flow_m3d=check.max_flow_m3d,
                     flow_reduction_m3d=tidy(cut), reuse_rate=check.reuse_rate_to_fit)


def _flow_to_fit(checks: list[CapacityCheck], project: Project) -> tuple[float | None, float | None]:
    """The flow that fits every cap that does not fit now, when all of them are driven by the flow."""
    misfits = [c for c in checks if c.fits is False]
    flow = project.wastewater.flow.to("m3/d") if project.wastewater is not None else None
    return flow_to_fit([c.max_flow_m3d for c in misfits], flow)


def _option(park: str, result: ScreeningResult, catalog: Catalog, *, here: bool) -> ParkOption:
    findings: list[Finding] = [f for f in result.findings if f.code not in SITE_FINDINGS]
    verdict = verdict_of(findings)
    used = [c for c in result.capacity if c.utilisation_after is not None]
    tightest = max(used, key=lambda c: c.utilisation_after, default=None)
    return ParkOption(
        park=park,
        park_name=catalog.names[park],
        here=here,
        takes=verdict in ("pass", "conditional"),
        verdict=verdict,
        tightest=f"{tightest.metric} ({tightest.basis})" if tightest else None,
        utilisation_after=tightest.utilisation_after if tightest else None,
        offsets=[f"{o.pollutant} {num(o.required)} {o.unit}" for o in result.offsets],
        why_not=[f"{f.code}: {f.message}" for f in findings if f.severity in ("fail", "incomplete")],
    )

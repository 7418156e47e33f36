"""The JSON API under ``/api/``: the same operations as the pages, on the library's own models.

Bad input is 422 with ``{"detail": [{"field", "message", ...}]}``; the schema is ``/api/openapi.json``.
"""

from __future__ import annotations

import datetime as dt
import math
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Body, Query, Request
from pydantic import BaseModel, Field, model_validator

from ..ledger import CapStatus
from ..lookup import lookup_limits
from ..project import Project
from ..result import ScreeningResult
from .app import DB, channel_of, rate_limit
from .channel import ChannelError, ask, find_question, park_status, prescreen, question_json, screen_batch_json
from .forms import QuestionIn

router = APIRouter(prefix="/api", tags=["api"])


class Problem(BaseModel):
    field: str | None = Field(description="the field that was wrong, dotted (wastewater.flow), if any")
    message: str
    type: str | None = None
    loc: list[Any] | None = None


class Problems(BaseModel):
    detail: list[Problem]


ERRORS = {422: {"model": Problems, "description": "bad input: the field and what was expected"},
          429: {"model": Problems, "description": "too many requests from this address"}}


class Screened(BaseModel):
    screening: str = Field(description="token of the stored screening; attach it to a question")
    links: dict[str, str]
    result: ScreeningResult


def _finite(value: Any, path: str) -> None:
    """JSON as Python reads it allows NaN and Infinity: refuse them, naming where."""
    if isinstance(value, float) and not math.isfinite(value):
        raise ValueError(f"{path}: {value} is not a finite number")
    if isinstance(value, dict):
        for key, item in value.items():
            _finite(item, f"{path}.{key}")
    elif isinstance(value, (list, tuple)):
        for index, item in enumerate(value):
            _finite(item, f"{path}[{index}]")


class ScreenRequest(BaseModel):
    project: Project
    company: str | None = Field(None, max_length=200)
    lang: Literal["zh", "en"] | None = None

    @model_validator(mode="after")
    def _finite_figures(self) -> ScreenRequest:
        _finite(self.project.model_dump(), "project")
        return self


@router.post("/screen", response_model=Screened, responses=ERRORS)
def screen_one(request: Request, body: ScreenRequest, db: DB,
               on: Annotated[dt.date | None, Query(description="screening date; default today")] = None):
    """Screen one project (the project file's model) against the catalogue and the ledger's position."""
    rate_limit(request, "screen")
    row, token, result = prescreen(channel_of(request), db, body.project, company=body.company, lang=body.lang,
                                   source="api", on=on)
    return Screened(screening=token, links={"page": f"/s/{token}", "report": f"/s/{token}/report.html",
                                            "json": f"/s/{token}/result.json"}, result=result)


class BatchRequest(BaseModel):
    projects: list[Project] = Field(min_length=1)

    @model_validator(mode="after")
    def _finite_figures(self) -> BatchRequest:
        for index, project in enumerate(self.projects):
            _finite(project.model_dump(), f"projects[{index}]")
        return self


@router.post("/screen/batch", responses=ERRORS)
def screen_small_batch(request: Request, body: BatchRequest,
                       on: Annotated[dt.date | None, Query()] = None) -> dict[str, Any]:
    """Screen a small batch (at most ``max_batch`` projects) in one spatial pass; not stored."""
    rate_limit(request, "screen")
    channel = channel_of(request)
    if len(body.projects) > channel.settings.max_batch:
        raise ChannelError("projects", f"at most {channel.settings.max_batch} projects a request; screen larger "
                                       "files with `regional-eia batch`")
    return {"results": screen_batch_json(channel, body.projects, on)}


class Park(BaseModel):
    id: str
    name: str
    caps: list[CapStatus]
    warnings: list[str] = []


@router.get("/parks", response_model=list[Park])
def parks(request: Request):
    """Every park with what is left of each cap (the catalogue's baseline plus the ledger)."""
    status = park_status(channel_of(request))
    return _parks(request, status)


@router.get("/parks/{park_id}", response_model=Park, responses=ERRORS)
def park(request: Request, park_id: str):
    channel = channel_of(request)
    if park_id not in channel.catalog.parks:
        raise ChannelError("park_id", f"no park {park_id!r}; parks are {', '.join(channel.catalog.parks)}", status=404)
    return _parks(request, park_status(channel, park_id))[0]


def _parks(request: Request, status) -> list[Park]:
    names = channel_of(request).catalog.names
    by_park: dict[str, list[CapStatus]] = {}
    for cap in status.caps:
        by_park.setdefault(cap.park, []).append(cap)
    return [Park(id=p, name=names.get(p, p), caps=caps,
                 warnings=[w for w in status.warnings if names.get(p, p) in w or p in w])
            for p, caps in by_park.items()]


@router.get("/standards/lookup", responses=ERRORS)
def standards_lookup(request: Request,
                     industry: Annotated[str, Query(pattern=r"^[A-Ta-t]?\d{4}$", description="GB/T 4754-2017 code")],
                     route: Literal["direct", "indirect"],
                     zone: str | None = None,
                     receiving_class: Literal["I", "II", "III", "IV", "V"] | None = None,
                     on: dt.date | None = None) -> dict[str, Any]:
    """The binding water limits for an industry and route, with sources and the reasons for each."""
    rows = lookup_limits(industry, route, channel_of(request).catalog, zone, on=on, receiving_class=receiving_class)
    return {"industry": industry.upper(), "route": route, "zone": zone, "limits": rows}


@router.get("/industries")
def industries(request: Request, q: Annotated[str, Query(max_length=50)] = "") -> list[dict[str, str]]:
    """GB/T 4754-2017 codes the picker offers (the EIA list's and the catalogue's), filtered by ``q``."""
    needle = q.strip().lower()
    return [{"code": code, "name": name} for code, name in channel_of(request).industries
            if not needle or needle in code.lower() or needle in name.lower()][:100]


class Asked(BaseModel):
    token: str = Field(description="the question's private token: keep it, it is the only way back")
    link: str
    status: str
    office: str


@router.post("/questions", response_model=Asked, status_code=201, responses=ERRORS)
def new_question(request: Request, question: Annotated[QuestionIn, Body()], db: DB):
    """Ask the department a question (问题提要), optionally about a screening (its token)."""
    rate_limit(request, "question")
    row, token = ask(channel_of(request), db, question)
    return Asked(token=token, link=f"/q/{token}", status=row.status, office=row.office)


@router.get("/questions/{token}", responses={404: {"model": Problems}})
def question_status(request: Request, token: str, db: DB) -> dict[str, Any]:
    """A question by its private token: status, office, answer and citations."""
    question = find_question(db, token)
    if question is None:
        raise ChannelError("token", "no question with this token", status=404)
    return question_json(question, channel_of(request))

"""The public pages: the pre-screening form, its result (the report), the question form and a
company's private link. No account: what a company sees is reached only through its own tokens."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import FileResponse, HTMLResponse, JSONResponse, Response
from pydantic import ValidationError
from sqlalchemy.orm import Session
from starlette.datastructures import FormData, UploadFile

from ..errors import ProjectError
from .app import DB, channel_of, check_csrf, leaflet_file, rate_limit, redirect, render, set_csrf_cookie
from .channel import (
    STATUS_NAMES,
    ChannelError,
    ask,
    find_question,
    find_screening,
    next_project_id,
    prescreen,
    question_json,
    report_html,
    stored_result,
)
from .forms import (
    AIR_ROWS,
    CRS_CHOICES,
    EFFLUENT_ROWS,
    WORKSHOP_ROWS,
    QuestionIn,
    form_field,
    project_from_form,
    project_from_upload,
)
from .models import TOPICS

router = APIRouter(include_in_schema=False)


async def form_data(request: Request) -> FormData:
    return await request.form(max_files=1, max_fields=200)


Form = Annotated[FormData, Depends(form_data)]


def _choices(request: Request) -> dict:
    channel = channel_of(request)
    from standards.eia_category import load_classification

    pollutants = channel.catalog.standards.pollutants
    flags = load_classification().flags
    return {
        "industries": channel.industries,
        "flags": sorted(((k, f.zh) for k, f in flags.items() if not f.negated), key=lambda kv: kv[1]),
        "crs_choices": CRS_CHOICES,
        "water_pollutants": sorted((k, p.zh) for k, p in pollutants.items() if "water" in p.media),
        "air_pollutants": sorted((k, p.zh) for k, p in pollutants.items() if "air" in p.media),
        "rows": {"eff": EFFLUENT_ROWS, "ws": WORKSHOP_ROWS, "air": AIR_ROWS},
        "units": ["mg/L", "ug/L", "ng/L", "dilution_factor", "MPN/L", "Bq/L"],
        "topics": TOPICS,
    }


@router.get("/", response_class=HTMLResponse)
def form_page(request: Request):
    return render(request, "form.html", values={}, errors=[], error_fields=set(), **_choices(request))


@router.post("/screen")
def submit_screening(request: Request, form: Form, db: DB):
    """Pre-screen the project of the form (or of the uploaded file); redirect to its private result page."""
    check_csrf(request, form)
    rate_limit(request, "screen")
    channel = channel_of(request)
    values = {k: v for k, v in form.items() if isinstance(v, str)}
    upload = form.get("upload")
    company = values.get("company", "").strip()
    try:
        if not company:
            raise ProjectError("form", "company", "give the company's name (企业名称)")
        if len(company) > 200:
            raise ProjectError("form", "company", "at most 200 characters")
        project_id = next_project_id(db)
        if isinstance(upload, UploadFile) and upload.filename:
            project = project_from_upload(upload.filename, upload.file.read(), project_id)
            source = "upload"
        else:
            project = project_from_form(values, form.getlist("processes"), project_id)
            source = "form"
        lang = values.get("lang") if values.get("lang") in ("zh", "en") else None
        credit = values.get("credit_code", "").strip() or None
        if credit is not None and len(credit) != 18:
            raise ProjectError("form", "credit_code", "统一社会信用代码 has 18 characters")
        row, token, _ = prescreen(channel, db, project, company=company, credit_code=credit, lang=lang, source=source)
    except ProjectError as exc:
        uploaded = str(exc.source).startswith("upload")
        message = f"{exc.field}: {exc.why}" if exc.field else exc.why
        return render(request, "form.html", status=422, values=values,
                      errors=[f"{exc.source}: {message}" if uploaded else message],
                      error_fields={"upload" if uploaded else form_field(exc.field) or exc.field},
                      selected=set(form.getlist("processes")), **_choices(request))
    return redirect(f"/s/{token}")


@router.get("/s/{token}", response_class=HTMLResponse)
def result_page(request: Request, token: str, db: DB):
    """The result is the report itself, with the links to download it and to ask about it."""
    row = _screening(db, token)
    html = report_html(channel_of(request), db, row)
    bar = render(request, "result_bar.html", token=token, row=row, result=stored_result(row),
                 topics=TOPICS).body.decode("utf-8")
    marker = "<body>"
    page = html.replace(marker, marker + bar, 1) if marker in html else bar + html
    response = HTMLResponse(page)
    set_csrf_cookie(request, response)
    return response


@router.get("/s/{token}/report.html")
def report_download(request: Request, token: str, db: DB):
    row = _screening(db, token)
    html = report_html(channel_of(request), db, row)
    return HTMLResponse(html, headers=_attachment(f"{row.project_id}.html"))


@router.get("/s/{token}/result.json")
def result_download(token: str, db: DB):
    row = _screening(db, token)
    return Response(row.result_json, media_type="application/json",
                    headers=_attachment(f"{row.project_id}.json"))


def _attachment(name: str) -> dict[str, str]:
    from urllib.parse import quote

    if len(name) > 200:  # a project id may be long; the header need not be
        stem, _, suffix = name.rpartition(".")
        name = f"{stem[:190]}.{suffix}"
    # the plain filename is ASCII (a header is latin-1): 导入-1 must not be a 500; filename* keeps it whole
    safe = "".join(c if c.isascii() and (c.isalnum() or c in "-_.") else "_" for c in name)
    return {"Content-Disposition": f"attachment; filename=\"{safe}\"; filename*=UTF-8''{quote(name)}"}


def _screening(db: Session, token: str):
    row = find_screening(db, token)
    if row is None:
        raise ChannelError(None, "no screening at this link (links are private and cannot be guessed; "
                                 "check that it was copied whole)", status=404)
    return row


@router.get("/ask", response_class=HTMLResponse)
def question_form(request: Request, db: DB, screening: str = ""):
    row = find_screening(db, screening) if screening else None
    return render(request, "ask.html", values={"screening": screening if row else "",
                                               "company": row.company.name if row and row.company else ""},
                  errors=[], row=row, topics=TOPICS)


@router.post("/ask")
def submit_question(request: Request, form: Form, db: DB):
    """Record a question; the company is sent to its private link."""
    check_csrf(request, form)
    rate_limit(request, "question")
    values = {k: v for k, v in form.items() if isinstance(v, str) and k != "csrf_token"}
    try:
        question = QuestionIn.model_validate(values)
        _, token = ask(channel_of(request), db, question)
    except ValidationError as exc:
        errors = [f"{'.'.join(map(str, e['loc']))}: {e['msg'].removeprefix('Value error, ')}" for e in exc.errors()]
        row = find_screening(db, values.get("screening", ""))
        return render(request, "ask.html", status=422, values=values, errors=errors, row=row, topics=TOPICS)
    except ChannelError as exc:
        return render(request, "ask.html", status=exc.status, values=values, errors=[f"{exc.field}: {exc.why}"],
                      row=None, topics=TOPICS)
    return redirect(f"/q/{token}")


@router.get("/q/{token}", response_class=HTMLResponse)
def question_page(request: Request, token: str, db: DB):
    """A company's private link: its question, status, office and answer; nothing of anyone else."""
    question = find_question(db, token)
    if question is None:
        raise ChannelError(None, "no question at this link (check that it was copied whole)", status=404)
    return render(request, "question.html", q=question_json(question, channel_of(request)), token=token,
                  statuses=STATUS_NAMES, has_report=question.screening is not None)


@router.get("/q/{token}/report.html")
def question_report(request: Request, token: str, db: DB):
    question = find_question(db, token)
    if question is None or question.screening is None:
        raise ChannelError(None, "no screening attached to this question", status=404)
    return HTMLResponse(report_html(channel_of(request), db, question.screening))


@router.get("/map/zones.geojson")
def map_zones(request: Request):
    return Response(channel_of(request).zones_geojson, media_type="application/geo+json",
                    headers={"Cache-Control": "public, max-age=3600"})


@router.get("/static/leaflet/{name:path}")
def leaflet(name: str):
    path = leaflet_file(name)
    if path is None:
        raise ChannelError(None, "Leaflet is not installed on this server (Debian: apt-get install libjs-leaflet)",
                           status=404)
    return FileResponse(path, headers={"Cache-Control": "public, max-age=86400"})


@router.get("/static/{name}")
def static(name: str):
    from importlib.resources import files

    if name not in ("app.css", "map.js", "picker.js"):
        raise ChannelError(None, "no such file", status=404)
    media = "text/css" if name.endswith(".css") else "text/javascript"
    return Response((files("regional_eia.service") / "static" / name).read_bytes(), media_type=media,
                    headers={"Cache-Control": "public, max-age=3600"})


@router.get("/healthz")
def health(request: Request):
    channel = channel_of(request)
    return JSONResponse({"ok": True, "catalog": channel.catalog.name})

"""The FastAPI application: start-up (catalogue, database, routing), middleware, errors, shared helpers."""

from __future__ import annotations

import contextlib
import json
import logging
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Annotated, Any

import anyio.to_thread
import jinja2
import shapely
from fastapi import Depends, FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from sqlalchemy.orm import Session
from starlette.exceptions import HTTPException as StarletteHTTPException

from zones.catalog import Catalog, load_catalog
from zones.crs import WGS84

from .. import __version__
from ..errors import ProjectError, RegionalEIAError
from .channel import Channel, ChannelError, user_for_session
from .db import ServiceError, connect, migrate
from .models import User
from .routing import load_routing
from .security import CSRF_COOKIE, SESSION_COOKIE, RateLimits, new_token, same
from .settings import Settings

__all__ = ["create_app", "LoginRequired", "Forbidden", "TooMany"]

log = logging.getLogger("regional_eia.service")


class LoginRequired(Exception):
    pass


class Forbidden(Exception):
    pass


class TooMany(Exception):
    def __init__(self, bucket: str, rule: str):
        self.bucket, self.rule = bucket, rule


def create_app(settings: Settings | None = None, *, catalog: Catalog | None = None) -> FastAPI:
    """The web application of the online channel (环企直通车).

    Parameters
    ----------
    settings
        Where the catalogue, ledger and database are; default: from the environment (``REGIONAL_EIA_*``).
    catalog
        An already loaded catalogue (tests share one); default: loaded from ``settings.catalog`` at start.

    The catalogue is loaded and indexed once, in the lifespan handler, and shared read-only between
    requests; the database schema is created or migrated there too (Alembic ``upgrade head``).

    Examples
    --------
    >>> from fastapi.testclient import TestClient  # doctest: +SKIP
    >>> with TestClient(create_app(Settings(db="sqlite:///channel.sqlite"))) as client:  # doctest: +SKIP
    ...     client.get("/api/parks").status_code
    200
    """
    settings = settings or Settings()

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI):
        channel = start(settings, catalog)
        app.state.channel = channel
        # Requests wait their turn in order (anyio's limiter is FIFO) rather than as many threads sharing
        # the interpreter at once: screening is CPU-bound, so more threads only stretch every request.
        anyio.to_thread.current_default_thread_limiter().total_tokens = settings.threads
        app.state.limits = RateLimits({"screen": settings.screen_rate, "question": settings.question_rate,
                                       "login": settings.login_rate})
        try:
            yield
        finally:
            channel.sessions.kw["bind"].dispose()

    app = FastAPI(title="regional-eia online channel (环企直通车)", version=__version__, lifespan=lifespan,
                  docs_url=None, redoc_url=None, openapi_url="/api/openapi.json",
                  description="Pre-screen a project against a park's zoning, capacity and standards; ask the "
                              "environment department a question and follow its answer.")
    app.add_middleware(BodyLimit, limit=settings.max_body_bytes)
    app.add_middleware(SecurityHeaders)
    _errors(app)

    from . import api, pages, staff

    app.include_router(api.router)
    app.include_router(pages.router)
    app.include_router(staff.router)
    return app


def app_from_environment() -> FastAPI:
    """The app with settings from ``REGIONAL_EIA_*`` (what each of ``serve --workers N``'s processes runs)."""
    return create_app(Settings())


def start(settings: Settings, catalog: Catalog | None = None) -> Channel:
    """Load what the service shares: catalogue, routing rules, database (migrated), ledger.

    The default ledger (beside the catalogue) is created on first start; a ledger named in the settings
    must exist already (``regional-eia ledger init``), so that a mistyped path or URL cannot start a
    second, untouched ledger that staff would then write into.
    """
    from ..ledger import open_ledger

    catalog = catalog or load_catalog(settings.catalog)
    routing = load_routing(settings.routing)
    engine, sessions = connect(settings.sqlalchemy_url)
    migrate(engine)
    ledger_path = Channel.default_ledger(settings)
    open_ledger(ledger_path, catalog, create=settings.ledger is None).close()  # refused if another catalogue's
    return Channel(settings=settings, catalog=catalog, routing=routing, sessions=sessions, ledger_path=ledger_path,
                   industries=industry_choices(catalog), zones_geojson=zones_geojson(catalog))


# --- what the form offers ---------------------------------------------------------------------------


_ACCESS_ZH = {"prohibited": "禁止", "restricted": "限制", "encouraged": "鼓励"}


def industry_choices(catalog: Catalog) -> list[tuple[str, str]]:
    """GB/T 4754-2017 codes for the picker: the EIA list's printed codes with their printed names, and
    every code the catalogue names (access lists, standards, setbacks) with where it is named."""
    import re

    from standards.eia_category import load_classification

    names: dict[str, str] = {}
    for row in load_classification().rows:
        for part in re.split(r"[；;]", row.industries_zh.replace("\n", "")):
            match = re.match(r"^\s*(.+?)\s*(\d{3,4})\*?\s*(（.*）)?\s*$", part)
            if match:
                letter = "D" if match.group(2).startswith("4") and len(match.group(2)) >= 3 and \
                    int(match.group(2)[:2]) in range(44, 47) else "C"
                names.setdefault(letter + match.group(2), match.group(1))
        for code in row.mapped_industries:
            names.setdefault(("D" if code[:2] in ("44", "45", "46") else "C") + code, row.industries_zh.split("（")[0])
    named_in_catalogue: dict[str, str] = {}
    for zone in catalog.parks.values():
        access = zone.park.access
        for part in ("prohibited", "restricted", "encouraged"):
            for entry in getattr(access, part):
                for code in entry.codes:
                    named_in_catalogue.setdefault(code, f"见于{zone.name}准入清单（{_ACCESS_ZH[part]}）")
    for standard in catalog.standards.standards.values() if hasattr(catalog.standards, "standards") else ():
        for code in getattr(standard, "industries", ()):
            named_in_catalogue.setdefault(code, f"见于 {getattr(standard, 'number', '')} 适用范围")
    choices = {code: name for code, name in names.items()}
    for code, where in named_in_catalogue.items():
        if len(code) >= 4:
            choices.setdefault(code, where)
    group = "（类别，请补全至4位小类代码）"
    return sorted((code, name + (group if len(code) < 5 else "")) for code, name in choices.items())


def zones_geojson(catalog: Catalog) -> str:
    """The catalogue's parks, control units and protected zones in WGS84, for the form's map."""
    zones = catalog.zones[catalog.zones["kind"].isin(["park", "control_unit", "red_line", "water_source"])]
    features = []
    for zone_id, row in zones.to_crs(WGS84).iterrows():
        geometry = shapely.simplify(row.geometry, 0.0002)
        features.append({"type": "Feature", "geometry": shapely.geometry.mapping(geometry),
                         "properties": {"id": zone_id, "kind": row["kind"],
                                        "name": catalog.names.get(zone_id, zone_id)}})
    return json.dumps({"type": "FeatureCollection", "features": features}, ensure_ascii=False)


# --- shared request helpers --------------------------------------------------------------------------


TEMPLATES = jinja2.Environment(loader=jinja2.PackageLoader("regional_eia.service", "templates"), autoescape=True,
                          undefined=jinja2.StrictUndefined, trim_blocks=True, lstrip_blocks=True)


def channel_of(request: Request) -> Channel:
    return request.app.state.channel


def db_session(request: Request) -> Iterator[Session]:
    with channel_of(request).sessions() as session:
        yield session


DB = Annotated[Session, Depends(db_session)]
"""A route's database session (one per request)."""


def csrf_token(request: Request) -> str:
    """This browser's CSRF token (double-submit: an HttpOnly cookie and a hidden field of every form)."""
    token = request.cookies.get(CSRF_COOKIE) or getattr(request.state, "new_csrf", None)
    if token is None:
        token = request.state.new_csrf = new_token()
    return token


def check_csrf(request: Request, form) -> None:
    if not same(request.cookies.get(CSRF_COOKIE), form.get("csrf_token")):
        raise Forbidden("the form's security token is missing or stale: reload the page and send it again")


def rate_limit(request: Request, bucket: str) -> None:
    client = request.client.host if request.client else "unknown"
    limits: RateLimits = request.app.state.limits
    if not limits.hit(bucket, client):
        raise TooMany(bucket, limits.describe(bucket))


def optional_user(request: Request, db: Session) -> User | None:
    return user_for_session(db, request.cookies.get(SESSION_COOKIE))


def render(request: Request, template: str, status: int = 200, **context: Any) -> HTMLResponse:
    """A page from ``templates/`` (autoescaped), with the CSRF token its forms carry."""
    token = csrf_token(request)
    context.setdefault("user", None)
    html = TEMPLATES.get_template(template).render(request=request, csrf=token, version=__version__, **context)
    response = HTMLResponse(html, status_code=status)
    set_csrf_cookie(request, response)
    return response


def set_csrf_cookie(request: Request, response: Response) -> None:
    if getattr(request.state, "new_csrf", None) and not request.cookies.get(CSRF_COOKIE):
        settings = channel_of(request).settings
        response.set_cookie(CSRF_COOKIE, request.state.new_csrf, httponly=True, samesite="strict",
                            secure=settings.secure_cookies, path="/")


def redirect(url: str) -> RedirectResponse:
    return RedirectResponse(url, status_code=303)


# --- errors ----------------------------------------------------------------------------------------


def _is_api(request: Request) -> bool:
    return request.url.path.startswith("/api/")


def _error_page(request: Request, status: int, message: str, field: str | None = None) -> Response:
    if _is_api(request):
        return JSONResponse({"detail": [{"field": field, "message": message}]}, status_code=status)
    return render(request, "error.html", status=status, message=message, field=field)


def _errors(app: FastAPI) -> None:
    @app.exception_handler(RequestValidationError)
    async def invalid(request: Request, exc: RequestValidationError):
        details = []
        for error in exc.errors():
            loc = [str(p) for p in error.get("loc", ()) if p not in ("body", "query", "path")]
            details.append({"field": ".".join(loc) or None, "message": error["msg"].removeprefix("Value error, "),
                            "type": error.get("type"), "loc": list(error.get("loc", ()))})
        if _is_api(request):
            return JSONResponse({"detail": details}, status_code=422)
        return _error_page(request, 422, "; ".join(f"{d['field']}: {d['message']}" for d in details))

    @app.exception_handler(ProjectError)
    async def bad_project(request: Request, exc: ProjectError):
        return _error_page(request, 422, exc.why, exc.field)

    @app.exception_handler(ChannelError)
    async def refused(request: Request, exc: ChannelError):
        return _error_page(request, exc.status, exc.why, exc.field)

    @app.exception_handler(RegionalEIAError)
    async def library_error(request: Request, exc: RegionalEIAError):
        return _error_page(request, 422, str(exc))

    @app.exception_handler(LoginRequired)
    async def login_required(request: Request, exc: LoginRequired):
        if _is_api(request):
            return JSONResponse({"detail": [{"field": None, "message": "log in first"}]}, status_code=401)
        return redirect(f"/login?next={request.url.path}")

    @app.exception_handler(Forbidden)
    async def forbidden(request: Request, exc: Forbidden):
        return _error_page(request, 403, str(exc) or "not allowed")

    @app.exception_handler(TooMany)
    async def too_many(request: Request, exc: TooMany):
        response = _error_page(request, 429, f"too many requests from this address ({exc.rule} for this form); "
                                             "wait a minute and try again")
        response.headers["Retry-After"] = "60"
        return response

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException):
        message = exc.detail if isinstance(exc.detail, str) else json.dumps(exc.detail)
        return _error_page(request, exc.status_code, message)

    @app.exception_handler(Exception)
    async def unexpected(request: Request, exc: Exception):
        incident = uuid.uuid4().hex[:12]
        log.exception("incident %s on %s %s", incident, request.method, request.url.path)
        return _error_page(request, 500, f"an internal error occurred (incident {incident}); it has been logged")


class SecurityHeaders:
    """Headers on every response: no framing, no sniffing, no referrer (links carry private tokens), and
    a content security policy that runs only this site's own scripts."""

    HEADERS = [
        (b"x-content-type-options", b"nosniff"),
        (b"x-frame-options", b"DENY"),
        (b"referrer-policy", b"no-referrer"),
        (b"content-security-policy", b"default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; "
                                      b"script-src 'self'; frame-ancestors 'none'; form-action 'self'"),
    ]

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)

        async def with_headers(message):
            if message["type"] == "http.response.start":
                message.setdefault("headers", [])
                message["headers"] = list(message["headers"]) + self.HEADERS
            await send(message)

        return await self.app(scope, receive, with_headers)


class BodyLimit:
    """Refuse request bodies over ``limit`` bytes with 413, before the application reads them."""

    def __init__(self, app, limit: int):
        self.app, self.limit = app, limit

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http" or scope["method"] in ("GET", "HEAD", "OPTIONS"):
            return await self.app(scope, receive, send)
        headers = dict(scope.get("headers") or [])
        length = headers.get(b"content-length")
        if length is not None:
            if not length.isdigit() or int(length) > self.limit:
                return await self._refuse(scope, send)
            return await self.app(scope, receive, send)
        body, more = [], True  # chunked: read it here, up to the limit
        size = 0
        while more:
            message = await receive()
            if message["type"] == "http.disconnect":
                return
            size += len(message.get("body", b""))
            if size > self.limit:
                return await self._refuse(scope, send)
            body.append(message.get("body", b""))
            more = message.get("more_body", False)
        replay = iter([{"type": "http.request", "body": b"".join(body), "more_body": False}])

        async def replayed():
            return next(replay, {"type": "http.disconnect"})

        return await self.app(scope, replayed, send)

    async def _refuse(self, scope, send):
        text = f"the request body is over the limit of {self.limit:,} bytes"
        if scope["path"].startswith("/api/"):
            body = json.dumps({"detail": [{"field": None, "message": text}]}).encode()
            kind = b"application/json"
        else:
            body = f"<!doctype html><meta charset=utf-8><title>413</title><p>{text}</p>".encode()
            kind = b"text/html; charset=utf-8"
        await send({"type": "http.response.start", "status": 413,
                    "headers": [(b"content-type", kind), (b"content-length", str(len(body)).encode())]})
        await send({"type": "http.response.body", "body": body})


def leaflet_file(name: str) -> Path | None:
    """Leaflet's files from the machine's copy (Debian's libjs-leaflet), the one the interactive report uses."""
    from ..report.interactive import LEAFLET_DIRS

    parts = name.split("/")
    if len(parts) > 2 or (len(parts) == 2 and parts[0] != "images") or any(not p or p.startswith(".") for p in parts):
        return None
    for folder in LEAFLET_DIRS:
        candidate = folder / name
        if (folder / "leaflet.js").is_file() and candidate.is_file():
            return candidate
    return None


__all__ += ["ServiceError", "channel_of", "db_session", "render", "redirect", "check_csrf", "rate_limit",
            "optional_user", "csrf_token", "start"]

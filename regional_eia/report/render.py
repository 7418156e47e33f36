"""Write reports: a project's (HTML or Markdown) and a batch's (HTML, Markdown or an Excel workbook).

The words come from :mod:`.messages` through :class:`.text.Wording`; the layout from the Jinja2
templates in ``templates/``; figures from :mod:`.maps` and :mod:`.charts`. An HTML report embeds its
figures, so the one file can be mailed; the PNGs are written beside it as well.
"""

from __future__ import annotations

import base64
import functools
import re
import urllib.parse
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

import jinja2
import shapely
from markupsafe import Markup

from zones.catalog import Catalog

from .. import __version__
from ..errors import ReportError
from ..escape import markdown_code, markdown_inline
from ..locate import locate
from ..project import Project
from ..result import ScreeningResult
from . import batch as batch_tables
from .charts import capacity_chart, utilisation_chart
from .fonts import FONT_MISSING, CJK_FAMILIES, figure_style, find_cjk_font
from .maps import batch_map, site_map, site_view
from .extras import require
from .messages import LANGS, Lang, Messages
from .text import Wording, value_text

__all__ = ["Report", "write_report", "write_batch_report", "ReportFormat"]

ReportFormat = Literal["html", "md", "xlsx"]
_SEVERITY_ORDER = ("fail", "incomplete", "conditional", "warning", "info")


@dataclass(frozen=True)
class Report:
    """What a report wrote: the report file, its figures, and warnings for the user (e.g. no CJK font)."""

    path: Path
    images: tuple[Path, ...] = ()
    warnings: tuple[str, ...] = field(default_factory=tuple)
    pages: tuple[Path, ...] = ()  # the interactive map, as a page of its own

    @property
    def files(self) -> tuple[Path, ...]:
        return (self.path, *self.images, *self.pages)


def write_report(result: ScreeningResult, catalog: Catalog, out_dir: str | Path, *, project: Project | None = None,
                 lang: Lang = "zh", format: ReportFormat = "html", interactive: bool = False,
                 tiles: str | None = None) -> Report:
    """Write one project's screening report into ``out_dir``.

    Parameters
    ----------
    result
        The screening (``screen(project, catalog)``).
    catalog
        The catalogue it was screened against: names, geometry, the park's simplifications.
    out_dir
        Folder for ``<project id>.html`` (or ``.md``), ``<project id>-map.png`` and one
        ``<project id>-capacity-<n>-<metric>.png`` per cap; created if missing.
    project
        The project itself: its site polygon and industry on the map (setback rings for its industry).
    lang
        ``zh`` (default) or ``en``.
    format
        ``html`` (self-contained: figures embedded) or ``md`` (figures linked).
    interactive
        HTML only: add an offline Leaflet map (needs the ``interactive`` extra and a local Leaflet).
    tiles
        A folium tile name (e.g. ``OpenStreetMap``) for the interactive map; the viewer's browser then
        fetches tiles. Default: none, so the page works offline.

    Returns
    -------
    Report

    Examples
    --------
    >>> import tempfile
    >>> from regional_eia import load_project, screen
    >>> from zones import load_catalog
    >>> catalog = load_catalog()
    >>> project = load_project("examples/langxi-equipment.yaml")
    >>> report = write_report(screen(project, catalog), catalog, tempfile.mkdtemp(), project=project)
    >>> report.path.name
    'LX-2027-007.html'
    """
    if format not in ("html", "md"):
        raise ReportError(f"--format {format}", "a project report is html or md; xlsx is for --batch summaries")
    if interactive and format != "html":
        raise ReportError("--interactive", "the interactive map is for HTML reports (--format html)")
    if interactive:
        require("folium", extra="interactive", why="--interactive")
    _check_lang(lang)
    out = _out_dir(out_dir)
    stem = _safe(result.project_id)
    words = Wording(Messages(lang), catalog)
    figure_words, latin, warnings = _figure_words(words, catalog)
    site = locate(project.location, project.id).geometry if project is not None else None
    industry = project.industry if project is not None else None

    images = []
    with figure_style(None if latin else find_cjk_font()):
        images.append(_save(site_map(result, catalog, figure_words, site=site, industry=industry, latin=latin),
                            out / f"{stem}-map.png"))
        for number, check in enumerate(result.capacity, start=1):
            images.append(_save(capacity_chart(check, figure_words),
                                out / f"{stem}-capacity-{number}-{_safe(check.metric)}.png"))

    interactive_html, pages = None, []
    if interactive:
        from .interactive import LEAFLET_DIRS, LEAFLET_MISSING, find_leaflet, interactive_map

        leaflet = find_leaflet()
        if leaflet is None:
            warnings.append(LEAFLET_MISSING.format(dirs=", ".join(map(str, LEAFLET_DIRS))))
        else:
            interactive_html = interactive_map(result, catalog, words, leaflet, site=site, industry=industry,
                                               tiles=tiles)
            pages.append(out / f"{stem}-map.html")
            _write(pages[0], interactive_html)

    context = _project_context(result, catalog, words, project, images, format)
    crs = site_view(result, catalog, site if site is not None else shapely.Point(*result.location.point_wgs84))[0]
    context.update(interactive=interactive_html, map_crs=f"{crs.name} (EPSG:{crs.to_epsg()})")
    path = out / f"{stem}.{format}"
    _write(path, _template_environment(format).get_template(f"report.{format}.j2").render(**context))
    return Report(path, tuple(images), tuple(warnings), tuple(pages))


def write_batch_report(batch: batch_tables.BatchInput, catalog: Catalog, out_dir: str | Path, *,
                       lang: Lang = "zh", format: ReportFormat = "html") -> Report:
    """Write a batch summary: counts by verdict and by finding code, a map of the sites by verdict, each
    park's utilisation after the batch, and the failing projects with their main reason.

    ``format`` ``xlsx`` writes the same parts as the sheets of one workbook (the map as a picture).
    Files: ``batch-summary.<format>``, ``batch-map.png``, ``batch-utilisation.png``.
    """
    if format not in ("html", "md", "xlsx"):
        raise ReportError(f"--format {format}", "a batch summary is html, md or xlsx")
    if format == "xlsx":
        require("openpyxl", extra="report", why="--format xlsx")
    _check_lang(lang)
    out = _out_dir(out_dir)
    words = Wording(Messages(lang), catalog)
    figure_words, latin, warnings = _figure_words(words, catalog)
    tables = _batch_tables(batch, catalog, words)

    images = []
    with figure_style(None if latin else find_cjk_font()):
        images.append(_save(batch_map(batch.rows, catalog, figure_words, latin=latin), out / "batch-map.png"))
        if not tables["parks"].empty and tables["parks"]["utilisation_after"].notna().any():
            images.append(_save(utilisation_chart(tables["parks"], figure_words), out / "batch-utilisation.png"))

    path = out / f"batch-summary.{format}"
    if format == "xlsx":
        from .workbook import write_workbook

        write_workbook(path, tables, words, images[0])
    else:
        context = {**tables, **_common(words, format), "batch": batch, "catalog": catalog.name,
                   "source": batch.source, "images": {p.stem: _image_src(p, format) for p in images},
                   "projects": len(batch.rows), "has_demand": batch.results is not None}
        _write(path, _template_environment(format).get_template(f"batch.{format}.j2").render(**context))
    return Report(path, tuple(images), tuple(warnings))


# --- pieces ----------------------------------------------------------------------------------------


def _figure_words(words: Wording, catalog: Catalog) -> tuple[Wording, bool, list[str]]:
    """The words for figures: the report's, unless no CJK font is installed (then English, Latin only)."""
    if find_cjk_font() is not None:
        return words, False, []
    warning = FONT_MISSING.format(tried=", ".join(CJK_FAMILIES[:4]) + ", ...")
    return Wording(Messages("en"), catalog), True, [warning]


def _check_lang(lang: str) -> None:
    if lang not in LANGS:
        raise ReportError(f"--lang {lang}", f"unknown language; use one of {', '.join(LANGS)}")


def _out_dir(out_dir: str | Path) -> Path:
    out = Path(out_dir)
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ReportError(out, f"cannot create the output folder: {exc.strerror}") from exc
    return out


def _write(path: Path, text: str) -> None:
    try:
        path.write_text(text, encoding="utf-8")
    except OSError as exc:
        raise ReportError(path, f"cannot write the report: {exc.strerror}") from exc


def _save(fig, path: Path) -> Path:
    try:
        fig.savefig(path, format="png", metadata={"Software": f"regional-eia {__version__}"})
    except OSError as exc:
        raise ReportError(path, f"cannot write the figure: {exc.strerror}") from exc
    return path


def _safe(name: str) -> str:
    """A file name stem for ``name``; a long one is cut (to fit the file system's 255 bytes with the
    suffixes) and keeps a digest of the whole, so two long ids never share a file."""
    safe = re.sub(r"[^\w.-]+", "_", name).strip("._") or "project"
    if len(safe.encode("utf-8")) <= 120:
        return safe
    import hashlib

    cut = safe.encode("utf-8")[:100].decode("utf-8", "ignore")
    return f"{cut}-{hashlib.sha256(name.encode('utf-8')).hexdigest()[:12]}"


def _image_src(path: Path, format: str) -> str:
    if format == "html":
        return "data:image/png;base64," + base64.b64encode(path.read_bytes()).decode("ascii")
    return path.name


def _template_environment(format: str) -> jinja2.Environment:
    return _markdown_environment() if format == "md" else _html_environment()


@functools.lru_cache(maxsize=1)
def _html_environment() -> jinja2.Environment:
    """HTML templates: Jinja2's autoescape, so every value is HTML-escaped unless marked safe."""
    return jinja2.Environment(
        loader=jinja2.PackageLoader("regional_eia.report", "templates"),
        autoescape=jinja2.select_autoescape(enabled_extensions=("html.j2",), default_for_string=False),
        trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=True, undefined=jinja2.StrictUndefined,
    )


@functools.lru_cache(maxsize=1)
def _markdown_environment() -> jinja2.Environment:
    """Markdown templates: the same default as HTML's autoescape, for Markdown.

    Every value is written as literal inline text (:func:`regional_eia.escape.markdown_inline`: no
    HTML, links, emphasis, headings or line breaks) unless a filter has already made it Markdown:
    ``cell`` (a table cell), ``code`` (a code span) and ``url`` (a link destination).
    """
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("regional_eia.report", "templates"),
        autoescape=False, finalize=_md_finalize,
        trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=True, undefined=jinja2.StrictUndefined,
    )
    env.filters["cell"] = lambda value: Markup(markdown_inline(value))
    env.filters["code"] = lambda value: Markup(markdown_code(value).replace("|", "\\|"))
    env.filters["url"] = lambda value: Markup(urllib.parse.quote(str(value), safe="/"))
    return env


def _md_finalize(value: object) -> object:
    return value if isinstance(value, Markup) else markdown_inline(value)


def _common(words: Wording, format: str) -> dict:
    return {"t": words.msg, "w": words, "lang": words.lang, "version": __version__, "format": format,
            "num": words.num, "pct": words.pct}


def _project_context(result: ScreeningResult, catalog: Catalog, words: Wording, project: Project | None,
                     images: list[Path], format: str) -> dict:
    loc = result.location
    units = {spec.code: spec for spec in catalog.control_units.values()}
    counts = {s: sum(f.severity == s for f in result.findings) for s in _SEVERITY_ORDER}
    findings = sorted(result.findings, key=lambda f: _SEVERITY_ORDER.index(f.severity))
    charts = images[1:]
    return {
        **_common(words, format),
        "r": result,
        "project_name": words.pick(result.project_name),
        "industry": project.industry if project is not None else None,
        "park": words.zone_name(loc.park) if loc.park else None,
        "units": [(code, words.msg(f"unit_class.{units[code].unit_class}") if code in units else "")
                  for code in loc.control_units],
        "counts": {s: n for s, n in counts.items() if n},
        "findings": [{"f": f, "title": words.code_title(f.code), "text": words.finding(f, result)} for f in findings],
        "map": _image_src(images[0], format),
        "capacity": [{"c": c, "metric": words.metric(c.metric), "basis": words.basis(c.basis),
                      "fits": words.msg(f"fits.{c.fits}"), "chart": _image_src(chart, format)}
                     for c, chart in zip(result.capacity, charts)],
        "limits": [{"s": s, "pollutant": words.pollutant(s.pollutant), "point": words.point(s.point),
                    "proposed": value_text(s.proposed),
                    "limit": value_text(s.limit) if s.limit is not None else (s.limit_text or "—"),
                    "complies": words.msg(f"complies.{s.complies}")} for s in result.standards],
        "offsets": [{"o": o, "pollutant": words.pollutant(o.pollutant), "reason": words.pick(o.reason)}
                    for o in result.offsets],
        "category": _category(result, catalog, words),
        "changes": words.changes(result),
    }


def _category(result: ScreeningResult, catalog: Catalog, words: Wording) -> dict:
    cat = result.eia_category
    park_id = result.location.park
    assessment = catalog.park(park_id).regional_assessment if park_id else None
    qualifies = None if cat is None else cat.qualifies_for_simplification
    return {
        "c": cat,
        "name": words.category_name(cat.category, cat.category_zh) if cat else None,
        "regional": (words.category_name(cat.regional_category, cat.regional_category_zh)
                     if cat and cat.regional_category else None),
        "qualifies": {True: words.msg("yes"), False: words.msg("no"), None: words.msg("unknown")}[qualifies],
        "grants": [words.pick(s) for s in assessment.simplifications] if assessment else [],
        "grants_source": words.msg("category.park_grants_source", park_id=park_id, approved=assessment.approved,
                                   years=assessment.valid_years) if assessment else None,
        "freeze": bool(assessment and assessment.approval_freeze),
        "simplification": words.simplification(result),
    }


def _batch_tables(batch: batch_tables.BatchInput, catalog: Catalog, words: Wording) -> dict:
    rows = batch.rows.copy()
    rows["main_reason"] = batch_tables.main_reasons(batch, words)
    rows["park_name"] = [words.zone_name(p) if isinstance(p, str) and p else "—" for p in rows["park"]]
    rows["project_name"] = [words.pick(n) for n in rows["project_name"]]
    verdicts = batch_tables.verdict_counts(rows)
    verdicts["label"] = [words.verdict(v) for v in verdicts["verdict"]]
    codes = batch_tables.code_counts(rows)
    codes["title"] = [words.code_title(c) for c in codes["code"]]
    parks = batch_tables.park_utilisation(batch, catalog)
    parks["park_name"] = [words.zone_name(p) for p in parks["park"]]
    parks["metric_label"] = [words.metric(m) for m in parks["metric"]]
    parks["basis_label"] = [words.basis(b) for b in parks["basis"]]
    failing = rows[rows["verdict"] == "fail"]
    return {"rows": rows, "verdicts": verdicts, "codes": codes, "parks": parks, "failing": failing}

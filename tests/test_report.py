"""Reports: a project's (HTML, Markdown) and a batch's (HTML, Markdown, Excel), their words and figures.

Every demo example is reported; the HTML is checked for the verdict, every finding with each of its
sources, the capacity, offset and limit figures, and its embedded figures; the PNGs for being real
images of the size the report lays out.
"""

from __future__ import annotations

import base64
import csv
import datetime as dt
import doctest
import html
import importlib
import json
import re
import string
import subprocess
import sys
import warnings

import pytest

pytest.importorskip("matplotlib")
pytest.importorskip("jinja2")

from PIL import Image  # noqa: E402  (pillow comes with matplotlib)
from typer.testing import CliRunner  # noqa: E402

from cli import app  # noqa: E402
from regional_eia import load_project, screen  # noqa: E402
from regional_eia.errors import ReportError  # noqa: E402
from regional_eia.report import load_batch, render, write_batch_report, write_report  # noqa: E402
from regional_eia.report.batch import batch_json_line, park_utilisation  # noqa: E402
from regional_eia.report.charts import CHART_DPI, CHART_SIZE_IN  # noqa: E402
from regional_eia.report.fonts import find_cjk_font  # noqa: E402
from regional_eia.report.maps import MAP_DPI, MAP_SIZE_IN  # noqa: E402
from regional_eia.report.messages import LANGS, MESSAGES, Messages  # noqa: E402
from regional_eia.report.text import Wording, has_cjk, pick_language  # noqa: E402
from regional_eia.result import FINDING_CODES  # noqa: E402

from conftest import EXAMPLES, ROOT  # noqa: E402

ON = dt.date(2027, 1, 1)
MAP_PX = (int(MAP_SIZE_IN[0] * MAP_DPI), int(MAP_SIZE_IN[1] * MAP_DPI))
CHART_PX = (int(CHART_SIZE_IN[0] * CHART_DPI), int(CHART_SIZE_IN[1] * CHART_DPI))
EXAMPLE_NAMES = sorted(p.stem for p in EXAMPLES.glob("*.yaml"))
runner = CliRunner()


@pytest.fixture(scope="module")
def screened(demo):
    """Every example, screened once: name -> (project, result)."""
    out = {}
    for name in EXAMPLE_NAMES:
        project = load_project(EXAMPLES / f"{name}.yaml")
        out[name] = (project, screen(project, demo, on=ON))
    return out


def png_size(path):
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n", f"{path} is not a PNG"
    with Image.open(path) as image:
        image.verify()
    with Image.open(path) as image:
        return image.size


def text_of(page: str) -> str:
    """The page's text with tags dropped and entities decoded, for checks on what a reader sees."""
    page = re.sub(r'src="data:[^"]+"', "", page)
    return html.unescape(re.sub(r"<[^>]+>", " ", page))


# --- the message catalogue -------------------------------------------------------------------------


def test_languages_have_the_same_keys_and_fields():
    zh, en = MESSAGES["zh"], MESSAGES["en"]
    assert set(zh) == set(en)
    fields = lambda template: {name for _, name, _, _ in string.Formatter().parse(template) if name}  # noqa: E731
    for key in zh:
        assert fields(zh[key]) == fields(en[key]), key


@pytest.mark.parametrize("lang", LANGS)
def test_every_finding_code_has_a_title(lang):
    for code in FINDING_CODES:
        assert f"code.{code}" in MESSAGES[lang], code


def test_pick_language_takes_one_side_of_bilingual_catalogue_text():
    text = "南漪湖未达标 / Nanyi Lake not attained"
    assert pick_language(text, "zh") == "南漪湖未达标"
    assert pick_language(text, "en") == "Nanyi Lake not attained"
    assert pick_language("a / b", "zh") == "a / b"


@pytest.mark.parametrize("lang", LANGS)
def test_every_demo_finding_is_worded_from_its_values(screened, demo, lang):
    """No demo finding falls back to the screening's English message: the catalogue words them all."""
    words = Wording(Messages(lang), demo)
    for name, (_, result) in screened.items():
        for finding in result.findings:
            text = words.finding(finding, result)
            fallback = words.msg("finding.fallback", title=words.code_title(finding.code), message=finding.message)
            assert not text.startswith(fallback), (name, finding.code)
            if lang == "zh":
                assert has_cjk(text), (name, finding.code)


def test_what_to_change_has_the_screenings_items(screened, demo):
    words = Wording(Messages("en"), demo)
    for name, (_, result) in screened.items():
        assert len(words.changes(result)) == len(result.to_change), name


@pytest.mark.parametrize("module", ["regional_eia.report.messages", "regional_eia.report.text",
                                    "regional_eia.report.extras", "regional_eia.report.render"])
def test_docstring_examples(module, monkeypatch):
    monkeypatch.chdir(ROOT)
    failures, _ = doctest.testmod(importlib.import_module(module), optionflags=doctest.ELLIPSIS)
    assert failures == 0


# --- a project's report ----------------------------------------------------------------------------


@pytest.mark.parametrize("name", EXAMPLE_NAMES)
def test_project_report_html(screened, demo, tmp_path, name):
    project, result = screened[name]
    report = write_report(result, demo, tmp_path, project=project)
    page = report.path.read_text(encoding="utf-8")
    seen = text_of(page)
    words = Wording(Messages("zh"), demo)

    assert report.path.name == f"{result.project_id}.html"
    assert f'data-verdict="{result.verdict}"' in page
    assert words.verdict(result.verdict) in seen
    for finding in result.findings:
        assert f'data-code="{finding.code}"' in page
        assert words.finding(finding, result) in seen
        for source in finding.sources:
            assert source in seen, (finding.code, source)
    for check in result.capacity:
        for figure in (check.cap, check.committed, check.reserved, check.remaining, check.demand):
            assert words.num(figure) in seen
        assert words.pct(check.utilisation_before) in seen
    for offset in result.offsets:
        assert words.num(offset.increment) in seen and words.num(offset.required) in seen
    for limit in result.standards:
        assert (limit.source or "—") in seen
    for change in words.changes(result):
        assert change in seen

    # self-contained: every figure embedded, nothing fetched
    embedded = re.findall(r'src="data:image/png;base64,([^"]+)"', page)
    assert len(embedded) == len(report.images) == 1 + len(result.capacity)
    assert all(base64.b64decode(data)[:4] == b"\x89PNG" for data in embedded)
    assert not re.search(r'(?:src|href)="https?:', page)

    assert png_size(report.images[0]) == MAP_PX
    for chart in report.images[1:]:
        assert png_size(chart) == CHART_PX


def test_english_markdown_report(screened, demo, tmp_path):
    project, result = screened["xuancheng-dyeing-phase2-3"]
    report = write_report(result, demo, tmp_path, project=project, lang="en", format="md")
    text = report.path.read_text(encoding="utf-8")
    assert report.path.suffix == ".md"
    assert "**Verdict: fail**" in text
    assert "i.e. reuse 60.0% of the wastewater" in text
    for image in report.images:
        assert f"]({image.name})" in text and image.is_file()
    assert "GB 18918-2002 表1 一级标准 A标准 (1A)" in text  # sources are cited as screened, in any language


def test_category_section_shows_the_parks_simplifications(screened, demo, tmp_path):
    project, result = screened["langxi-incomplete"]
    seen = text_of(write_report(result, demo, tmp_path, project=project).path.read_text(encoding="utf-8"))
    assert "登记表" in seen and "共享区域环境质量现状监测数据" in seen
    assert "regional_assessment.simplifications" in seen


def test_a_report_without_the_project_maps_the_result_point(screened, demo, tmp_path):
    _, result = screened["fuyang-fine-chemicals"]
    report = write_report(result, demo, tmp_path, lang="en")
    assert png_size(report.images[0]) == MAP_PX


def test_missing_cjk_font_warns_and_draws_latin_labels_only(screened, demo, tmp_path, monkeypatch):
    drawn = []
    original_save = render._save

    def spy(fig, path):
        drawn.extend(t.get_text() for t in fig.findobj(lambda a: hasattr(a, "get_text") and a.get_text()))
        return original_save(fig, path)

    monkeypatch.setattr(render, "find_cjk_font", lambda: None)
    monkeypatch.setattr(render, "_save", spy)
    project, result = screened["xuancheng-dyeing-phase2-3"]
    report = write_report(result, demo, tmp_path, project=project, lang="zh")
    assert len(report.warnings) == 1 and "fonts-noto-cjk" in report.warnings[0]
    assert drawn and not [t for t in drawn if has_cjk(t)]
    assert "不通过" in report.path.read_text(encoding="utf-8")  # the page itself stays Chinese


def test_cjk_labels_render_without_missing_glyphs(screened, demo, tmp_path):
    if find_cjk_font() is None:
        pytest.skip("no CJK font installed (apt-get install fonts-noto-cjk)")
    project, result = screened["guangde-water-source-site"]
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        write_report(result, demo, tmp_path, project=project, lang="zh")
    assert not [w for w in caught if "missing from" in str(w.message)]


def test_wrong_format_is_a_report_error(screened, demo, tmp_path):
    _, result = screened["langxi-equipment"]
    with pytest.raises(ReportError, match="xlsx is for --batch"):
        write_report(result, demo, tmp_path, format="xlsx")


# --- the interactive map ---------------------------------------------------------------------------


def test_interactive_map_is_offline(screened, demo, tmp_path):
    pytest.importorskip("folium")
    from regional_eia.report.interactive import find_leaflet

    if find_leaflet() is None:
        pytest.skip("no local Leaflet (apt-get install libjs-leaflet)")
    project, result = screened["xuancheng-dyeing-phase2-3"]
    report = write_report(result, demo, tmp_path, project=project, interactive=True)
    page = report.path.read_text(encoding="utf-8")
    assert "<iframe" in page and report.pages[0].name == "XC-2027-014-map.html"
    standalone = report.pages[0].read_text(encoding="utf-8")
    assert "L.map(" in standalone and "fitBounds" in standalone
    assert not re.search(r'<(?:script|link)[^>]*(?:src|href)="https?:', standalone)
    assert "tile_layer_" not in standalone  # no base map unless asked for


def test_interactive_map_without_leaflet_is_left_out_with_a_warning(screened, demo, tmp_path, monkeypatch):
    pytest.importorskip("folium")
    from regional_eia.report import interactive

    monkeypatch.setattr(interactive, "LEAFLET_DIRS", ())
    monkeypatch.setattr(interactive, "find_leaflet", lambda dirs=(): None)
    project, result = screened["langxi-equipment"]
    report = write_report(result, demo, tmp_path, project=project, interactive=True)
    assert any("libjs-leaflet" in w for w in report.warnings), report.warnings
    assert "<iframe" not in report.path.read_text(encoding="utf-8") and report.pages == ()


def test_interactive_without_folium_names_the_extra(screened, demo, tmp_path, monkeypatch):
    from regional_eia.report import interactive

    monkeypatch.setitem(sys.modules, "folium", None)
    monkeypatch.setattr(interactive, "find_leaflet", lambda dirs=(): ("", ""))
    _, result = screened["langxi-equipment"]
    with pytest.raises(ReportError, match=r"folium.*pip install 'regional-eia\[interactive\]'"):
        write_report(result, demo, tmp_path, interactive=True)


def test_missing_report_extra_names_the_pip_command(monkeypatch):
    from regional_eia.report.extras import require

    monkeypatch.setitem(sys.modules, "openpyxl", None)
    with pytest.raises(ReportError, match=r"openpyxl.*pip install 'regional-eia\[report\]'"):
        require("openpyxl", extra="report")


# --- a batch's summary -----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def batch_files(screened, demo, tmp_path_factory):
    """The examples as the two documented batch inputs: JSON lines of results, and the minimal CSV."""
    folder = tmp_path_factory.mktemp("batch")
    results = [result for _, result in screened.values()]
    jsonl = folder / "results.jsonl"
    jsonl.write_text("".join(batch_json_line(r) + "\n" for r in results), encoding="utf-8")
    words = Wording(Messages("en"), demo)
    table = folder / "results.csv"
    with table.open("w", newline="", encoding="utf-8-sig") as f:
        writer = csv.writer(f)
        writer.writerow(["project_id", "verdict", "codes", "park", "lon", "lat", "main_reason"])
        for r in results:
            writer.writerow([r.project_id, r.verdict, ";".join(r.codes()), r.location.park or "",
                             *r.location.point_wgs84, words.main_reason(r)])
    return {"jsonl": jsonl, "csv": table, "results": results}


def test_batch_inputs_read_the_same_rows(batch_files):
    from_json, from_csv = load_batch(batch_files["jsonl"]), load_batch(batch_files["csv"])
    assert from_json.results is not None and from_csv.results is None
    for column in ("project_id", "verdict", "lon", "lat"):
        assert list(from_json.rows[column]) == list(from_csv.rows[column])
    assert list(from_json.rows["codes"]) == list(from_csv.rows["codes"])


def test_batch_summary_html(batch_files, demo, tmp_path):
    results = batch_files["results"]
    report = write_batch_report(load_batch(batch_files["jsonl"]), demo, tmp_path)
    page = report.path.read_text(encoding="utf-8")
    seen = text_of(page)
    words = Wording(Messages("zh"), demo)
    for verdict in ("pass", "conditional", "fail", "incomplete"):
        count = sum(r.verdict == verdict for r in results)
        assert re.search(rf'data-verdict="{verdict}">.*?<td class="n">{count}</td>', page), verdict
    for code in {c for r in results for c in r.codes()}:
        count = sum(code in r.codes() for r in results)
        assert re.search(rf'data-code="{code}">.*?<td class="n">{count}</td>', page), code
    for r in results:
        if r.verdict == "fail":
            assert r.project_id in seen and words.main_reason(r) in seen
    # the wastewater cap of Xuancheng after every admissible project of the batch
    xuancheng = [c for r in results if r.verdict in ("pass", "conditional") for c in r.capacity
                 if c.park == "xuancheng-hitech" and c.metric == "wastewater"]
    after = xuancheng[0].committed + xuancheng[0].reserved + sum(c.demand for c in xuancheng)
    assert words.num(after) in seen
    assert words.msg("note.batch_after") in seen
    assert [p.name for p in report.images] == ["batch-map.png", "batch-utilisation.png"]
    assert png_size(report.images[0]) == MAP_PX


def test_batch_park_utilisation_sums_admissible_demand(batch_files, demo):
    table = park_utilisation(load_batch(batch_files["jsonl"]), demo)
    row = table[(table["park"] == "xuancheng-hitech") & (table["metric"] == "wastewater")].iloc[0]
    admitted = [c.demand for r in batch_files["results"] if r.verdict in ("pass", "conditional")
                for c in r.capacity if c.park == "xuancheng-hitech" and c.metric == "wastewater"]
    assert row["admitted"] == len(admitted)
    assert row["after"] == pytest.approx(row["committed"] + row["reserved"] + sum(admitted))
    assert row["utilisation_after"] == pytest.approx(row["after"] / row["cap"])


def test_batch_summary_from_csv_says_demands_are_unknown(batch_files, demo, tmp_path):
    report = write_batch_report(load_batch(batch_files["csv"]), demo, tmp_path, lang="en", format="md")
    text = report.path.read_text(encoding="utf-8")
    assert "only the utilisation before the batch is shown" in text
    assert "](batch-map.png)" in text and [p.name for p in report.images] == ["batch-map.png"]


def test_batch_workbook_has_one_sheet_per_part(batch_files, demo, tmp_path):
    openpyxl = pytest.importorskip("openpyxl")
    report = write_batch_report(load_batch(batch_files["jsonl"]), demo, tmp_path, lang="en", format="xlsx")
    book = openpyxl.load_workbook(report.path)
    en = Messages("en")
    assert book.sheetnames == [en(f"section.batch_{part}")[:31] for part in
                               ("verdicts", "codes", "parks", "failing", "projects", "map")]
    verdicts = {row[0]: row[1] for row in book.worksheets[0].iter_rows(min_row=2, values_only=True)}
    results = batch_files["results"]
    assert verdicts["fail"] == sum(r.verdict == "fail" for r in results)
    failing = [row[0] for row in book.worksheets[3].iter_rows(min_row=2, values_only=True)]
    assert failing == [r.project_id for r in results if r.verdict == "fail"]
    parks = list(book.worksheets[2].iter_rows(min_row=2, values_only=True))
    assert all(isinstance(row[4], (int, float)) and isinstance(row[7], float) for row in parks)  # numbers stay numbers
    assert len(book.worksheets[5]._images) == 1


def test_batch_rows_as_the_batch_command_writes_them(batch_files, demo, tmp_path):
    """Flat JSON lines with main_code and a row that could not be screened (verdict error)."""
    rows = []
    with batch_files["csv"].open(encoding="utf-8-sig") as f:
        for row in csv.DictReader(f):
            rows.append({**row, "main_code": row["codes"].split(";")[0], "error": None})
    rows.append({"project_id": "BAD-1", "verdict": "error", "codes": "", "park": None, "lon": None, "lat": None,
                 "main_reason": None, "main_code": None, "error": "location: lon and lat look swapped"})
    path = tmp_path / "rows.jsonl"
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    batch = load_batch(path)
    assert batch.results is None and list(batch.rows["verdict"])[-1] == "error"
    report = write_batch_report(batch, demo, tmp_path / "out")
    seen = text_of(report.path.read_text(encoding="utf-8"))
    assert "输入有误，未能预审" in seen and "location: lon and lat look swapped" in seen
    assert "准入清单禁止类：" in seen  # a row's main reason under the Chinese title of its main code


@pytest.mark.parametrize("content,where,why", [
    ("project_id,verdict\nA,pass\n", "bad.csv", "missing column"),
    ("project_id,verdict,codes,park,lon,lat,main_reason\nA,maybe,,,118,31,x\n", "bad.csv:2", "maybe"),
    ("project_id,verdict,codes,park,lon,lat,main_reason\nA,pass,,,east,31,x\n", "bad.csv:2", "lon 'east'"),
])
def test_bad_batch_csv_names_the_line_and_field(tmp_path, content, where, why):
    path = tmp_path / "bad.csv"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(ReportError) as caught:
        load_batch(path)
    assert where in str(caught.value) and why in str(caught.value)


def test_bad_json_line_names_the_line(batch_files, tmp_path):
    lines = batch_files["jsonl"].read_text(encoding="utf-8").splitlines()
    broken = json.loads(lines[1])
    del broken["verdict"]
    path = tmp_path / "bad.jsonl"
    path.write_text("\n".join([lines[0], json.dumps(broken)]) + "\n", encoding="utf-8")
    with pytest.raises(ReportError, match=r"bad.jsonl:2: .*verdict"):
        load_batch(path)


# --- the command -----------------------------------------------------------------------------------


def run(*args):
    return runner.invoke(app, list(args), catch_exceptions=False)


def test_cli_report_writes_and_lists_the_files(tmp_path):
    result = run("report", str(EXAMPLES / "langxi-equipment.yaml"), "--out", str(tmp_path), "--on", "2027-01-01")
    assert result.exit_code == 0, result.stderr
    listed = result.stdout.split()
    assert listed[0].endswith("LX-2027-007.html") and all((tmp_path / p.split("/")[-1]).is_file() for p in listed)


def test_cli_report_batch_xlsx(batch_files, tmp_path):
    result = run("report", "--batch", str(batch_files["jsonl"]), "--out", str(tmp_path), "--format", "xlsx")
    assert result.exit_code == 0, result.stderr
    assert result.stdout.split()[0].endswith("batch-summary.xlsx")


@pytest.mark.parametrize("args,message", [
    ([], "not both or neither"),
    (["PROJECT", "--format", "xlsx"], "xlsx is for --batch"),
    (["PROJECT", "--ledger", "missing.sqlite"], "missing.sqlite"),
])
def test_cli_report_usage_errors(tmp_path, args, message):
    args = [str(EXAMPLES / "langxi-equipment.yaml") if a == "PROJECT" else a for a in args]
    args = [str(tmp_path / a) if a == "missing.sqlite" else a for a in args]
    result = run("report", *args, "--out", str(tmp_path))
    assert result.exit_code == 2
    assert message in result.stderr or message in result.output


def test_installed_entry_point_writes_an_english_report(tmp_path):
    exe = [sys.executable, "-c", "from cli import main; main()"]
    done = subprocess.run([*exe, "report", str(EXAMPLES / "fuyang-electroplating.yaml"), "--out", str(tmp_path),
                           "--lang", "en", "--format", "md"], capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "FY-2027-011.md").read_text(encoding="utf-8").startswith("# Park entry screening report")


def test_cli_without_the_report_extra_says_what_to_install(tmp_path):
    code = ("import sys; sys.modules['matplotlib'] = None\n"
            "from cli import main; sys.argv = ['regional-eia', 'report', sys.argv[1], '--out', sys.argv[2]]; main()")
    done = subprocess.run([sys.executable, "-c", code, str(EXAMPLES / "langxi-equipment.yaml"), str(tmp_path)],
                          capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert done.returncode == 2
    assert "needs matplotlib" in done.stderr and "pip install 'regional-eia[report]'" in done.stderr


def test_cli_report_reads_capacity_from_the_ledger(tmp_path):
    ledger = pytest.importorskip("regional_eia.ledger")
    if not hasattr(ledger, "open_ledger"):
        pytest.skip("this build has no regional_eia.ledger.open_ledger")
    path = tmp_path / "ledger.sqlite"
    assert run("ledger", "init", "--ledger", str(path)).exit_code == 0
    result = run("report", str(EXAMPLES / "langxi-equipment.yaml"), "--out", str(tmp_path / "out"),
                 "--ledger", str(path), "--lang", "en")
    assert result.exit_code == 0, result.stderr
    page = (tmp_path / "out" / "LX-2027-007.html").read_text(encoding="utf-8")
    assert f"Committed/reserved from: ledger {path}" in text_of(page)


@pytest.mark.parametrize("ext", ["parquet", "gpkg", "geojson"])
def test_batch_report_reads_every_geo_output_of_batch(tmp_path, ext):
    import pandas as pd
    from typer.testing import CliRunner

    from cli import app
    from regional_eia.report import load_batch

    rows = pd.DataFrame({"id": ["A", "B"], "industry": ["C3484", "C1713"], "lon": [119.172, 118.822],
                         "lat": [31.118, 30.99], "crs": ["4490", "4490"], "route": ["indirect", "indirect"],
                         "flow_m3d": [120, 3000], "operating_days": [300, 300], "COD_mg_L": [300, 180]})
    rows.to_csv(tmp_path / "in.csv", index=False)
    runner = CliRunner()
    for out in ("csv", ext):
        result = runner.invoke(app, ["batch", str(tmp_path / "in.csv"), "--out", str(tmp_path / f"out.{out}")])
        assert result.exit_code == 0, result.stderr
    from_csv = load_batch(tmp_path / "out.csv").rows
    from_geo = load_batch(tmp_path / f"out.{ext}").rows
    assert list(from_geo["verdict"]) == list(from_csv["verdict"]) == ["pass", "fail"]
    assert list(from_geo["park"]) == list(from_csv["park"])

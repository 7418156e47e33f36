"""Hostile text in every output format (issue 16, items 7-9): it stays text, never script, markup or formula.

The payloads are what a stranger can type into a project id or name through the online channel.
"""

from __future__ import annotations

import csv
import html
import re
import subprocess
import sys

import pytest
import yaml
from hypothesis import given
from hypothesis import strategies as st

pytest.importorskip("jinja2")
pytest.importorskip("matplotlib")

from regional_eia import load_project, screen  # noqa: E402
from regional_eia.escape import (  # noqa: E402
    defuse_csv,
    markdown_code,
    markdown_inline,
    tooltip_html,
    undefuse_csv,
)
from regional_eia.report import load_batch, write_batch_report, write_report  # noqa: E402
from regional_eia.report.batch import batch_json_line  # noqa: E402

from conftest import EXAMPLES  # noqa: E402

JS_BREAKOUT = "X`);pwned71();(`${pwned72()}</script><img src=x onerror=pwned73()>"
MD_PAYLOAD = "evil\n# Injected heading\n<script>alert(1)</script> [click](javascript:alert(1)) **bold**"
FORMULAS = ["=HYPERLINK(\"http://evil.example\",\"x\")", "+1+1", "-2+3", "@SUM(A1:A2)", "\tTAB"]


def hostile_project(tmp_path, project_id: str, name: str):
    data = yaml.safe_load((EXAMPLES / "langxi-equipment.yaml").read_text(encoding="utf-8"))
    data.update(id=project_id, name=name)
    path = tmp_path / "hostile.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return load_project(path)


# --- the escaping functions --------------------------------------------------------------------------


@given(st.text())
def test_csv_guard_round_trips_and_never_leaves_a_formula(text):
    guarded = defuse_csv(text)
    assert undefuse_csv(guarded) == text
    assert not guarded.startswith(("=", "+", "-", "@", "\t", "\r"))


@given(st.text())
def test_markdown_inline_is_one_line_without_html_or_link_syntax(text):
    out = markdown_inline(text)
    assert "\n" not in out and "\r" not in out
    assert "<" not in out and ">" not in out
    assert not re.search(r"(?<!\\)[\[\]`*_|#]", out), out


@given(st.text())
def test_code_span_is_fenced_longer_than_any_backtick_run(text):
    out = markdown_code(text)
    fence = re.match(r"`+", out).group(0)
    inner = out[len(fence):-len(fence)]
    assert out.endswith(fence) and "\n" not in out
    assert all(len(run) < len(fence) for run in re.findall(r"`+", inner))


@given(st.text())
def test_tooltip_text_cannot_end_a_template_literal_or_open_a_tag(text):
    out = tooltip_html(text)
    assert not set(out) & set("`$\\<>\"'")
    assert html.unescape(out) == text


# --- the outputs ---------------------------------------------------------------------------------------


def test_interactive_map_keeps_a_backtick_id_inside_its_tooltip(demo, tmp_path):
    pytest.importorskip("folium")
    from regional_eia.report.interactive import find_leaflet

    if find_leaflet() is None:
        pytest.skip("no local Leaflet (apt-get install libjs-leaflet)")
    project = hostile_project(tmp_path, JS_BREAKOUT, "hostile")
    result = screen(project, demo)
    report = write_report(result, demo, tmp_path / "out", project=project, interactive=True)
    page = report.path.read_text(encoding="utf-8")
    frame = re.search(r"<iframe [^>]*>", page).group(0)
    assert 'sandbox="allow-scripts"' in frame and "allow-same-origin" not in frame
    inner = html.unescape(re.search(r'srcdoc="([^"]*)"', frame).group(1))
    tooltips = re.findall(r"bindTooltip\(\s*`(.*?)`", inner, flags=re.S)
    assert any("X&#96;);pwned71()" in tip for tip in tooltips), "the site tooltip holds the escaped id"
    # A failed escape ends the template literal at the id's backtick and leaves the call outside it.
    assert "pwned" not in text_outside_tooltips(inner, tooltips)
    assert JS_BREAKOUT not in page and "<img src=x" not in page


def text_outside_tooltips(page: str, tooltips: list[str]) -> str:
    for tip in tooltips:
        page = page.replace(tip, "")
    return page


def test_markdown_report_keeps_names_on_their_line(demo, tmp_path):
    project = hostile_project(tmp_path, "MD-1 <b>", MD_PAYLOAD)
    report = write_report(screen(project, demo), demo, tmp_path / "out", project=project, format="md")
    text = report.path.read_text(encoding="utf-8")
    assert not any(line.startswith("# Injected") for line in text.splitlines())
    assert "<script" not in text and "<b>" not in text
    assert not re.search(r"(?<!\\)\]\(javascript:", text), "a live javascript: link"
    assert "**bold**" not in text
    assert "evil \\# Injected heading" in text


def test_batch_outputs_write_formulas_as_text(demo, tmp_path):
    openpyxl = pytest.importorskip("openpyxl")
    results = []
    for number, formula in enumerate(FORMULAS):
        project = hostile_project(tmp_path, f"{formula}-{number}", formula)
        results.append(screen(project, demo))
    lines = tmp_path / "results.jsonl"
    lines.write_text("".join(batch_json_line(r) + "\n" for r in results), encoding="utf-8")
    report = write_batch_report(load_batch(lines), demo, tmp_path / "xlsx", format="xlsx")
    book = openpyxl.load_workbook(report.path)
    cells = [cell for sheet in book.worksheets for row in sheet.iter_rows() for cell in row]
    assert not [c.coordinate for c in cells if c.data_type == "f"], "a cell was written as a formula"
    written = {c.value for c in cells if isinstance(c.value, str)}
    assert {f"{formula}-{n}" for n, formula in enumerate(FORMULAS)} <= written


def test_batch_csv_output_defuses_formulas_and_reads_back_the_same(tmp_path):
    pytest.importorskip("pyarrow")
    rows = tmp_path / "projects.csv"
    with rows.open("w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(["id", "name", "industry", "lon", "lat", "crs"])
        for number, formula in enumerate(FORMULAS[:4]):
            writer.writerow([f"{formula}{number}", formula, "C3484", "119.17", "31.12", "4490"])
    out = tmp_path / "results.csv"
    done = subprocess.run([sys.executable, "-m", "cli", "batch", str(rows), "--out", str(out)],
                          capture_output=True, text=True)
    assert done.returncode in (0, 1), done.stderr
    with out.open(encoding="utf-8-sig", newline="") as f:
        written = list(csv.DictReader(f))
    assert [r["project_id"] for r in written] == [f"'{formula}{n}" for n, formula in enumerate(FORMULAS[:4])]
    for row in written:
        assert not any(value.startswith(("=", "+", "-", "@")) for value in row.values())
    assert list(load_batch(out).rows["project_id"]) == [f"{formula}{n}" for n, formula in enumerate(FORMULAS[:4])]


def test_docstring_examples():
    import doctest

    import regional_eia.escape

    failures, tried = doctest.testmod(regional_eia.escape)
    assert tried >= 5 and failures == 0

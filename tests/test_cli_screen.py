"""The CLI through typer's runner (exit codes, stdout and stderr apart) and as an installed subprocess."""

import json
import shutil
import subprocess
import sys

import pytest
from typer.testing import CliRunner

from cli import app

from conftest import EXAMPLES, ROOT

runner = CliRunner()


def run(*args):
    return runner.invoke(app, list(args), catch_exceptions=False)


JSON_KEYS = {"project_id", "verdict", "location", "findings", "capacity", "offsets", "standards"}


@pytest.mark.parametrize("name,verdict", [
    ("xuancheng-dyeing-phase2-3", "fail"),
    ("fuyang-fine-chemicals", "conditional"),
    ("fuyang-electroplating", "fail"),
    ("guangde-water-source-site", "fail"),
    ("xuancheng-gcj02-electronics", "conditional"),
    ("langxi-equipment", "pass"),
    ("langxi-incomplete", "incomplete"),
])
def test_screen_json_contract(name, verdict):
    result = run("screen", str(EXAMPLES / f"{name}.yaml"), "--format", "json", "--on", "2027-01-01")
    assert result.exit_code == 0, result.stderr
    data = json.loads(result.stdout)
    assert JSON_KEYS <= set(data)
    assert data["verdict"] == verdict
    assert set(data["location"]) >= {"park", "control_units", "point_wgs84"}
    for finding in data["findings"]:
        assert {"code", "severity", "message", "values"} <= set(finding)
    for cap in data["capacity"]:
        assert {"metric", "unit", "basis", "cap", "committed", "reserved", "remaining", "demand",
                "remaining_after", "fits"} <= set(cap)
    for check in data["standards"]:
        assert {"pollutant", "limit", "unit", "source", "proposed", "complies"} <= set(check)


def test_screen_text_names_the_verdict_and_the_fix():
    result = run("screen", str(EXAMPLES / "xuancheng-dyeing-phase2-3.yaml"))
    assert result.exit_code == 0
    assert "FAIL" in result.stdout and "CAPACITY_EXCEEDED" in result.stdout and "60.0%" in result.stdout
    assert result.stderr == ""


def test_strict_exits_1_on_fail_only():
    assert run("screen", str(EXAMPLES / "fuyang-electroplating.yaml"), "--strict").exit_code == 1
    assert run("screen", str(EXAMPLES / "fuyang-fine-chemicals.yaml"), "--strict").exit_code == 0


def test_bad_project_is_exit_2_with_one_line_naming_file_and_field(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("id: X\nname: x\nindustry: C3484\nlocation: {crs: 4490, lon: 118.8, lat: 31}\n"
                   "wastewater: {route: indirect, flow: 500}\n", encoding="utf-8")
    result = run("screen", str(bad))
    assert result.exit_code == 2
    assert result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "bad.yaml" in lines[0] and "wastewater.flow" in lines[0] and "unit" in lines[0]
    assert "Traceback" not in result.stderr


def test_swapped_coordinates_exit_2():
    data = (EXAMPLES / "langxi-equipment.yaml").read_text(encoding="utf-8")
    result = runner.invoke(app, ["screen", "-"], input=data)  # '-' is not a file: still a clean error
    assert result.exit_code == 2 and "file not found" in result.stderr


def test_bad_catalogue_exit_2(tmp_path):
    (tmp_path / "catalog.yaml").write_text("name: x\nzones: [{id: a}]\n", encoding="utf-8")
    result = run("screen", str(EXAMPLES / "langxi-equipment.yaml"), "--catalog", str(tmp_path))
    assert result.exit_code == 2 and "catalog.yaml" in result.stderr and "zone a" in result.stderr


def test_debug_reraises(tmp_path):
    with pytest.raises(Exception):
        runner.invoke(app, ["--debug", "screen", str(tmp_path / "none.yaml")], catch_exceptions=False)


def test_usage_error_exit_2():
    assert runner.invoke(app, ["screen"]).exit_code == 2
    assert runner.invoke(app, ["screen", "x.yaml", "--format", "xml"]).exit_code == 2


@pytest.mark.parametrize("which", ["catalog", "project", "result"])
def test_schemas(which):
    result = run("schema", which)
    assert result.exit_code == 0 and json.loads(result.stdout)["type"] == "object"


def test_catalog_check_demo():
    result = run("catalog", "check", "--format", "json")
    data = json.loads(result.stdout)
    assert data["zones_by_kind"]["park"] == 3 and "GB8978-1996" in data["standards"]


def test_standards_list_and_show():
    listing = json.loads(run("standards", "list", "--format", "json").stdout)
    assert {"GB8978-1996", "GB4287-2012", "GB18918-2002", "GB21900-2008", "GB3838-2002", "GB16297-1996",
            "GB13271-2014", "GB37822-2019"} <= {row["id"] for row in listing}
    shown = json.loads(run("standards", "show", "GB 4287-2012", "--format", "json").stdout)
    cod = next(x for x in shown if x["pollutant"] == "COD" and x["table"] == "表2" and x["column"] == "direct")
    assert cod["value"] == 80 and cod["unit"] == "mg/L" and cod["applies_from"] == "2013-01-01"
    ph = next(x for x in shown if x["pollutant"] == "pH" and x["table"] == "表2")
    assert ph["value"] == [6, 9]
    cr6 = next(x for x in shown if x["pollutant"] == "Cr6" and x["table"] == "表2")
    assert cr6["value"] is None and cr6["value_text"] == "不得检出"
    text = run("standards", "show", "GB4287-2012")
    assert text.exit_code == 0 and "表2" in text.stdout


def test_standards_show_unknown_is_exit_2():
    result = run("standards", "show", "GB0000-1900")
    assert result.exit_code == 2 and "no standard" in result.stderr


def test_standards_lookup_with_zone():
    rows = json.loads(run("standards", "lookup", "--industry", "C1713", "--route", "indirect", "--zone",
                          "xuancheng-hitech", "--format", "json", "--on", "2027-01-01").stdout)
    cod = next(r for r in rows if r["pollutant"] == "COD")
    assert cod["value"] == 200 and cod["standard"] == "GB 4287-2012" and cod["table"] == "表2"
    assert any("GB 4287-2012 covers C1713" in r for r in cod["reasons"])
    assert {"pollutant", "value", "unit", "standard", "table", "column", "reasons"} <= set(cod)


def test_standards_lookup_forbidden_outfall_is_exit_2():
    result = run("standards", "lookup", "--industry", "C3484", "--route", "direct", "--receiving-class", "II")
    assert result.exit_code == 2 and "4.1.5" in result.stderr


@pytest.mark.skipif(shutil.which("regional-eia") is None, reason="console script not installed")
def test_installed_entry_point_subprocess():
    done = subprocess.run(["regional-eia", "screen", str(EXAMPLES / "langxi-equipment.yaml"), "--format", "json"],
                          capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["verdict"] == "pass"


def test_module_subprocess_bad_input_exit_2(tmp_path):
    done = subprocess.run([sys.executable, "-m", "cli", "screen", str(tmp_path / "missing.yaml")],
                          capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert done.returncode == 2 and "file not found" in done.stderr and done.stdout == ""


# --- one catalogue of messages, chosen with --lang -----------------------------------------------------

_ENGLISH = __import__("re").compile(r"\b[A-Za-z]{3,}\s+[a-z]{2,}\s+[a-z]{2,}\b")  # three English words in a row


@pytest.mark.parametrize("name", sorted(p.stem for p in EXAMPLES.glob("*.yaml")))
def test_screen_in_chinese_prints_no_english_sentence(name):
    result = runner.invoke(app, ["screen", str(EXAMPLES / f"{name}.yaml"), "--lang", "zh", "--on", "2027-01-01"],
                           catch_exceptions=False, terminal_width=200)
    assert result.exit_code == 0
    # what is not a sentence: codes, field paths, citations and the demo's own bilingual names
    text = result.stdout.replace("(demo)", "")
    english = [line for line in text.splitlines() if _ENGLISH.search(line)]
    assert not english, english


def test_lang_defaults_to_the_locale_and_keeps_codes_and_values():
    path = str(EXAMPLES / "fuyang-fine-chemicals.yaml")
    zh = runner.invoke(app, ["screen", path, "--format", "json", "--on", "2027-01-01"], env={"REGIONAL_EIA_LANG": "",
                       "LANGUAGE": "", "LC_ALL": "", "LC_MESSAGES": "", "LANG": "zh_CN.UTF-8"})
    en = run("screen", path, "--format", "json", "--on", "2027-01-01", "--lang", "en")
    zh, en = json.loads(zh.stdout), json.loads(en.stdout)
    assert zh["lang"] == "zh" and en["lang"] == "en"
    assert [(f["code"], f["values"]) for f in zh["findings"]] == [(f["code"], f["values"]) for f in en["findings"]]
    assert zh["findings"][0]["message"] != en["findings"][0]["message"]


def test_batch_main_reason_in_the_chosen_language(tmp_path):
    import csv

    rows = tmp_path / "in.csv"
    rows.write_text("id,industry,lon,lat,crs\nA,C3484,117.0,31.5,4490\n", encoding="utf-8")
    for words, expected in (("zh", "项目选址不在目录内任何园区"), ("en", "the site lies in no park")):
        out = tmp_path / f"{words}.csv"
        result = runner.invoke(app, ["batch", str(rows), "--out", str(out), "--lang", words, "--on", "2027-01-01"])
        assert result.exit_code == 0, result.output
        row = next(csv.DictReader(out.open(encoding="utf-8-sig")))
        assert row["main_code"] == "OUTSIDE_PARK" and row["main_reason"].startswith(expected)

"""The fuzz suite of issue 16 ("keep it fixed"), on a bounded budget; ``tools/fuzz.py`` runs a larger one.

The harness, payloads and oracle are in :mod:`fuzzing`. Each test asserts after every case, so that
hypothesis shrinks a failure to the smallest file that shows it. Runs are derandomised (the same cases
every run, no example database) unless ``FUZZ_RANDOM=1``; ``FUZZ_SCALE=N`` multiplies the budget.
"""

from __future__ import annotations

import copy
import json
import os
import shutil
import tempfile
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import fuzzing
from fuzzing import TALLY, CLITarget, judge

from conftest import write_catalog

SCALE = fuzzing.env_scale()
RANDOM = os.environ.get("FUZZ_RANDOM") == "1"


def budget(examples: int):
    return settings(max_examples=examples * SCALE, deadline=None, derandomize=not RANDOM, database=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                           HealthCheck.function_scoped_fixture])


@pytest.fixture(scope="module")
def workdir():
    folder = Path(tempfile.mkdtemp(prefix="fuzz-"))
    yield folder
    shutil.rmtree(folder, ignore_errors=True)
    if os.environ.get("FUZZ_TALLY"):
        Path(os.environ["FUZZ_TALLY"]).write_text(json.dumps(TALLY.as_json(), indent=1), encoding="utf-8")


@pytest.fixture(scope="module")
def cli():
    return CLITarget()


@pytest.fixture(scope="module")
def baselines(workdir, cli):
    """The verdict of every unmutated example: what meaning-preserving mutations must reproduce."""
    out = {}
    for name in fuzzing.EXAMPLE_NAMES:
        outcome = cli.submit_project(fuzzing.EXAMPLES / f"{name}.yaml")
        assert outcome.kind == "verdict", outcome
        out[name] = outcome
    return out


def case_file(workdir: Path, file_name: str, text: str) -> Path:
    folder = Path(tempfile.mkdtemp(dir=workdir))
    path = folder / file_name
    path.write_text(text, encoding="utf-8")
    return path


def assert_no_new_failure(bad_before: int) -> None:
    assert TALLY.bad() == bad_before, TALLY.failures[-1]


# --- projects -------------------------------------------------------------------------------------------

def run_project_case(workdir, cli, case, expect: str, baseline=None) -> None:
    name, file_name, text, what = case
    bad = TALLY.bad()
    path = case_file(workdir, file_name, text)
    judge(cli.submit_project(path), path, expect=expect, baseline=baseline, what=what)
    assert_no_new_failure(bad)


@budget(40)
@given(case=fuzzing.meaning_preserving())
def test_project_said_another_way_keeps_its_verdict(workdir, cli, baselines, case):
    run_project_case(workdir, cli, case, "same", baselines[case[0]])


@budget(40)
@given(case=fuzzing.must_refuse())
def test_project_that_cannot_be_is_refused_in_one_line(workdir, cli, case):
    run_project_case(workdir, cli, case, "error")


@budget(60)
@given(case=fuzzing.anything())
def test_any_project_mutation_gives_a_verdict_or_one_line(workdir, cli, case):
    run_project_case(workdir, cli, case, "any")


@budget(15)
@given(data=st.binary(max_size=300), suffix=st.sampled_from([".yaml", ".json"]))
def test_project_of_random_bytes(workdir, cli, data, suffix):
    bad = TALLY.bad()
    folder = Path(tempfile.mkdtemp(dir=workdir))
    path = folder / f"bytes{suffix}"
    path.write_bytes(data)
    judge(cli.submit_project(path), path, expect="any", what="random bytes")
    assert_no_new_failure(bad)


# --- catalogues -----------------------------------------------------------------------------------------

CATALOG_FIGURES = [
    ("caps.0.value", lambda park: park["caps"][0], "value"),
    ("caps.0.committed", lambda park: park["caps"][0], "committed"),
    ("caps.1.reserved", lambda park: park["caps"][1], "reserved"),
    ("wwtp.capacity", lambda park: park["wwtp"], "capacity"),
    ("wwtp.built", lambda park: park["wwtp"], "built"),
    ("wwtp.effluent_class", lambda park: park["wwtp"], "effluent_class"),
]
NOT_A_CATALOG_VALUE = fuzzing.NOT_A_FIGURE + ["2016-02-30", "1C", "-5"]


@pytest.fixture(scope="module")
def catalog_template(workdir):
    folder = write_catalog(workdir / "catalog-template")
    return folder, yaml.safe_load((folder / "catalog.yaml").read_text(encoding="utf-8"))


def catalog_case(workdir: Path, template, spec_text: str) -> Path:
    source, _ = template
    folder = Path(tempfile.mkdtemp(dir=workdir))
    shutil.copy(source / "zones.gpkg", folder / "zones.gpkg")
    (folder / "catalog.yaml").write_text(spec_text, encoding="utf-8")
    return folder / "catalog.yaml"


@budget(12)
@given(figure=st.sampled_from(CATALOG_FIGURES), raw=st.sampled_from(NOT_A_CATALOG_VALUE))
def test_catalogue_figure_that_cannot_be_is_refused(workdir, cli, catalog_template, figure, raw):
    where, locate, key = figure
    if key == "effluent_class" and raw in ("no", "off", "false", "yes", "on", "true"):
        return  # text that happens to be a class name is not nonsense for a class; skip
    if key == "built" and raw not in ("2016-02-30", "yes", "9" * 5001, ".inf", "1e309", "[1, 2]", "{a: 1}"):
        return
    bad = TALLY.bad()
    spec = json.loads(json.dumps(catalog_template[1]))
    locate(spec["zones"][0]["park"])[key] = "__RAW__"
    text = yaml.safe_dump(spec, allow_unicode=True).replace("__RAW__", raw)
    path = catalog_case(workdir, catalog_template, text)
    judge(cli.submit_catalog(path.parent), path, expect="error", what=f"park.{where}={raw[:20]}")
    assert_no_new_failure(bad)


@budget(6)
@given(name=st.sampled_from(fuzzing.HOSTILE_TEXT))
def test_catalogue_with_hostile_names_loads(workdir, cli, catalog_template, name):
    bad = TALLY.bad()
    spec = json.loads(json.dumps(catalog_template[1]))
    spec["name"] = name
    spec["zones"][0]["name"] = name
    path = catalog_case(workdir, catalog_template, yaml.safe_dump(spec, allow_unicode=True))
    outcome = cli.submit_catalog(path.parent)
    judge(outcome, path, expect="any", what=f"name={name[:20]}")
    if outcome.kind == "error":
        TALLY.record("silent_wrong_verdicts", f"a hostile name refused a good catalogue: {outcome.message[:200]}")
    assert_no_new_failure(bad)


# --- batches --------------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def batch_catalog(workdir):
    return write_catalog(workdir / "batch-catalog")


@pytest.fixture(scope="module")
def batch_baseline(workdir, batch_catalog):
    """The verdict of each template row on its own."""
    target = CLITarget(batch_catalog)
    path = workdir / "baseline.csv"
    fuzzing.write_csv(path, fuzzing.BATCH_HEADER, fuzzing.BATCH_ROWS)
    out = workdir / "baseline-out.csv"
    assert target.submit_batch(path, out).kind == "verdict"
    import pandas as pd

    return list(pd.read_csv(out, dtype=str, keep_default_na=False)["verdict"])


@budget(10)
@given(case=fuzzing.batch_rows())
def test_batch_keeps_every_row_and_refuses_what_cannot_be(workdir, batch_catalog, batch_baseline, case):
    import pandas as pd

    rows, expects = case
    bad = TALLY.bad()
    folder = Path(tempfile.mkdtemp(dir=workdir))
    path, out = folder / "in.csv", folder / "out.csv"
    fuzzing.write_csv(path, fuzzing.BATCH_HEADER, rows)
    outcome = CLITarget(batch_catalog).submit_batch(path, out)
    TALLY.cases += 1
    if outcome.kind in ("traceback", "hang"):
        TALLY.record("tracebacks" if outcome.kind == "traceback" else "hangs", outcome.message)
    elif outcome.kind == "error":
        if not fuzzing.is_clean_error(outcome, path):
            TALLY.record("unclear_errors", outcome.message[:300])
        else:
            TALLY.record("clean_errors")
    else:
        result = pd.read_csv(out, dtype=str, keep_default_na=False)
        ids = [fuzzing.defused_back(i) for i in result["project_id"]]
        if len(result) != len(rows) or list(result["row"]) != [str(n) for n in range(1, len(rows) + 1)]:
            TALLY.record("dropped_rows", f"{len(rows)} rows in, {len(result)} out: {ids}")
        for number, (expect, (_, row)) in enumerate(zip(expects, result.iterrows())):
            kind, template = expect.split(":")
            TALLY.rows_checked += 1
            if kind == "error" and row["verdict"] != "error":
                TALLY.record("silent_wrong_verdicts", f"row {number + 1} {rows[number]}: {row['verdict']}")
            elif kind == "same" and row["verdict"] != batch_baseline[int(template)]:
                TALLY.record("silent_wrong_verdicts", f"row {number + 1} {rows[number]}: {row['verdict']} "
                                                      f"where the template gives {batch_baseline[int(template)]}")
            elif kind == "same":
                TALLY.verdicts_checked += 1
        fuzzing.check_csv_cells(out, "batch output")
    assert_no_new_failure(bad)


# --- report outputs of hostile batches ------------------------------------------------------------------

@budget(3)
@given(name=st.sampled_from(fuzzing.HOSTILE_TEXT[:12]), format=st.sampled_from(["md", "html", "xlsx"]))
def test_batch_report_keeps_hostile_text_as_text(workdir, batch_catalog, name, format):
    pytest.importorskip("jinja2")
    pytest.importorskip("matplotlib")
    pytest.importorskip("openpyxl")
    bad = TALLY.bad()
    folder = Path(tempfile.mkdtemp(dir=workdir))
    rows = [[name if i == 0 else r[0], name, *r[2:]] for i, r in enumerate(fuzzing.BATCH_ROWS)]
    path, out = folder / "in.csv", folder / "out.csv"
    fuzzing.write_csv(path, fuzzing.BATCH_HEADER, rows)
    target = CLITarget(batch_catalog)
    assert target.submit_batch(path, out).kind == "verdict"
    outcome = target.submit_batch_report(out, folder / "report", format)
    judge(outcome, out, expect="any", what=f"report --batch {format} name={name[:20]}")
    if outcome.kind == "verdict":
        fuzzing.check_report(folder / "report", format, name)
    assert_no_new_failure(bad)


def test_the_oracle_can_fail(tmp_path):
    """The checks are not vacuous: raw payloads are caught, escaped ones are not."""
    from markdown_it import MarkdownIt

    assert fuzzing.active_content("<p><img src=x onerror=pwned4()></p>")
    assert fuzzing.active_content('<a href="javascript:pwned5()">x</a>')
    assert fuzzing.active_content(MarkdownIt("commonmark", {"html": True}).render("evil\n# Injected heading\n"))
    assert not fuzzing.active_content("<p>&lt;img src=x onerror=pwned4()&gt; <code>&lt;script&gt;</code></p>")
    saved = copy.deepcopy(TALLY)
    try:
        path = tmp_path / "p.yaml"
        judge(fuzzing.Outcome("verdict", "pass"), path, expect="error")
        judge(fuzzing.Outcome("error", message="Traceback (most recent call last):\n  ..."), path, expect="any")
        judge(fuzzing.Outcome("verdict", "pass", ("A",)), path, expect="same",
              baseline=fuzzing.Outcome("verdict", "fail", ("A",)))
        assert (TALLY.silent_wrong_verdicts - saved.silent_wrong_verdicts, TALLY.unclear_errors - saved.unclear_errors) == (2, 1)
    finally:
        for key, value in vars(saved).items():
            setattr(TALLY, key, value)


def test_tally_has_no_failures():
    """Runs last in this module: the counts the closing note quotes."""
    assert TALLY.bad() == 0, TALLY.failures

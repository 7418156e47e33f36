"""The fuzz suite of issue 16 against the web service: the company-facing endpoints (pre-screening form
and upload, question form, the private token pages, the JSON API) through FastAPI's TestClient on
127.0.0.1. Never a 500, every page free of active content the input could add, and the project
oracle of :mod:`fuzzing` for uploads (a meaning-preserving mutation keeps the service's verdict, an
impossible figure is refused naming the upload). Bounded like ``test_fuzz.py``; ``tools/fuzz.py`` runs
both with a larger budget and prints one tally.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

pytest.importorskip("fastapi")

import fuzzing  # noqa: E402
from fuzzing import TALLY, ServiceTarget, check_page, judge  # noqa: E402
from service.service_support import DYEING_FORM  # noqa: E402
from test_fuzz import budget, case_file  # noqa: E402

FORM = DYEING_FORM  # the demo dyeing project as the form gives it
QUESTION = {"topic": "water", "question": "排放标准适用哪一个？", "company": "某公司（演示）", "contact_name": "王"}


@pytest.fixture(scope="module")
def workdir():
    folder = Path(tempfile.mkdtemp(prefix="fuzz-service-"))
    before = TALLY.as_json()  # what test_fuzz.py (the command line) counted before, in the same run
    yield folder
    shutil.rmtree(folder, ignore_errors=True)
    if os.environ.get("FUZZ_TALLY"):  # the tally of both, with the service's share apart
        data = TALLY.as_json()
        data["service"] = {k: v - before[k] for k, v in data.items() if isinstance(v, (int, float)) and k in before}
        Path(os.environ["FUZZ_TALLY"]).write_text(json.dumps(data, indent=1), encoding="utf-8")


@pytest.fixture(scope="module")
def service(workdir, demo):
    from fastapi.testclient import TestClient

    from regional_eia.ledger import open_ledger
    from regional_eia.service import Settings, create_app

    ledger = workdir / "ledger.sqlite"
    open_ledger(ledger, demo, create=True).close()
    settings = Settings(db=f"sqlite:///{workdir / 'channel.sqlite'}", ledger=str(ledger),
                        screen_rate="1000000/minute", question_rate="1000000/minute", login_rate="1000000/minute")
    with TestClient(create_app(settings, catalog=demo), base_url="http://127.0.0.1",
                    raise_server_exceptions=False) as client:
        yield ServiceTarget(client)


@pytest.fixture(scope="module")
def baselines(service):
    """The service's verdict for every unmutated example (its date and ledger, not the CLI's)."""
    out = {}
    for name in fuzzing.EXAMPLE_NAMES:
        outcome = service.submit_project(fuzzing.EXAMPLES / f"{name}.yaml")
        assert outcome.kind == "verdict", outcome
        out[name] = outcome
    return out


def never_500(response, what: str) -> bool:
    TALLY.cases += 1
    if response.status_code >= 500:
        TALLY.record("server_errors", f"{what}: {response.status_code} {fuzzing.page_errors(response.text)[:1]}")
        return False
    return True


def assert_no_new_failure(bad_before: int) -> None:
    assert TALLY.bad() == bad_before, TALLY.failures[-1]


# --- uploads: the project oracle ------------------------------------------------------------------------

def run_upload(workdir, service, case, expect: str, baseline=None) -> None:
    name, file_name, text, what = case
    bad = TALLY.bad()
    path = case_file(workdir, file_name, text)
    judge(service.submit_project(path), path, expect=expect, baseline=baseline, what=f"service upload {what}")
    assert_no_new_failure(bad)


@budget(15)
@given(case=fuzzing.meaning_preserving())
def test_upload_said_another_way_keeps_its_verdict(workdir, service, baselines, case):
    run_upload(workdir, service, case, "same", baselines[case[0]])


@budget(20)
@given(case=fuzzing.must_refuse())
def test_upload_that_cannot_be_is_refused_naming_it(workdir, service, case):
    run_upload(workdir, service, case, "error")


@budget(20)
@given(case=fuzzing.anything())
def test_any_upload_gives_a_verdict_or_an_error_page(workdir, service, case):
    run_upload(workdir, service, case, "any")


@budget(10)
@given(data=st.binary(max_size=300), suffix=st.sampled_from([".yaml", ".json", ".csv", ".xlsx", ".txt", ""]))
def test_upload_of_random_bytes(workdir, service, data, suffix):
    bad = TALLY.bad()
    path = Path(tempfile.mkdtemp(dir=workdir)) / f"bytes{suffix}"
    path.write_bytes(data)
    outcome = service.submit_project(path)
    if outcome.kind == "error" and not suffix:
        outcome.message = outcome.message.replace("upload bytes", f"upload {path.name}")
    judge(outcome, path, expect="any", what="service random bytes")
    assert_no_new_failure(bad)


# --- the pre-screening form ----------------------------------------------------------------------------

FORM_VALUES = st.one_of(st.sampled_from(fuzzing.HOSTILE_TEXT + fuzzing.NOT_A_FIGURE + fuzzing.NOT_A_CLASS
                                        + fuzzing.BATCH_NOT_A_FIGURE + fuzzing.STRUCTURAL),
                        st.text(max_size=40))


def post_form(service, path: str, data: dict, what: str, payload: str, follow: tuple[str, ...]) -> None:
    """POST a form: a 303 is followed to each page of its private link (``follow``: suffixes of the link),
    a 4xx is the form again with its errors; every page is checked, a 500 or another status counted."""
    response = service.request("POST", path, data=data)
    if not never_500(response, what):
        return
    if response.status_code == 303:
        link = response.headers["location"]
        for suffix in follow:
            page = service.request("GET", link + suffix)
            if never_500(page, f"{what} GET {link}{suffix}") and not suffix.endswith(".json"):
                check_page(page.text, f"page {suffix or 'link'} after {what}", payload)
        TALLY.record("other_verdicts")
    elif response.status_code in (400, 404, 413, 422):
        check_page(response.text, f"form after {what}", payload)
        TALLY.record("clean_errors")
    else:
        TALLY.record("tracebacks", f"{what}: unexpected status {response.status_code}")


@budget(30)
@given(changes=st.dictionaries(st.sampled_from([*FORM, "processes", "credit_code", "lang", "eff_pollutant_2",
                                                 "eff_value_2", "eff_unit_2", "new_outfall", "receiving_water_class"]),
                               FORM_VALUES, min_size=1, max_size=4))
def test_form_with_any_field_changed_never_500_and_every_page_escaped(service, changes):
    bad = TALLY.bad()
    post_form(service, "/screen", {**FORM, **changes, "csrf_token": service.token()}, f"form {sorted(changes)}",
              " ".join(changes.values()), ("", "/report.html", "/result.json"))
    assert_no_new_failure(bad)


def test_hostile_company_and_project_names_are_shown_as_text(service):
    """Each payload as the company and project name: the result page and the report show it escaped."""
    bad = TALLY.bad()
    for payload in fuzzing.HOSTILE_TEXT:
        if len(payload) > 200:
            continue
        response = service.request("POST", "/screen", data={**FORM, "company": payload, "project_name": payload,
                                                            "csrf_token": service.token()})
        assert never_500(response, f"names {payload[:30]!r}")
        if response.status_code != 303:
            continue
        page = service.request("GET", response.headers["location"])  # the report, in the result bar's page
        assert never_500(page, "result page")
        check_page(page.text, f"result page for names {payload[:30]!r}", payload)
        if "<script>" in payload:
            assert "</script><script>pwned3()" not in page.text
        TALLY.record("other_verdicts")
    assert_no_new_failure(bad)


# --- questions and the private token pages ------------------------------------------------------------

@budget(20)
@given(changes=st.dictionaries(st.sampled_from([*QUESTION, "screening", "contact", "email", "phone", "park"]),
                               FORM_VALUES, min_size=1, max_size=3))
def test_question_form_never_500_and_its_page_escaped(service, changes):
    bad = TALLY.bad()
    post_form(service, "/ask", {**QUESTION, **changes, "csrf_token": service.token()}, f"question {sorted(changes)}",
              " ".join(changes.values()), ("",))
    assert_no_new_failure(bad)


TOKENS = st.one_of(st.sampled_from(["", "x", "../../etc/passwd", "%2e%2e%2f", "a" * 5000, "<script>pwned()</script>",
                                    "' OR 1=1 --", "%00", "\u202e", "名称", "..", "~", "$(id)"]),
                   st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=60))


@budget(25)
@given(token=TOKENS, page=st.sampled_from(["/s/{}", "/s/{}/report.html", "/s/{}/result.json", "/q/{}",
                                           "/q/{}/report.html", "/ask?screening={}", "/api/questions/{}"]))
def test_token_pages_of_any_token_are_404_never_500_and_echo_nothing_live(service, token, page):
    from urllib.parse import quote

    bad = TALLY.bad()
    url = page.format(quote(token, safe=""))
    response = service.request("GET", url)
    if never_500(response, f"GET {url[:80]}"):
        if response.status_code in (200, 404, 422):
            if "json" not in response.headers.get("content-type", ""):
                check_page(response.text, f"token page {page}", token)
            TALLY.record("clean_errors")
        elif response.status_code not in (307, 308):
            TALLY.record("tracebacks", f"GET {url[:80]}: unexpected status {response.status_code}")
    assert_no_new_failure(bad)


# --- the JSON API the online form's scripts and integrators use -----------------------------------------

@budget(20)
@given(case=fuzzing.anything(), wrap=st.booleans())
def test_api_screen_of_any_project_never_500(service, case, wrap):
    import yaml

    bad = TALLY.bad()
    _, _, text, what = case
    try:
        data = yaml.safe_load(text)
    except (yaml.YAMLError, ValueError):  # ValueError: an integer of 5,001 digits
        data = text
    try:
        body = json.dumps({"project": data} if wrap else data, default=str, allow_nan=True)
    except (TypeError, ValueError):
        body = text
    response = service.request("POST", "/api/screen", content=body.encode("utf-8"),
                               headers={"content-type": "application/json"})
    if never_500(response, f"api {what}"):
        if response.status_code == 200:
            TALLY.record("other_verdicts")
        elif 400 <= response.status_code < 500:
            detail = response.json().get("detail") if "json" in response.headers.get("content-type", "") else None
            assert detail, response.text[:200]
            TALLY.record("clean_errors")
        else:
            TALLY.record("tracebacks", f"api {what}: unexpected status {response.status_code}")
    assert_no_new_failure(bad)

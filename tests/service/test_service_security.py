"""Reliability and security: oversized bodies, CSRF, rate limits, escaping of every text field, one
company's link showing nothing of another's, tokens kept only as hashes, headers."""

from __future__ import annotations

import re
from pathlib import Path

from sqlalchemy import select

from regional_eia.service import Settings

from .service_support import DYEING_FORM, EXAMPLES, add_user, api_project, csrf_of, form_screen, log_in, make_client

SCRIPT = '<script>alert("x")</script><img src=x onerror=alert(1)>'


def test_oversized_bodies_are_refused_before_they_are_read(settings, demo):
    small = Settings(**{**settings.model_dump(), "max_body_bytes": 5_000})
    with make_client(small, demo) as client:
        token = csrf_of(client.get("/").text)
        big = client.post("/screen", data={"csrf_token": token, "company": "x"},
                          files={"upload": ("p.yaml", b"#" * 20_000)})
        assert big.status_code == 413 and "5,000 bytes" in big.text
        api = client.post("/api/screen", content=b"{" + b" " * 10_000 + b"}",
                          headers={"content-type": "application/json"})
        assert api.status_code == 413 and api.json()["detail"][0]["message"].startswith("the request body")

        def chunks():
            for _ in range(10):
                yield b" " * 1_000

        chunked = client.post("/api/questions", content=chunks(), headers={"content-type": "application/json"})
        assert chunked.status_code == 413
        with client.app.state.channel.sessions() as db:
            from regional_eia.service.models import Screening

            assert db.query(Screening).count() == 0


def test_forms_without_the_csrf_token_change_nothing(client):
    client.get("/")
    for path, data in (("/screen", DYEING_FORM), ("/ask", {"topic": "water", "question": "hello there",
                                                          "company": "某公司", "contact_name": "王"}),
                       ("/login", {"username": "x", "password": "y"}), ("/logout", {})):
        for token in (None, "forged-token"):
            body = dict(data) if token is None else {**data, "csrf_token": token}
            response = client.post(path, data=body, follow_redirects=False)
            assert response.status_code == 403, path
            assert "security token" in response.text
    with client.app.state.channel.sessions() as db:
        from regional_eia.service.models import Question, Screening

        assert db.query(Screening).count() == 0 and db.query(Question).count() == 0


def test_staff_forms_need_the_csrf_token_too(client):
    form_screen(client)
    add_user(client, "zhao")
    log_in(client, "zhao")
    response = client.post("/staff/screenings/1/ledger", data={"kind": "reserve", "reason": "x"})
    assert response.status_code == 403


def test_public_forms_are_rate_limited(settings, demo):
    limited = Settings(**{**settings.model_dump(), "screen_rate": "2/minute", "question_rate": "1/minute",
                          "login_rate": "2/minute"})
    with make_client(limited, demo) as client:
        assert form_screen(client).status_code == 303
        assert client.post("/api/screen", json={"project": api_project()}).status_code == 200
        third = form_screen(client)
        assert third.status_code == 429 and third.headers["retry-after"] == "60"
        assert client.post("/api/screen", json={"project": api_project()}).status_code == 429
        question = {"topic": "water", "question": "排放标准？", "company": "某公司", "contact_name": "王"}
        assert client.post("/api/questions", json=question).status_code == 201
        assert client.post("/api/questions", json=question).status_code == 429
        token = csrf_of(client.get("/login").text)
        for expected in (401, 401, 429):
            response = client.post("/login", data={"csrf_token": token, "username": "a", "password": "b"})
            assert response.status_code == expected


def test_html_and_script_in_every_text_field_is_escaped(client):
    response = form_screen(client, company="公司" + SCRIPT, project_name="项目" + SCRIPT, project_code="P<b>1</b>")
    assert response.status_code == 303
    link = response.headers["location"]
    page = client.get(link).text
    assert SCRIPT not in page and "&lt;script&gt;" in page
    token = csrf_of(page)
    asked = client.post("/ask", data={"csrf_token": token, "screening": link.split("/")[-1], "topic": "other",
                                      "company": "公司" + SCRIPT, "contact_name": "王" + SCRIPT,
                                      "contact_phone": "0563-1234567", "question": "问题" + SCRIPT},
                        follow_redirects=False)
    assert asked.status_code == 303
    private = client.get(asked.headers["location"]).text
    assert SCRIPT not in private and "问题&lt;script&gt;" in private
    add_user(client, "zhao", display_name="赵" + SCRIPT)
    staff_token = log_in(client, "zhao")
    for path in ("/staff", "/staff/questions/1", "/staff/companies", "/staff/companies/1", "/staff/screenings/1",
                 "/staff/counts"):
        html = client.get(path).text
        assert SCRIPT not in html, path
    client.post("/staff/questions/1/answer", data={"csrf_token": staff_token, "answer": "答复" + SCRIPT,
                                                   "citations": "依据" + SCRIPT})
    private = client.get(asked.headers["location"]).text
    assert SCRIPT not in private and "答复&lt;script&gt;" in private and "依据&lt;script&gt;" in private
    bad = form_screen(client, flow="<script>1</script>")
    assert bad.status_code == 422 and "<script>1</script>" not in bad.text


def test_a_company_link_shows_only_its_own_question(client):
    token = csrf_of(client.get("/ask").text)
    links = []
    for company, text in (("甲公司", "甲的问题：废水去向"), ("乙公司", "乙的问题：废气排放")):
        response = client.post("/ask", data={"csrf_token": token, "topic": "water", "company": company,
                                             "contact_name": "联系人", "contact_email": f"{company}@example.cn",
                                             "question": text}, follow_redirects=False)
        links.append(response.headers["location"])
    first, second = (client.get(link).text for link in links)
    assert "甲的问题" in first and "乙" not in first and "乙公司@example.cn" not in first
    assert "乙的问题" in second and "甲" not in second
    assert "@example.cn" not in first  # not even its own contact details are on the link
    assert client.get(links[0][:-2] + "xx").status_code == 404
    assert client.get("/q/1").status_code == 404  # not by number


def test_tokens_and_passwords_are_stored_only_as_hashes(client):
    link = form_screen(client).headers["location"]
    add_user(client, "zhao")
    log_in(client, "zhao")
    token = link.split("/")[-1]
    cookie = client.cookies.get("reia_session")
    with client.app.state.channel.sessions() as db:
        from regional_eia.service.models import AuthSession, Screening, User

        screening = db.scalar(select(Screening))
        assert screening.token_hash != token and len(screening.token_hash) == 64
        assert db.scalar(select(AuthSession)).token_hash != cookie
        assert db.scalar(select(User)).password_hash.startswith("$argon2id$")


def test_public_results_do_not_show_server_paths(client, settings):
    link = form_screen(client).headers["location"]
    text = client.get(link + "/result.json").text
    assert "ledger.sqlite" in text and str(Path(settings.ledger).parent) not in text


def test_security_headers(client):
    response = client.get("/")
    assert response.headers["x-frame-options"] == "DENY"
    assert response.headers["referrer-policy"] == "no-referrer"
    assert "script-src 'self'" in response.headers["content-security-policy"]
    assert response.headers["x-content-type-options"] == "nosniff"


def test_unknown_pages_and_methods_are_not_500(client):
    assert client.get("/nope").status_code == 404
    assert client.get("/api/nope").json()["detail"][0]["message"] == "Not Found"
    assert client.put("/api/screen", json={}).status_code == 405
    assert client.get("/s/" + "a" * 43).status_code == 404
    assert client.get("/s/" + "a" * 43 + "/result.json").status_code == 404


def test_a_submitted_project_keeps_the_companys_own_project_code(client):
    text = (EXAMPLES / "xuancheng-dyeing-phase2-3.yaml").read_text(encoding="utf-8")
    assert "XC-2027-014" in text
    response = form_screen(client, project_code="XC-2027-014")
    data = client.get(response.headers["location"] + "/result.json").json()
    assert data["project_id"] == "XC-2027-014"
    generated = client.get(form_screen(client).headers["location"] + "/result.json").json()["project_id"]
    assert re.fullmatch(r"WEB-\d{8}-\d{5}", generated)

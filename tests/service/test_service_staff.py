"""The staff side through the ASGI client: login, the queue, assigning and answering with citations,
face-to-face sessions, 一企一账, counts with their xlsx export, and the ledger from an application."""

from __future__ import annotations

import datetime as dt
import io
import re

import openpyxl

from .service_support import DYEING_FORM, EXAMPLES, PASSWORD, add_user, csrf_of, form_screen, log_in


def _question(client, topic="capacity", company=DYEING_FORM["company"], text="二、三期如何才能进园？", screening=True):
    token = ""
    if screening:
        token = form_screen(client, company=company).headers["location"].split("/")[-1]
    csrf = csrf_of(client.get("/ask").text)
    response = client.post("/ask", data={"csrf_token": csrf, "screening": token, "topic": topic, "company": company,
                                         "contact_name": "王工", "question": text}, follow_redirects=False)
    assert response.status_code == 303, response.text
    return response.headers["location"]


def _question_id(client, text: str) -> int:
    queue = client.get("/staff?status=all").text
    match = re.search(r'<a href="/staff/questions/(\d+)">' + re.escape(text[:20]), queue)
    assert match, queue
    return int(match.group(1))


def test_staff_pages_need_a_login(client):
    for path in ("/staff", "/staff/questions/1", "/staff/companies", "/staff/companies/1", "/staff/meetings",
                 "/staff/counts", "/staff/counts.xlsx", "/staff/users", "/staff/screenings/1",
                 "/staff/screenings/1/report.html"):
        response = client.get(path, follow_redirects=False)
        assert response.status_code == 303 and response.headers["location"].startswith("/login"), path
    token = csrf_of(client.get("/").text)
    for path in ("/staff/questions/1/answer", "/staff/questions/1/assign", "/staff/questions/1/close",
                 "/staff/questions/1/meeting", "/staff/screenings/1/ledger", "/staff/meetings", "/staff/users"):
        response = client.post(path, data={"csrf_token": token}, follow_redirects=False)
        assert response.status_code == 303 and response.headers["location"].startswith("/login"), path


def test_login_refuses_a_wrong_password_and_sets_a_strict_cookie(client):
    add_user(client, "li")
    token = csrf_of(client.get("/login").text)
    wrong = client.post("/login", data={"csrf_token": token, "username": "li", "password": "not the password"})
    assert wrong.status_code == 401 and "不正确" in wrong.text
    nobody = client.post("/login", data={"csrf_token": token, "username": "nobody", "password": PASSWORD})
    assert nobody.status_code == 401
    ok = client.post("/login", data={"csrf_token": token, "username": "li", "password": PASSWORD,
                                     "next": "//evil.example/x"}, follow_redirects=False)
    assert ok.status_code == 303 and ok.headers["location"] == "/staff"  # no open redirect
    cookie = ok.headers["set-cookie"]
    assert "reia_session=" in cookie and "HttpOnly" in cookie and "samesite=lax" in cookie.lower()
    assert client.get("/staff").status_code == 200
    out = client.post("/logout", data={"csrf_token": token}, follow_redirects=False)
    assert out.status_code == 303
    assert client.get("/staff", follow_redirects=False).status_code == 303


def test_the_whole_round_a_question_routed_assigned_answered_with_citations_and_closed(client):
    private = _question(client)
    add_user(client, "zhao", display_name="赵敏")
    add_user(client, "wang", display_name="王丽")
    token = log_in(client, "zhao")
    queue = client.get("/staff")
    assert "二、三期如何才能进园？" in queue.text and "总量控制与排污许可处" in queue.text
    assert "CAPACITY_EXCEEDED" in queue.text
    qid = _question_id(client, "二、三期如何才能进园？")
    detail = client.get(f"/staff/questions/{qid}")
    assert "分办依据" in detail.text and "a park cap is exceeded" in detail.text
    assert "1,200" in detail.text  # the screening is in hand
    cite = re.search(r'name="cite" value="([^"]+)"', detail.text).group(1)

    moved = client.post(f"/staff/questions/{qid}/assign", data={"csrf_token": token, "assignee": "wang",
                                                                  "office": "water"}, follow_redirects=False)
    assert moved.status_code == 303
    assert client.get(private).text.count('data-status="assigned"') == 1
    none = client.post(f"/staff/questions/{qid}/answer", data={"csrf_token": token, "answer": "可以。"})
    assert none.status_code == 422 and "cite" in none.text  # an answer needs its citations
    answered = client.post(f"/staff/questions/{qid}/answer", data={
        "csrf_token": token, "answer": "园区废水总量剩余1,200 m3/d；回用率达60%方可进园。",
        "cite": [cite], "citations": "GB 4287-2012 表2 间接排放\n宣环函〔2027〕12号"}, follow_redirects=False)
    assert answered.status_code == 303
    page = client.get(private).text
    assert "回用率达60%方可进园" in page and "宣环函〔2027〕12号" in page and cite in page
    assert 'data-status="answered"' in page
    assert client.post(f"/staff/questions/{qid}/close", data={"csrf_token": token},
                       follow_redirects=False).status_code == 303
    assert 'data-status="closed"' in client.get(private).text
    again = client.post(f"/staff/questions/{qid}/answer", data={"csrf_token": token, "answer": "x", "citations": "y"})
    assert again.status_code == 422 and "closed" in again.text
    history = client.get(f"/staff/questions/{qid}").text
    for kind in ("received", "assigned", "answered", "closed"):
        assert f"<td>{kind}</td>" in history
    assert "赵敏" in history


def test_assign_refuses_unknown_staff_and_offices(client):
    _question(client, screening=False, topic="water", text="间接排放执行哪个标准？")
    add_user(client, "zhao")
    token = log_in(client, "zhao")
    qid = _question_id(client, "间接排放执行哪个标准？")
    assert "水生态环境处" in client.get(f"/staff/questions/{qid}").text  # routed by topic
    bad = client.post(f"/staff/questions/{qid}/assign", data={"csrf_token": token, "assignee": "ghost"})
    assert bad.status_code == 422 and "ghost" in bad.text
    bad = client.post(f"/staff/questions/{qid}/assign", data={"csrf_token": token, "office": "nowhere"})
    assert bad.status_code == 422 and "nowhere" in bad.text
    assert client.post(f"/staff/questions/{qid}/close", data={"csrf_token": token}).status_code == 422
    assert client.get("/staff/questions/99999").status_code == 404


def test_face_to_face_sessions_invite_the_company(client):
    private_link = _question(client, screening=False, topic="bundled_eia", text="打捆环评如何申请？")
    add_user(client, "zhao")
    token = log_in(client, "zhao")
    soon = (dt.date.today() + dt.timedelta(days=14)).isoformat()
    created = client.post("/staff/meetings", data={"csrf_token": token, "date": soon,
                                                   "title": "第三期环企面对面", "place": "宣城市生态环境局"},
                          follow_redirects=False)
    assert created.status_code == 303
    qid = _question_id(client, "打捆环评如何申请？")
    meeting_id = re.search(r'name="meeting"><option value="(\d+)"', client.get(f"/staff/questions/{qid}").text)
    assert meeting_id, "the new session is offered on the question page"
    taken = client.post(f"/staff/questions/{qid}/meeting", data={"csrf_token": token, "meeting": meeting_id.group(1)},
                        follow_redirects=False)
    assert taken.status_code == 303
    listing = client.get("/staff/meetings").text
    assert "第三期环企面对面" in listing and DYEING_FORM["company"] in listing
    assert soon in client.get(private_link).text
    bad_date = client.post("/staff/meetings", data={"csrf_token": token, "date": "tomorrow", "title": "x"})
    assert bad_date.status_code == 422


def test_company_record_holds_screenings_questions_answers_and_ledger_entries(client):
    _question(client)
    upload_token = csrf_of(client.get("/").text)
    response = client.post("/screen", data={"csrf_token": upload_token, "company": DYEING_FORM["company"]},
                           files={"upload": ("reuse60.yaml",
                                             (EXAMPLES / "xuancheng-dyeing-phase2-3-reuse60.yaml").read_bytes())},
                           follow_redirects=False)
    assert response.status_code == 303
    add_user(client, "zhao", display_name="赵敏")
    token = log_in(client, "zhao")
    companies = client.get("/staff/companies").text
    company_id = int(re.search(r'href="/staff/companies/(\d+)"', companies).group(1))
    record = client.get(f"/staff/companies/{company_id}").text
    ids = [int(i) for i in re.findall(r'href="/staff/screenings/(\d+)"', record)]
    assert len(ids) == 2
    refused = client.post(f"/staff/screenings/{ids[0]}/ledger", data={"csrf_token": token, "kind": "reserve",
                                                                      "reason": "pre-application"})
    assert refused.status_code == 409 and "would overspend" in refused.text
    recorded = client.post(f"/staff/screenings/{ids[1]}/ledger", data={"csrf_token": token, "kind": "reserve",
                                                                       "expires": "2099-06-30", "reason": "60% reuse"})
    assert recorded.status_code == 200 and "已记入台账" in recorded.text
    committed = client.post(f"/staff/screenings/{ids[1]}/ledger", data={"csrf_token": token, "kind": "commit",
                                                                        "reason": "approved"})
    assert committed.status_code == 200 and "commit" in committed.text
    record = client.get(f"/staff/companies/{company_id}").text
    assert "XC-2027-014" in record and "60% reuse" in record and "approved" in record and "赵敏" in record
    assert "二、三期如何才能进园？" in record
    parks = client.get("/api/parks/xuancheng-hitech").json()
    water = next(c for c in parks["caps"] if c["metric"] == "wastewater")
    assert water["remaining"] == 0  # 1,200 m3/d committed: the channel and the cap accounting are one system


def test_only_an_admin_may_override_a_ledger_refusal(client):
    form_screen(client)
    add_user(client, "zhao")
    token = log_in(client, "zhao")
    refused = client.post("/staff/screenings/1/ledger", data={"csrf_token": token, "kind": "reserve",
                                                              "reason": "x", "override": "on"})
    assert refused.status_code == 403
    assert client.get("/staff/users").status_code == 403
    add_user(client, "boss", role="admin")
    token = log_in(client, "boss")
    overridden = client.post("/staff/screenings/1/ledger", data={"csrf_token": token, "kind": "reserve",
                                                                 "reason": "provincial key project", "override": "on"})
    assert overridden.status_code == 200 and "越权记录 overridden" in overridden.text


def test_counts_by_period_office_and_topic_with_an_xlsx_export(client):
    _question(client)
    _question(client, screening=False, topic="air", text="VOCs 排放如何核算？", company="郎溪某装备公司")
    add_user(client, "zhao")
    token = log_in(client, "zhao")
    qid = _question_id(client, "VOCs 排放如何核算？")
    client.post(f"/staff/questions/{qid}/answer", data={"csrf_token": token, "answer": "按 GB 37822-2019。",
                                                         "citations": "GB 37822-2019 表A.1"})
    page = client.get("/staff/counts?period=quarter").text
    assert re.search(r"收集 collected <b>2</b> · 办结 resolved <b>1</b>", page)
    assert "大气环境处" in page and "总量控制与排污许可处" in page
    export = client.get("/staff/counts.xlsx?period=month")
    assert export.status_code == 200 and "spreadsheetml" in export.headers["content-type"]
    book = openpyxl.load_workbook(io.BytesIO(export.content))
    offices = {row[0]: row[2:] for row in book["按处室 by office"].iter_rows(min_row=2, values_only=True)}
    assert offices == {"air": (1, 1), "capacity": (1, 0)}
    verdicts = dict(book["预审结论 by verdict"].iter_rows(min_row=2, values_only=True))
    assert verdicts == {"fail": 1}
    assert client.get("/staff/counts?period=decade").status_code == 422
    assert client.get("/staff/counts?since=yesterday").status_code == 422
    future = client.get("/staff/counts?since=2999-01-01").text
    assert re.search(r"收集 collected <b>0</b>", future)


def test_admin_creates_accounts(client):
    add_user(client, "boss", role="admin")
    token = log_in(client, "boss")
    made = client.post("/staff/users", data={"csrf_token": token, "username": "sun", "password": "0123456789ab",
                                             "role": "staff", "office": "air"}, follow_redirects=False)
    assert made.status_code == 303
    assert "sun" in client.get("/staff/users").text
    short = client.post("/staff/users", data={"csrf_token": token, "username": "qian", "password": "short"})
    assert short.status_code == 422 and "10 characters" in short.text
    twice = client.post("/staff/users", data={"csrf_token": token, "username": "sun", "password": "0123456789ab"})
    assert twice.status_code == 422 and "exists" in twice.text


def test_one_companys_ledger_entries_stay_its_own_under_a_shared_project_code(client):
    for company in ("甲印染公司", "乙印染公司"):
        token = csrf_of(client.get("/").text)
        response = client.post("/screen", data={"csrf_token": token, "company": company},
                               files={"upload": ("reuse60.yaml",
                                                 (EXAMPLES / "xuancheng-dyeing-phase2-3-reuse60.yaml").read_bytes())},
                               follow_redirects=False)
        assert response.status_code == 303
    add_user(client, "zhao")
    token = log_in(client, "zhao")
    first = client.post("/staff/screenings/1/ledger", data={"csrf_token": token, "kind": "reserve", "reason": "甲"})
    assert first.status_code == 200 and "已记入台账" in first.text
    second = client.post("/staff/screenings/2/ledger", data={"csrf_token": token, "kind": "reserve", "reason": "乙"})
    assert second.status_code == 409 and "another company" in second.text  # it would replace 甲's reservation
    companies = dict(re.findall(r'href="/staff/companies/(\d+)">([^<]+)<', client.get("/staff/companies").text))
    by_name = {name: number for number, name in companies.items()}
    assert "reserve" in client.get(f"/staff/companies/{by_name['甲印染公司']}").text.split("ledger entries")[1]
    other = client.get(f"/staff/companies/{by_name['乙印染公司']}").text.split("ledger entries")[1]
    assert "无 none" in other.split("</table>")[0]

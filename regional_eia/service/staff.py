"""Staff pages: login, the question queue, a question with its screening, 一企一账, sessions, counts,
the ledger from an application, and (admin) accounts. Every page here needs a login."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy import select
from sqlalchemy.orm import Session

from ..render import fmt
from .app import (
    DB,
    Forbidden,
    LoginRequired,
    channel_of,
    check_csrf,
    optional_user,
    rate_limit,
    redirect,
    render,
)
from .channel import (
    STATUS_NAMES,
    ChannelError,
    answer,
    assign,
    close,
    company_record,
    counts,
    counts_workbook,
    create_meeting,
    create_user,
    login,
    logout,
    record_capacity,
    report_html,
    stored_project,
    stored_result,
    take_to_meeting,
)
from .models import STATUSES, TOPICS, Company, Meeting, Question, Screening, User
from .pages import Form
from .security import SESSION_COOKIE

router = APIRouter(include_in_schema=False)


def staff_user(request: Request, db: DB) -> User:
    user = optional_user(request, db)
    if user is None:
        raise LoginRequired()
    return user


def admin_user(user: Annotated[User, Depends(staff_user)]) -> User:
    if user.role != "admin":
        raise Forbidden("this page is for admins")
    return user


Staff = Annotated[User, Depends(staff_user)]
Admin = Annotated[User, Depends(admin_user)]


def _page(request: Request, template: str, user: User, status: int = 200, **context):
    channel = channel_of(request)
    return render(request, template, status=status, user=user, offices=channel.routing.offices,
                  office_names={o.id: o.name for o in channel.routing.offices}, topics=TOPICS,
                  statuses=STATUS_NAMES, fmt=fmt, **context)


# --- login -----------------------------------------------------------------------------------------


@router.get("/login", response_class=HTMLResponse)
def login_page(request: Request, next: str = "/staff"):
    return render(request, "login.html", next=_local(next), error=None)


def _local(url: str) -> str:
    """Only a path on this site (no open redirect)."""
    return url if url.startswith("/") and not url.startswith("//") and "\\" not in url else "/staff"


@router.post("/login")
def login_submit(request: Request, form: Form, db: DB):
    check_csrf(request, form)
    rate_limit(request, "login")
    settings = channel_of(request).settings
    outcome = login(db, str(form.get("username", "")), str(form.get("password", "")), settings.session_hours)
    target = _local(str(form.get("next", "/staff")))
    if outcome is None:
        return render(request, "login.html", status=401, next=target,
                      error="用户名或密码不正确 wrong user name or password")
    _, token = outcome
    response = redirect(target)
    response.set_cookie(SESSION_COOKIE, token, httponly=True, samesite="lax", secure=settings.secure_cookies,
                        max_age=int(settings.session_hours * 3600), path="/")
    return response


@router.post("/logout")
def logout_submit(request: Request, form: Form, db: DB):
    check_csrf(request, form)
    logout(db, request.cookies.get(SESSION_COOKIE))
    response = redirect("/login")
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response


# --- the queue and a question -----------------------------------------------------------------------


@router.get("/staff", response_class=HTMLResponse)
def queue(request: Request, user: Staff, db: DB, status: str = "open", office: str = "", topic: str = ""):
    query = select(Question).order_by(Question.created_at.desc(), Question.id.desc())
    if status == "open":
        query = query.where(Question.status.in_(("received", "assigned")))
    elif status in STATUSES:
        query = query.where(Question.status == status)
    if office:
        query = query.where(Question.office == office)
    if topic:
        query = query.where(Question.topic == topic)
    questions = list(db.scalars(query.limit(500)))
    return _page(request, "queue.html", user, questions=questions, filters={"status": status, "office": office,
                                                                           "topic": topic})


def _get(db: Session, model, number: int, what: str):
    """A row by its number, or a 404 naming what was looked for."""
    row = db.get(model, number)
    if row is None:
        raise ChannelError(None, f"no {what} {number}", status=404)
    return row


def _question(db: Session, question_id: int) -> Question:
    return _get(db, Question, question_id, "question")


@router.get("/staff/questions/{question_id}", response_class=HTMLResponse)
def question_detail(request: Request, question_id: int, user: Staff, db: DB, message: str = ""):
    question = _question(db, question_id)
    result = stored_result(question.screening) if question.screening else None
    sources = sorted({s for f in result.findings for s in f.sources}) if result else []
    staff = list(db.scalars(select(User).where(User.active.is_(True)).order_by(User.username)))
    meetings = list(db.scalars(select(Meeting).where(Meeting.date >= dt.date.today() - dt.timedelta(days=30))
                               .order_by(Meeting.date)))
    return _page(request, "staff_question.html", user, q=question, result=result, sources=sources, staff=staff,
                 meetings=meetings, message=message, recording=None, today=dt.date.today())


@router.post("/staff/questions/{question_id}/assign")
def question_assign(request: Request, question_id: int, form: Form, user: Staff, db: DB):
    check_csrf(request, form)
    assign(channel_of(request), db, _question(db, question_id), user, assignee=str(form.get("assignee", "")) or None,
           office=str(form.get("office", "")) or None)
    return redirect(f"/staff/questions/{question_id}")


@router.post("/staff/questions/{question_id}/answer")
def question_answer(request: Request, question_id: int, form: Form, user: Staff, db: DB):
    check_csrf(request, form)
    citations = [str(c) for c in form.getlist("cite")] + str(form.get("citations", "")).splitlines()
    answer(db, _question(db, question_id), user, text=str(form.get("answer", "")), citations=citations)
    return redirect(f"/staff/questions/{question_id}")


@router.post("/staff/questions/{question_id}/close")
def question_close(request: Request, question_id: int, form: Form, user: Staff, db: DB):
    check_csrf(request, form)
    close(db, _question(db, question_id), user)
    return redirect(f"/staff/questions/{question_id}")


@router.post("/staff/questions/{question_id}/meeting")
def question_meeting(request: Request, question_id: int, form: Form, user: Staff, db: DB):
    check_csrf(request, form)
    try:
        meeting_id = int(str(form.get("meeting", "")))
    except ValueError:
        raise ChannelError("meeting", "choose a session") from None
    take_to_meeting(db, _question(db, question_id), user, meeting_id)
    return redirect(f"/staff/questions/{question_id}")


# --- screenings and the ledger ---------------------------------------------------------------------


def _screening(db: Session, screening_id: int) -> Screening:
    return _get(db, Screening, screening_id, "screening")


@router.get("/staff/screenings/{screening_id}", response_class=HTMLResponse)
def screening_detail(request: Request, screening_id: int, user: Staff, db: DB):
    row = _screening(db, screening_id)
    return _page(request, "staff_screening.html", user, row=row, result=stored_result(row),
                 project=stored_project(row), recording=None, today=dt.date.today())


@router.get("/staff/screenings/{screening_id}/report.html")
def screening_report(request: Request, screening_id: int, user: Staff, db: DB):
    return HTMLResponse(report_html(channel_of(request), db, _screening(db, screening_id)))


@router.post("/staff/screenings/{screening_id}/ledger")
def screening_ledger(request: Request, screening_id: int, form: Form, user: Staff, db: DB):
    """Reserve or commit the application's capacity; the ledger re-screens it and may refuse."""
    check_csrf(request, form)
    row = _screening(db, screening_id)
    kind = str(form.get("kind", ""))
    if kind not in ("reserve", "commit"):
        raise ChannelError("kind", "reserve or commit")
    expires = None
    if kind == "reserve" and form.get("expires"):
        try:
            expires = dt.date.fromisoformat(str(form.get("expires")))
        except ValueError:
            raise ChannelError("expires", "a date, YYYY-MM-DD") from None
    recording = record_capacity(channel_of(request), db, row, user, kind=kind, reason=str(form.get("reason", "")),
                                expires=expires, override=form.get("override") == "on")
    return _page(request, "staff_screening.html", user, status=200 if recording.recorded else 409, row=row,
                 result=stored_result(row), project=stored_project(row), recording=recording, today=dt.date.today())


# --- 一企一账 ----------------------------------------------------------------------------------------


@router.get("/staff/companies", response_class=HTMLResponse)
def companies(request: Request, user: Staff, db: DB, q: str = ""):
    query = select(Company).order_by(Company.name)
    if q:
        query = query.where(Company.name.contains(q.strip()))
    return _page(request, "companies.html", user, companies=list(db.scalars(query.limit(500))), q=q)


@router.get("/staff/companies/{company_id}", response_class=HTMLResponse)
def company_page(request: Request, company_id: int, user: Staff, db: DB):
    company = _get(db, Company, company_id, "company")
    return _page(request, "company.html", user, **company_record(channel_of(request), db, company))


# --- face-to-face sessions --------------------------------------------------------------------------


@router.get("/staff/meetings", response_class=HTMLResponse)
def meetings(request: Request, user: Staff, db: DB):
    return _page(request, "meetings.html", user,
                 meetings=list(db.scalars(select(Meeting).order_by(Meeting.date.desc()))),
                 companies=list(db.scalars(select(Company).order_by(Company.name))), today=dt.date.today())


@router.post("/staff/meetings")
def meeting_create(request: Request, form: Form, user: Staff, db: DB):
    check_csrf(request, form)
    try:
        date = dt.date.fromisoformat(str(form.get("date", "")))
        company_ids = [int(c) for c in form.getlist("companies")]
    except ValueError:
        raise ChannelError("date", "a date, YYYY-MM-DD, and companies from the list") from None
    create_meeting(db, user, date=date, title=str(form.get("title", "")), place=str(form.get("place", "")),
                   company_ids=company_ids)
    return redirect("/staff/meetings")


# --- counts ------------------------------------------------------------------------------------------


def _counts_args(period: str, since: str, until: str):
    if period not in ("month", "quarter", "year"):
        raise ChannelError("period", "month, quarter or year")
    try:
        return (period, dt.date.fromisoformat(since) if since else None,
                dt.date.fromisoformat(until) if until else None)
    except ValueError:
        raise ChannelError("since", "dates as YYYY-MM-DD") from None


@router.get("/staff/counts", response_class=HTMLResponse)
def counts_page(request: Request, user: Staff, db: DB, period: str = "month", since: str = "", until: str = ""):
    period_, start, end = _counts_args(period, since, until)
    data = counts(channel_of(request), db, period=period_, since=start, until=end)
    return _page(request, "counts.html", user, c=data, args={"period": period, "since": since, "until": until})


@router.get("/staff/counts.xlsx")
def counts_export(request: Request, user: Staff, db: DB, period: str = "month", since: str = "", until: str = ""):
    period_, start, end = _counts_args(period, since, until)
    data = counts(channel_of(request), db, period=period_, since=start, until=end)
    return Response(counts_workbook(data),
                    media_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                    headers={"Content-Disposition": 'attachment; filename="channel-counts.xlsx"'})


# --- accounts (admin) -------------------------------------------------------------------------------


@router.get("/staff/users", response_class=HTMLResponse)
def users(request: Request, user: Admin, db: DB):
    return _page(request, "users.html", user, users=list(db.scalars(select(User).order_by(User.username))), error=None)


@router.post("/staff/users")
def user_create(request: Request, form: Form, user: Admin, db: DB):
    check_csrf(request, form)
    try:
        create_user(db, username=str(form.get("username", "")), password=str(form.get("password", "")),
                    role=str(form.get("role", "staff")), display_name=str(form.get("display_name", "")),
                    office=str(form.get("office", "")) or None, actor=user)
    except ChannelError as exc:
        return _page(request, "users.html", user, status=422, error=f"{exc.field}: {exc.why}",
                     users=list(db.scalars(select(User).order_by(User.username))))
    return redirect("/staff/users")

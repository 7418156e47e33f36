"""The channel's operations (环企直通车): pre-screen, ask, route, assign, answer, meet, count, and
reserve or commit from an application. Routes call one of these; they call the screening library.

Each function takes the :class:`Channel` (what the service loaded once at start: catalogue, routing,
settings) and a database session, and commits its own change together with its audit event.
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import json
import tempfile
import threading
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from zones.catalog import Catalog

from ..ledger import Recording, default_ledger_path, open_ledger
from ..project import Project
from ..result import ScreeningResult
from ..screening import screen, screen_many
from .forms import QuestionIn
from .models import STATUSES, TOPICS, AuthSession, Company, Event, Meeting, Question, Screening, User, utcnow
from .routing import Routing
from .security import hash_password, new_token, token_hash, verify_password
from .settings import Settings

__all__ = ["Channel", "ChannelError", "prescreen", "screen_batch_json", "report_html", "ask", "find_question",
           "find_screening", "assign", "answer", "close", "take_to_meeting", "create_meeting", "record_capacity",
           "counts", "company_record", "create_user", "login", "user_for_session", "logout", "park_status"]


class ChannelError(Exception):
    """A request the channel refuses (an unknown user or office, a closed question): field and why."""

    def __init__(self, field: str | None, why: str, status: int = 422):
        self.field, self.why, self.status = field, why, status
        super().__init__(f"{field}: {why}" if field else why)


@dataclass
class Channel:
    """What the service loads once at start and shares, read-only, between requests."""

    settings: Settings
    catalog: Catalog
    routing: Routing
    sessions: sessionmaker[Session]
    ledger_path: str | Path
    industries: list[tuple[str, str]] = field(default_factory=list)
    zones_geojson: str = "{}"
    _report_lock: threading.Lock = field(default_factory=threading.Lock)
    # SQLite takes one writer at a time and its busy handler sleeps: queue this process's writers instead.
    _write_lock: threading.Lock = field(default_factory=threading.Lock)

    def writing(self):
        return self._write_lock if self.settings.sqlalchemy_url.startswith("sqlite") else contextlib.nullcontext()

    _threads: threading.local = field(default_factory=threading.local)

    @contextlib.contextmanager
    def ledger(self):
        """This thread's open ledger. Opening one takes its write lock (to check the schema), so each
        worker thread opens it once and keeps it; its reads see every other writer's entries."""
        ledger = getattr(self._threads, "ledger", None)
        if ledger is None:
            ledger = self._threads.ledger = open_ledger(self.ledger_path, self.catalog)
        yield ledger

    @staticmethod
    def default_ledger(settings: Settings) -> str | Path:
        return settings.ledger or default_ledger_path(settings.catalog)


# --- screenings -------------------------------------------------------------------------------------


def _company(db: Session, name: str | None, credit_code: str | None = None) -> Company | None:
    """一企一账: the company's one record, found by its credit code or its name, or made."""
    if not name:
        return None
    name = " ".join(name.split())
    company = None
    if credit_code:
        company = db.scalar(select(Company).where(Company.credit_code == credit_code))
    company = company or db.scalar(select(Company).where(Company.name == name))
    if company is None:
        company = Company(name=name, credit_code=credit_code)
        db.add(company)
        db.flush()
    elif credit_code and not company.credit_code:
        company.credit_code = credit_code
    return company


def next_project_id(db: Session) -> str:
    """An id for a project given without 项目编号: WEB-<date>-<n>."""
    number = (db.scalar(select(func.max(Screening.id))) or 0) + 1
    return f"WEB-{utcnow():%Y%m%d}-{number:05d}"


def prescreen(channel: Channel, db: Session, project: Project, *, company: str | None = None,
              credit_code: str | None = None, lang: str | None = None, source: str = "form",
              on: dt.date | None = None) -> tuple[Screening, str, ScreeningResult]:
    """Screen ``project`` against the catalogue and what the ledger has left now; keep it for the company.

    Returns the stored screening, the token of its private link, and the result.
    """
    with channel.ledger() as ledger:
        result = screen(project, channel.catalog, book=_PublicBook(ledger), on=on)
    token = new_token()
    with channel.writing():
        owner = _company(db, company, credit_code)
        row = Screening(token_hash=token_hash(token), company=owner, project_id=project.id,
                        project_name=project.name, industry=project.industry, park=result.location.park,
                        verdict=result.verdict, codes=sorted(set(result.codes())), lang=lang or channel.settings.lang,
                        source=source, project_json=project.model_dump_json(exclude_none=True),
                        result_json=result.model_dump_json())
        db.add(row)
        db.flush()
        db.add(Event(kind="screened", company_id=owner.id if owner else None, screening_id=row.id,
                     detail={"project": project.id, "verdict": result.verdict, "source": source}))
        db.commit()
    return row, token, result


def screen_batch_json(channel: Channel, projects: list[Project], on: dt.date | None = None) -> list[dict]:
    """Screen a small batch in one spatial pass; each item is a result or the error that stopped it."""
    with channel.ledger() as ledger:
        outcomes = screen_many(projects, channel.catalog, book=_PublicBook(ledger), on=on)
    items = []
    for index, outcome in enumerate(outcomes):
        if isinstance(outcome, ScreeningResult):
            items.append({"index": index, "result": outcome.model_dump(mode="json")})
        else:
            items.append({"index": index, "error": {"field": getattr(outcome, "field", None),
                                                    "message": getattr(outcome, "why", str(outcome))}})
    return items


class _PublicBook:
    """The ledger as a capacity book whose sources name the ledger file, not where it sits on the server."""

    def __init__(self, ledger):
        self._ledger = ledger

    def position(self, park_id, cap):
        position = self._ledger.position(park_id, cap)
        return dataclasses.replace(position, source=position.source.replace(str(self._ledger.path),
                                                                            self._ledger.path.name))


def find_screening(db: Session, token: str) -> Screening | None:
    return db.scalar(select(Screening).where(Screening.token_hash == token_hash(token))) if token else None


def stored_result(row: Screening) -> ScreeningResult:
    return ScreeningResult.model_validate_json(row.result_json)


def stored_project(row: Screening) -> Project:
    return Project.model_validate_json(row.project_json)


def report_html(channel: Channel, db: Session, row: Screening) -> str:
    """The screening's report (the project's own HTML report, in the screening's language), made once."""
    if row.report_html is None:
        from ..report import write_report

        with tempfile.TemporaryDirectory() as folder, channel._report_lock:  # matplotlib's rc state is global
            report = write_report(stored_result(row), channel.catalog, folder, project=stored_project(row),
                                  lang=row.lang)
            row.report_html = report.path.read_text(encoding="utf-8")
        db.commit()
    return row.report_html


# --- questions --------------------------------------------------------------------------------------


def ask(channel: Channel, db: Session, question: QuestionIn) -> tuple[Question, str]:
    """Record a company's question, routed by the rules to an office; return it and its private token."""
    screening = find_screening(db, question.screening) if question.screening else None
    if question.screening and screening is None:
        raise ChannelError("screening", "no screening with this link; ask without it, or screen again")
    codes: list[str] = []
    processes: list[str] = []
    pollutants: list[str] = []
    if screening is not None:
        codes = list(screening.codes)
        project = stored_project(screening)
        processes = list(project.processes)
        pollutants = _declared_pollutants(project)
    routed = channel.routing.route(question.topic, codes=codes, processes=processes, pollutants=pollutants)
    company = _company(db, question.company, question.credit_code)
    if screening is not None and screening.company is None:
        screening.company = company
    token = new_token()
    row = Question(token_hash=token_hash(token), company=company, screening=screening, topic=question.topic,
                   text=question.question, contact_name=question.contact_name,
                   contact_phone=question.contact_phone or "", contact_email=question.contact_email or "",
                   office=routed.office, routed_by=routed.why, status="received", citations=[])
    db.add(row)
    db.flush()
    _event(db, None, "received", row, office=routed.office, why=routed.why)
    db.commit()
    return row, token


def _declared_pollutants(project: Project) -> list[str]:
    declared = []
    if project.wastewater:
        for values in (project.wastewater.effluent, project.wastewater.workshop_effluent):
            declared += [p for p, q in values.items() if q.value > 0]
    if project.air:
        declared += [p for p, q in project.air.emissions.items() if q.value > 0]
        for stack in project.air.stacks:
            declared += [p for p, q in stack.concentrations.items() if q.value > 0]
    return declared


def find_question(db: Session, token: str) -> Question | None:
    return db.scalar(select(Question).where(Question.token_hash == token_hash(token))) if token else None


def _event(db: Session, actor: User | None, kind: str, question: Question, **detail: Any) -> None:
    db.add(Event(actor_id=actor.id if actor else None, kind=kind, question_id=question.id,
                 company_id=question.company_id, screening_id=question.screening_id, detail=detail))


def _open(question: Question) -> None:
    if question.status == "closed":
        raise ChannelError("status", "the question is closed")


def assign(channel: Channel, db: Session, question: Question, actor: User, *, assignee: str | None,
           office: str | None) -> Question:
    """Give the question to a member of staff and/or move it to another office."""
    _open(question)
    changes: dict[str, Any] = {}
    if office and office != question.office:
        if channel.routing.office(office) is None:
            raise ChannelError("office", f"no office {office!r}")
        changes["office"] = {"from": question.office, "to": office}
        question.office = office
    if assignee:
        user = db.scalar(select(User).where(User.username == assignee, User.active.is_(True)))
        if user is None:
            raise ChannelError("assignee", f"no active staff account {assignee!r}")
        changes["assignee"] = user.username
        question.assignee = user
        if question.status == "received":
            question.status = "assigned"
    if not changes:
        raise ChannelError("assignee", "choose a member of staff or another office")
    question.updated_at = utcnow()
    _event(db, actor, "assigned", question, **changes)
    db.commit()
    return question


def answer(db: Session, question: Question, actor: User, *, text: str, citations: list[str]) -> Question:
    """Answer in writing, with the citations it rests on (standard and clause, catalogue field, ledger entry)."""
    _open(question)
    text = text.strip()
    if len(text) < 2:
        raise ChannelError("answer", "write the answer")
    citations = [c.strip() for c in citations if c.strip()]
    if not citations:
        raise ChannelError("citations", "cite what the answer rests on (a standard and clause, a catalogue field, "
                                        "a ledger entry, a document number)")
    question.answer, question.citations = text, list(dict.fromkeys(citations))
    question.answerer, question.answered_at, question.status = actor, utcnow(), "answered"
    if question.assignee is None:
        question.assignee = actor
    question.updated_at = utcnow()
    _event(db, actor, "answered", question, citations=question.citations)
    db.commit()
    return question


def close(db: Session, question: Question, actor: User) -> Question:
    _open(question)
    if question.status != "answered":
        raise ChannelError("status", "answer the question before closing it")
    question.status, question.closed_at, question.updated_at = "closed", utcnow(), utcnow()
    _event(db, actor, "closed", question)
    db.commit()
    return question


def create_meeting(db: Session, actor: User, *, date: dt.date, title: str, place: str,
                   company_ids: list[int]) -> Meeting:
    """A face-to-face session (面对面) on ``date``, with the companies invited."""
    if not title.strip():
        raise ChannelError("title", "give the session a title")
    companies = list(db.scalars(select(Company).where(Company.id.in_(company_ids)))) if company_ids else []
    if len(companies) != len(set(company_ids)):
        raise ChannelError("companies", "an invited company is not in the register")
    meeting = Meeting(date=date, title=title.strip(), place=place.strip(), created_by=actor.id, companies=companies)
    db.add(meeting)
    db.flush()
    db.add(Event(actor_id=actor.id, kind="meeting", detail={"meeting": meeting.id, "date": date.isoformat(),
                                                            "companies": [c.id for c in companies]}))
    db.commit()
    return meeting


def take_to_meeting(db: Session, question: Question, actor: User, meeting_id: int) -> Question:
    """Put the question on a session's agenda; the company is invited to it."""
    _open(question)
    meeting = db.get(Meeting, meeting_id)
    if meeting is None:
        raise ChannelError("meeting", f"no session {meeting_id}")
    question.meeting = meeting
    if question.company not in meeting.companies:
        meeting.companies.append(question.company)
    if question.status == "received":
        question.status = "assigned"
    question.updated_at = utcnow()
    _event(db, actor, "taken_to_meeting", question, meeting=meeting.id, date=meeting.date.isoformat())
    db.commit()
    return question


# --- the ledger ------------------------------------------------------------------------------------


def record_capacity(channel: Channel, db: Session, row: Screening, actor: User, *,
                    kind: Literal["reserve", "commit"], reason: str, expires: dt.date | None = None,
                    override: bool = False) -> Recording:
    """Reserve or commit the screened project's capacity in the ledger (the ledger's refusal rules apply).

    Only an admin may override a refusal, and only with a reason; the ledger records the override.
    """
    if override and actor.role != "admin":
        raise ChannelError("override", "only an admin may override a ledger refusal", status=403)
    if override and not reason.strip():
        raise ChannelError("reason", "an override needs a reason")
    project = stored_project(row)
    by = f"{actor.display_name} ({actor.username})"
    why = reason.strip() or f"channel screening {row.id}"
    with channel.ledger() as ledger:
        others = _batches_of_other_companies(db, row.company_id, {e.batch for e in ledger.history(project=project.id)})
        if others:
            raise ChannelError("project_id", f"the ledger already holds project {project.id} for another company "
                                             f"(batches {', '.join(sorted(others))}): a reservation would replace "
                                             "it; screen this application again under its own 项目编号", status=409)
        if kind == "reserve":
            recording = ledger.reserve(project, by=by, expires=expires, reason=why, override=override)
        else:
            recording = ledger.commit(project, by=by, reason=why, override=override)
    db.add(Event(actor_id=actor.id, kind=f"ledger_{kind}", company_id=row.company_id, screening_id=row.id,
                 detail={"project": project.id, "recorded": recording.recorded, "batch": recording.batch,
                         "refusals": recording.refusals, "overridden": recording.overridden}))
    db.commit()
    return recording


def _ledger_batches(db: Session) -> dict[str, int | None]:
    """Ledger batches recorded through the channel, and the company each was recorded for."""
    events = db.scalars(select(Event).where(Event.kind.in_(("ledger_reserve", "ledger_commit"))))
    return {e.detail["batch"]: e.company_id for e in events if e.detail.get("batch")}


def _batches_of_other_companies(db: Session, company_id: int | None, batches: set[str]) -> set[str]:
    recorded = _ledger_batches(db)
    return {b for b in batches if b in recorded and recorded[b] != company_id}


def park_status(channel: Channel, park: str | None = None):
    with channel.ledger() as ledger:
        return ledger.status(park=park)


# --- records and counts ----------------------------------------------------------------------------


def company_record(channel: Channel, db: Session, company: Company) -> dict[str, Any]:
    """一企一账: the company's screenings, questions and answers, ledger entries and events."""
    project_ids = sorted({s.project_id for s in company.screenings})
    with channel.ledger() as ledger:
        entries = sorted((e for pid in project_ids for e in ledger.history(project=pid)), key=lambda e: e.entry)
    recorded = _ledger_batches(db)
    events = list(db.scalars(select(Event).where(Event.company_id == company.id).order_by(Event.id)))
    meetings = [m for m in db.scalars(select(Meeting).order_by(Meeting.date)) if company in m.companies]
    return {"company": company, "screenings": company.screenings, "questions": company.questions,
            # entries recorded for this company, or outside the channel under its projects' ids; never
            # another company's under the same id
            "entries": [e for e in entries if recorded.get(e.batch, company.id) == company.id],
            "events": events, "meetings": meetings}


Period = Literal["month", "quarter", "year"]


def _period(day: dt.datetime | dt.date, period: Period) -> str:
    if period == "year":
        return f"{day.year}"
    if period == "quarter":
        return f"{day.year}-Q{(day.month - 1) // 3 + 1}"
    return f"{day.year}-{day.month:02d}"


def counts(channel: Channel, db: Session, *, period: Period = "month", since: dt.date | None = None,
           until: dt.date | None = None) -> dict[str, Any]:
    """Questions collected and resolved by period, office and topic; screenings by verdict and park.

    A question counts as collected in the period it arrived, and as resolved in the period it was first
    answered (answered or closed).
    """
    def within(moment: dt.datetime | None) -> bool:
        if moment is None:
            return False
        return (since is None or moment.date() >= since) and (until is None or moment.date() <= until)

    questions = list(db.scalars(select(Question)))
    collected = [q for q in questions if within(q.created_at)]
    resolved = [q for q in questions if within(q.answered_at)]
    by_period: dict[str, list[int]] = {}
    for q in collected:
        by_period.setdefault(_period(q.created_at, period), [0, 0])[0] += 1
    for q in resolved:
        by_period.setdefault(_period(q.answered_at, period), [0, 0])[1] += 1
    office_names = {o.id: o.name for o in channel.routing.offices}

    def tally(key) -> list[dict[str, Any]]:
        got, done = Counter(key(q) for q in collected), Counter(key(q) for q in resolved)
        return [{"key": k, "collected": got[k], "resolved": done[k]} for k in sorted(set(got) | set(done))]

    screenings = [s for s in db.scalars(select(Screening)) if within(s.created_at)]
    by_verdict = Counter(s.verdict for s in screenings)
    by_park = Counter((s.park or "", s.verdict) for s in screenings)
    return {
        "period": period, "since": since, "until": until,
        "totals": {"collected": len(collected), "resolved": len(resolved), "screenings": len(screenings),
                   "open": sum(q.status in ("received", "assigned") for q in questions)},
        "by_period": [{"key": k, "collected": v[0], "resolved": v[1]} for k, v in sorted(by_period.items())],
        "by_office": [{**row, "name": office_names.get(row["key"], row["key"])} for row in tally(lambda q: q.office)],
        "by_topic": [{**row, "name": TOPICS.get(row["key"], row["key"])} for row in tally(lambda q: q.topic)],
        "by_verdict": [{"key": v, "count": by_verdict[v]} for v in ("pass", "conditional", "fail", "incomplete")
                       if by_verdict[v]],
        "by_park": [{"park": p, "park_name": _park_name(channel.catalog, p), "verdict": v, "count": n}
                    for (p, v), n in sorted(by_park.items())],
    }


def _park_name(catalog: Catalog, park: str) -> str:
    return catalog.names.get(park, park) if park else "（园区外）outside every park"


def counts_workbook(data: dict[str, Any]) -> bytes:
    """The counts as an Excel workbook, one sheet per table."""
    import io

    from openpyxl import Workbook
    from openpyxl.styles import Font

    book = Workbook()
    sheets = [
        ("按期间 by period", ["期间 period", "收集 collected", "办结 resolved"],
         [[r["key"], r["collected"], r["resolved"]] for r in data["by_period"]]),
        ("按处室 by office", ["处室 office", "名称 name", "收集 collected", "办结 resolved"],
         [[r["key"], r["name"], r["collected"], r["resolved"]] for r in data["by_office"]]),
        ("按类别 by topic", ["类别 topic", "名称 name", "收集 collected", "办结 resolved"],
         [[r["key"], r["name"], r["collected"], r["resolved"]] for r in data["by_topic"]]),
        ("预审结论 by verdict", ["结论 verdict", "数量 count"], [[r["key"], r["count"]] for r in data["by_verdict"]]),
        ("按园区 by park", ["园区 park", "名称 name", "结论 verdict", "数量 count"],
         [[r["park"], r["park_name"], r["verdict"], r["count"]] for r in data["by_park"]]),
    ]
    book.remove(book.active)
    for title, header, rows in sheets:
        sheet = book.create_sheet(title)
        sheet.append(header)
        for cell in sheet[1]:
            cell.font = Font(bold=True)
        for row in rows:
            sheet.append(row)
        for cells in sheet.iter_rows(min_row=2):
            for cell in cells:
                if cell.data_type == "f":  # a name that looks like a formula (=, +, -, @) stays text
                    cell.data_type = "s"
        for column, _ in enumerate(header, start=1):
            sheet.column_dimensions[sheet.cell(1, column).column_letter].width = 22
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


# --- accounts --------------------------------------------------------------------------------------


def create_user(db: Session, *, username: str, password: str, role: str = "staff", display_name: str = "",
                office: str | None = None, actor: User | None = None) -> User:
    """A staff or admin account (the password is stored as an argon2id hash)."""
    username = username.strip()
    if not username or len(username) > 64 or not username.replace("_", "").replace(".", "").replace("-", "").isalnum():
        raise ChannelError("username", "letters, digits, '.', '_' and '-', at most 64")
    if role not in ("staff", "admin"):
        raise ChannelError("role", "staff or admin")
    if db.scalar(select(User).where(User.username == username)) is not None:
        raise ChannelError("username", f"{username!r} exists already")
    try:
        hashed = hash_password(password)
    except ValueError as exc:
        raise ChannelError("password", str(exc)) from None
    user = User(username=username, display_name=display_name.strip() or username, password_hash=hashed, role=role,
                office=office or None, active=True)
    db.add(user)
    db.flush()
    db.add(Event(actor_id=actor.id if actor else None, kind="account_created",
                 detail={"username": username, "role": role}))
    db.commit()
    return user


def login(db: Session, username: str, password: str, hours: float) -> tuple[User, str] | None:
    """Check the password; on success open a session and return the user and the cookie's token."""
    user = db.scalar(select(User).where(User.username == username.strip()))
    if not verify_password(user.password_hash if user else None, password) or user is None or not user.active:
        return None
    token = new_token()
    db.add(AuthSession(token_hash=token_hash(token), user_id=user.id,
                       expires_at=utcnow() + dt.timedelta(hours=hours)))
    db.add(Event(actor_id=user.id, kind="login", detail={}))
    db.commit()
    return user, token


def user_for_session(db: Session, token: str | None) -> User | None:
    if not token:
        return None
    session = db.scalar(select(AuthSession).where(AuthSession.token_hash == token_hash(token)))
    if session is None or session.expires_at < utcnow() or not session.user.active:
        return None
    return session.user


def logout(db: Session, token: str | None) -> None:
    if token:
        session = db.scalar(select(AuthSession).where(AuthSession.token_hash == token_hash(token)))
        if session is not None:
            db.delete(session)
            db.commit()


def question_json(question: Question, channel: Channel) -> dict[str, Any]:
    """What a company's link shows of its question: status, office, answer and citations, nothing else."""
    office = channel.routing.office(question.office)
    return {"topic": question.topic, "topic_name": TOPICS[question.topic], "question": question.text,
            "company": question.company.name, "status": question.status,
            "office": question.office, "office_name": office.name if office else question.office,
            "received_at": question.created_at.isoformat(), "answer": question.answer,
            "citations": question.citations, "answered_at": question.answered_at.isoformat()
            if question.answered_at else None,
            "meeting": {"date": question.meeting.date.isoformat(), "title": question.meeting.title,
                        "place": question.meeting.place} if question.meeting else None,
            "screening": {"project_id": question.screening.project_id, "verdict": question.screening.verdict}
            if question.screening else None}


STATUS_NAMES = {"received": "已受理 received", "assigned": "办理中 assigned", "answered": "已答复 answered",
                "closed": "已办结 closed"}
assert set(STATUS_NAMES) == set(STATUSES)


def parse_citations(text: str, picked: list[str]) -> list[str]:
    return [*picked, *text.splitlines()]


def dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, indent=2, default=str)

"""The channel's database: companies, screenings, questions, staff accounts, sessions and audit events.

SQLAlchemy 2 declarative models; the schema itself is made by the Alembic migrations in
``migrations/versions`` (a test checks the two agree). Times are naive UTC. Tokens that give access
(company links, login sessions) are stored only as their SHA-256, so a copy of the database opens
nothing.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, Boolean, Column, Date, DateTime, ForeignKey, String, Table, Text
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

__all__ = ["Base", "User", "AuthSession", "Company", "Screening", "Question", "Meeting", "Event",
           "ROLES", "STATUSES", "TOPICS", "utcnow"]

ROLES = ("staff", "admin")
STATUSES = ("received", "assigned", "answered", "closed")
TOPICS = {
    "eia_approval": "环评审批",
    "bundled_eia": "打捆环评",
    "park_planning_eia": "园区规划环评",
    "capacity": "总量与容量",
    "heavy_metals": "重金属工艺",
    "air": "大气",
    "water": "水",
    "other": "其他",
}


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc).replace(tzinfo=None, microsecond=0)


class Base(DeclarativeBase):
    type_annotation_map = {dict[str, Any]: JSON, list[str]: JSON}


class User(Base):
    """A staff account; ``admin`` also manages accounts and may override a ledger refusal."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    display_name: Mapped[str] = mapped_column(String(128))
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(16))
    office: Mapped[str | None] = mapped_column(String(64))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)


class AuthSession(Base):
    __tablename__ = "auth_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    expires_at: Mapped[dt.datetime] = mapped_column(DateTime)

    user: Mapped[User] = relationship()


meeting_companies = Table(
    "meeting_companies", Base.metadata,
    Column("meeting_id", ForeignKey("meetings.id", ondelete="CASCADE"), primary_key=True),
    Column("company_id", ForeignKey("companies.id", ondelete="CASCADE"), primary_key=True),
)


class Company(Base):
    """一企一账: one record per company, keyed by its name (and its 统一社会信用代码 when given)."""

    __tablename__ = "companies"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    credit_code: Mapped[str | None] = mapped_column(String(18))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)

    screenings: Mapped[list[Screening]] = relationship(back_populates="company", order_by="Screening.id")
    questions: Mapped[list[Question]] = relationship(back_populates="company", order_by="Question.id")


class Screening(Base):
    """A pre-screening made through the channel: the project as given and the result as screened."""

    __tablename__ = "screenings"

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    company_id: Mapped[int | None] = mapped_column(ForeignKey("companies.id"), index=True)
    project_id: Mapped[str] = mapped_column(String(200))
    project_name: Mapped[str] = mapped_column(Text)
    industry: Mapped[str] = mapped_column(String(8))
    park: Mapped[str | None] = mapped_column(String(100))
    verdict: Mapped[str] = mapped_column(String(16))
    codes: Mapped[list[str]] = mapped_column(JSON)
    lang: Mapped[str] = mapped_column(String(4))
    source: Mapped[str] = mapped_column(String(16))
    project_json: Mapped[str] = mapped_column(Text, deferred=True)
    result_json: Mapped[str] = mapped_column(Text, deferred=True)
    report_html: Mapped[str | None] = mapped_column(Text, deferred=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)

    company: Mapped[Company | None] = relationship(back_populates="screenings")


class Meeting(Base):
    """A face-to-face session (面对面) that questions are taken to, with the companies invited."""

    __tablename__ = "meetings"

    id: Mapped[int] = mapped_column(primary_key=True)
    date: Mapped[dt.date] = mapped_column(Date)
    title: Mapped[str] = mapped_column(String(200))
    place: Mapped[str] = mapped_column(String(200), default="")
    created_by: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)

    companies: Mapped[list[Company]] = relationship(secondary=meeting_companies, order_by="Company.name")
    questions: Mapped[list[Question]] = relationship(back_populates="meeting", order_by="Question.id")


class Question(Base):
    """A company's question (问题提要), routed to an office; its status, answer and citations."""

    __tablename__ = "questions"

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    company_id: Mapped[int] = mapped_column(ForeignKey("companies.id"), index=True)
    screening_id: Mapped[int | None] = mapped_column(ForeignKey("screenings.id"))
    topic: Mapped[str] = mapped_column(String(32))
    text: Mapped[str] = mapped_column(Text)
    contact_name: Mapped[str] = mapped_column(String(100))
    contact_phone: Mapped[str] = mapped_column(String(40), default="")
    contact_email: Mapped[str] = mapped_column(String(200), default="")
    office: Mapped[str] = mapped_column(String(64))
    routed_by: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16), default="received", index=True)
    assignee_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    answer: Mapped[str | None] = mapped_column(Text)
    citations: Mapped[list[str]] = mapped_column(JSON, default=list)
    answered_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    answered_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    closed_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    meeting_id: Mapped[int | None] = mapped_column(ForeignKey("meetings.id"))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)

    company: Mapped[Company] = relationship(back_populates="questions")
    screening: Mapped[Screening | None] = relationship()
    assignee: Mapped[User | None] = relationship(foreign_keys=[assignee_id])
    answerer: Mapped[User | None] = relationship(foreign_keys=[answered_by])
    meeting: Mapped[Meeting | None] = relationship(back_populates="questions")
    events: Mapped[list[Event]] = relationship(back_populates="question", order_by="Event.id")


class Event(Base):
    """The audit trail: who did what, when (``actor_id`` empty: the company, through its form or link)."""

    __tablename__ = "events"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    kind: Mapped[str] = mapped_column(String(32))
    question_id: Mapped[int | None] = mapped_column(ForeignKey("questions.id"), index=True)
    company_id: Mapped[int | None] = mapped_column(ForeignKey("companies.id"))
    screening_id: Mapped[int | None] = mapped_column(ForeignKey("screenings.id"))
    detail: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)

    actor: Mapped[User | None] = relationship()
    question: Mapped[Question | None] = relationship(back_populates="events")

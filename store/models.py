"""SQLAlchemy models. Times are stored in UTC; dates are calendar dates in the cohort's sense."""
from __future__ import annotations

import enum
from datetime import date, datetime, time, timezone
from typing import Any

from sqlalchemy import (
    JSON, BigInteger, Boolean, ColumnElement, Date, DateTime, Enum, ForeignKey, Index, Integer, MetaData,
    String, Text, Time, UniqueConstraint, and_,
)
from sqlalchemy import text as sql_text
from sqlalchemy.ext.hybrid import hybrid_property
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship
from sqlalchemy.types import TypeDecorator

from core.content.loader import MENTOR_ROLES as MENTOR_ROLE_CODES

NAMING = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UtcDateTime(TypeDecorator):
    """Timezone-aware datetimes stored as UTC on both SQLite and PostgreSQL."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        value = value.astimezone(timezone.utc)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=timezone.utc) if value.tzinfo is None else value.astimezone(timezone.utc)


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)
    type_annotation_map = {datetime: UtcDateTime, dict[str, Any]: JSON, list[Any]: JSON}


class Role(str, enum.Enum):
    cgp = "cgp"
    pp = "pp"
    fsp = "fsp"
    kepsek = "kepsek"
    pengawas = "pengawas"
    guru = "guru"
    koordinator = "koordinator"


MENTOR_ROLES = {Role(code) for code in MENTOR_ROLE_CODES}  # the roles content may give flows about a mentee
# Who may mentor whom: a CGP's mentor is a PP; school roles are mentored by an FSP.
MENTOR_OF = {Role.cgp: Role.pp, Role.kepsek: Role.fsp, Role.pengawas: Role.fsp, Role.guru: Role.fsp}


class Cohort(Base):
    __tablename__ = "cohorts"
    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Person(Base):
    __tablename__ = "people"
    id: Mapped[int] = mapped_column(primary_key=True)
    external_id: Mapped[str | None] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    role: Mapped[Role] = mapped_column(Enum(Role, name="role", native_enum=False, length=16))
    cohort_id: Mapped[int | None] = mapped_column(ForeignKey("cohorts.id"), index=True)
    school: Mapped[str | None] = mapped_column(String(200))
    district: Mapped[str | None] = mapped_column(String(200))
    province: Mapped[str | None] = mapped_column(String(100))  # for regional days off (program.holidays)
    mentor_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"), index=True)
    tg_user_id: Mapped[int | None] = mapped_column(BigInteger, unique=True)
    tg_chat_id: Mapped[int | None] = mapped_column(BigInteger)
    last_update_id: Mapped[int | None] = mapped_column(BigInteger)  # the newest Telegram update handled for them
    # The reply to their last update that Telegram did not take, queued in the outbox (services/lost_replies.py).
    undelivered_reply: Mapped[dict[str, Any] | None]
    timezone: Mapped[str | None] = mapped_column(String(64))
    quiet_start: Mapped[time] = mapped_column(Time, default=time(21, 0))
    quiet_end: Mapped[time] = mapped_column(Time, default=time(6, 0))
    joined_at: Mapped[datetime | None]
    left_at: Mapped[datetime | None]  # the roster says they left the program (status keluar)
    blocked_at: Mapped[datetime | None]  # Telegram says they blocked the bot
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    cohort: Mapped[Cohort | None] = relationship(lazy="joined")
    mentor: Mapped["Person | None"] = relationship(remote_side="Person.id", lazy="raise")
    # An open chat dialogue, read on every message: loaded with the person, changed through here only.
    chat_input: Mapped["ChatInput | None"] = relationship(lazy="joined", cascade="all, delete-orphan",
                                                          passive_deletes=True)

    # The privacy notice they agreed to (core.consent.notice_version) and when; erased: their data was deleted.
    consent_version: Mapped[str | None] = mapped_column(String(32))
    consent_at: Mapped[datetime | None]
    erased_at: Mapped[datetime | None]

    @property
    def joined(self) -> bool:
        return self.tg_user_id is not None

    # A person's state, in Python and as SQL; queries use these rather than the columns.
    @hybrid_property
    def left(self) -> bool:
        """Left the program: no menu, reminders, broadcasts or codes; shown as keluar."""
        return self.left_at is not None

    @left.inplace.expression
    @classmethod
    def _left_expression(cls) -> ColumnElement[bool]:
        return cls.left_at.is_not(None)

    @hybrid_property
    def blocked(self) -> bool:
        """Blocked the bot: still in the program, but nothing reaches them until they unblock it."""
        return self.blocked_at is not None

    @blocked.inplace.expression
    @classmethod
    def _blocked_expression(cls) -> ColumnElement[bool]:
        return cls.blocked_at.is_not(None)

    @hybrid_property
    def participating(self) -> bool:
        """Neither left nor blocking the bot, joined or not yet: reminders are planned for them."""
        return self.left_at is None and self.blocked_at is None

    @participating.inplace.expression
    @classmethod
    def _participating_expression(cls) -> ColumnElement[bool]:
        return and_(cls.left_at.is_(None), cls.blocked_at.is_(None))

    @hybrid_property
    def reachable(self) -> bool:
        """Joined and participating: messages can be sent to them now."""
        return self.tg_chat_id is not None and self.participating

    @reachable.inplace.expression
    @classmethod
    def _reachable_expression(cls) -> ColumnElement[bool]:
        return and_(cls.tg_chat_id.is_not(None), cls.participating)


class InviteCode(Base):
    """Single-use join code; only its SHA-256 is stored so a leaked database reveals no live code."""

    __tablename__ = "invite_codes"
    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"), index=True)
    code_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    used_at: Mapped[datetime | None]
    revoked_at: Mapped[datetime | None]


class ContentVersion(Base):
    """A snapshot of the flows as loaded, so old answers keep the wording they were given under."""

    __tablename__ = "content_versions"
    version: Mapped[str] = mapped_column(String(64), primary_key=True)
    loaded_at: Mapped[datetime] = mapped_column(default=utcnow)
    snapshot: Mapped[dict[str, Any]]


class RunStatus(str, enum.Enum):
    draft = "draft"
    submitted = "submitted"


class FlowRun(Base):
    """One person's pass through one flow (optionally about a subject, e.g. a PP's mentee)."""

    __tablename__ = "flow_runs"
    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"), index=True)
    flow_id: Mapped[str] = mapped_column(String(64))
    subject_id: Mapped[int | None] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"))
    status: Mapped[RunStatus] = mapped_column(Enum(RunStatus, name="run_status", native_enum=False, length=16), default=RunStatus.draft)
    cursor: Mapped[str | None] = mapped_column(String(64))  # question id being asked, or a mode marker
    mode: Mapped[str] = mapped_column(String(16), default="asking")  # asking | review | editing | paused | done
    state: Mapped[dict[str, Any]] = mapped_column(default=dict)  # small engine state (e.g. multi ticks)
    # Bumped by every change; a compare-and-set on it keeps concurrent updates from double-advancing.
    version: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    content_version: Mapped[str] = mapped_column(String(64))
    quote: Mapped[str | None] = mapped_column(Text)  # the carry-forward quote once taken ("" for none)
    started_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    submitted_at: Mapped[datetime | None]

    answers: Mapped[list["Answer"]] = relationship(back_populates="run", cascade="all, delete-orphan", lazy="selectin")

    __table_args__ = (Index("ix_flow_runs_flow_status", "flow_id", "status"),)


class Answer(Base):
    __tablename__ = "answers"
    id: Mapped[int] = mapped_column(primary_key=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("flow_runs.id", ondelete="CASCADE"))
    question_id: Mapped[str] = mapped_column(String(64))
    value: Mapped[Any] = mapped_column(JSON)
    content_version: Mapped[str] = mapped_column(String(64))
    answered_at: Mapped[datetime] = mapped_column(default=utcnow)

    run: Mapped[FlowRun] = relationship(back_populates="answers")
    __table_args__ = (UniqueConstraint("run_id", "question_id"),)


class Event(Base):
    """A dated program event: a cohort's Lokakarya, a person's PI, an RPP agreement date, a PMO month."""

    __tablename__ = "events"
    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(32))
    number: Mapped[int] = mapped_column(Integer, default=0)
    cohort_id: Mapped[int | None] = mapped_column(ForeignKey("cohorts.id", ondelete="CASCADE"))
    person_id: Mapped[int | None] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"))
    on_date: Mapped[date] = mapped_column(Date)
    at_time: Mapped[time | None] = mapped_column(Time)
    source: Mapped[str] = mapped_column(String(32), default="koordinator")
    note: Mapped[str | None] = mapped_column(Text)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    __table_args__ = (
        UniqueConstraint("kind", "number", "cohort_id", "person_id"),
        Index("ix_events_person_kind", "person_id", "kind"),
    )


class OutboxStatus(str, enum.Enum):
    pending = "pending"
    waiting = "waiting"  # due, but the person has not joined or blocked the bot; woken when they can be reached
    sending = "sending"
    sent = "sent"
    failed = "failed"
    blocked = "blocked"
    cancelled = "cancelled"


class OutboxMessage(Base):
    """One message to one chat, delivered by the sender loop; dedupe_key makes planning idempotent."""

    __tablename__ = "outbox"
    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    dedupe_key: Mapped[str] = mapped_column(String(200), unique=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"), index=True)
    # Whom a planned reminder is about (a mentor's copy: their mentee); the planner and the stops look rows up by
    # it. No foreign key: the rows about someone removed are the planner's to cancel.
    subject_id: Mapped[int | None] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(32))  # reminder | nudge | escalation | broadcast | summary | digest | notice
    rule_id: Mapped[str | None] = mapped_column(String(64))
    broadcast_id: Mapped[int | None] = mapped_column(ForeignKey("broadcasts.id", ondelete="CASCADE"), index=True)
    event_id: Mapped[int | None] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"), index=True)
    text: Mapped[str] = mapped_column(Text)
    buttons: Mapped[list[Any] | None] = mapped_column(JSON)
    # Sent after the text: [{"kind": "photo|document|voice|video|audio", "file_id": …, "caption": …}]
    attachments: Mapped[list[Any] | None] = mapped_column(JSON)
    silent: Mapped[bool] = mapped_column(Boolean, default=False)
    respect_quiet_hours: Mapped[bool] = mapped_column(Boolean, default=True)
    status: Mapped[OutboxStatus] = mapped_column(Enum(OutboxStatus, name="outbox_status", native_enum=False, length=16), default=OutboxStatus.pending)
    due_at: Mapped[datetime]
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    claimed_by: Mapped[str | None] = mapped_column(String(64))
    claimed_at: Mapped[datetime | None]
    sent_at: Mapped[datetime | None]
    telegram_message_id: Mapped[int | None] = mapped_column(BigInteger)
    last_error: Mapped[str | None] = mapped_column(Text)
    # A send of this row may already have reached Telegram (a timeout, or a crashed sender's claim):
    # once sent again it is counted as "perhaps delivered twice".
    maybe_duplicate: Mapped[bool] = mapped_column(Boolean, default=False, server_default=sql_text("false"))
    # To go (once sent: went) with allow_paid_broadcast, up to 1,000 messages/s at 0.1 Star each: a paid
    # broadcast's row, or any row sent while one was going out. False after Telegram refused it paid.
    paid: Mapped[bool] = mapped_column(Boolean, default=False, server_default=sql_text("false"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    __table_args__ = (
        # Partial index: the due-row query only ever looks at pending rows.
        Index("ix_outbox_pending_due", "due_at", postgresql_where=sql_text("status = 'pending'"), sqlite_where=sql_text("status = 'pending'")),
        # Crash recovery looks up the few claimed rows by claimer.
        Index("ix_outbox_sending_claimer", "claimed_by", postgresql_where=sql_text("status = 'sending'"),
              sqlite_where=sql_text("status = 'sending'")),
        # The planner's rows about a batch of people: only the recent ones (months of sent rows pile up behind).
        Index("ix_outbox_subject_due", "subject_id", "due_at"),
        # The escalation check counts a few rules' nudges sent lately.
        Index("ix_outbox_rule_sent", "rule_id", "sent_at"),
    )


class Broadcast(Base):
    __tablename__ = "broadcasts"
    id: Mapped[int] = mapped_column(primary_key=True)
    created_by: Mapped[int] = mapped_column(ForeignKey("people.id"))
    audience: Mapped[dict[str, Any]]
    text: Mapped[str] = mapped_column(Text)
    send_at: Mapped[datetime]
    status: Mapped[str] = mapped_column(String(16), default="scheduled")  # draft | scheduled | sending | done | cancelled
    paid: Mapped[bool] = mapped_column(Boolean, default=False, server_default=sql_text("false"))  # Telegram paid broadcast
    reported_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Acknowledgement(Base):
    """A person said a reminder's task is done (e.g. 'feedback360:pi3'); stops that reminder."""

    __tablename__ = "acknowledgements"
    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"))
    key: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    __table_args__ = (UniqueConstraint("person_id", "key"),)


class Pause(Base):
    """'Ada kendala': nudges to this person pause until `until`, and the mentor is told why."""

    __tablename__ = "pauses"
    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"), index=True)
    reason: Mapped[str] = mapped_column(String(32))
    note: Mapped[str | None] = mapped_column(Text)
    until: Mapped[datetime]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class ChatInput(Base):
    """Per-chat conversational state outside flows (e.g. a koordinator composing a broadcast)."""

    __tablename__ = "chat_inputs"
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"), primary_key=True)
    kind: Mapped[str] = mapped_column(String(32))
    data: Mapped[dict[str, Any]] = mapped_column(default=dict)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class DayOffScope(str, enum.Enum):
    national = "national"
    province = "province"
    cohort = "cohort"


class ExtraDay(Base):
    """A day off a koordinator added (in chat or by file): for everyone, one province or one cohort."""

    __tablename__ = "extra_days"
    id: Mapped[int] = mapped_column(primary_key=True)
    on_date: Mapped[date] = mapped_column(Date, index=True)
    name: Mapped[str] = mapped_column(String(200))
    scope: Mapped[DayOffScope] = mapped_column(Enum(DayOffScope, name="day_off_scope", native_enum=False, length=16))
    province: Mapped[str | None] = mapped_column(String(100))  # scope province
    cohort_id: Mapped[int | None] = mapped_column(ForeignKey("cohorts.id", ondelete="CASCADE"))  # scope cohort
    created_by: Mapped[int | None] = mapped_column(ForeignKey("people.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class PendingImport(Base):
    """A file a koordinator sent for import, recorded when it arrives and removed with the import's result.

    One left over at start-up was cut off by a restart: the koordinator is told to send it again.
    """

    __tablename__ = "pending_imports"
    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"), index=True)
    file_name: Mapped[str] = mapped_column(String(255))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class School(Base):
    """A Sekolah Penggerak school (or a CGP's school) from the roster's sekolah column; its FSP mentors its staff."""

    __tablename__ = "schools"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    npsn: Mapped[str | None] = mapped_column(String(16), unique=True)
    district: Mapped[str | None] = mapped_column(String(200))
    fsp_id: Mapped[int | None] = mapped_column(ForeignKey("people.id", ondelete="SET NULL"), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    __table_args__ = (UniqueConstraint("name", "district"),)


class SchoolMember(Base):
    """Who belongs to a school: its kepala sekolah, guru and CGPs (one school each), pengawas (several).

    A table rather than people.school_id: schools already point at people (their FSP), and a foreign key
    each way would make the two tables a cycle.
    """

    __tablename__ = "school_members"
    school_id: Mapped[int] = mapped_column(ForeignKey("schools.id", ondelete="CASCADE"), primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"), primary_key=True, index=True)


class AuditEntry(Base):
    """A koordinator's action (roster import, broadcast, export, deletion, calendar change): who, what, when."""

    __tablename__ = "audit_log"
    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("people.id", ondelete="SET NULL"))
    actor: Mapped[str] = mapped_column(String(200))  # the name at the time, or "CLI"
    action: Mapped[str] = mapped_column(String(32))
    detail: Mapped[dict[str, Any]] = mapped_column(default=dict)


class HandledUpdate(Base):
    """A Telegram update some webhook worker applied, recorded in its unit of work: a redelivery is a repeat."""

    __tablename__ = "handled_updates"
    update_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    handled_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)

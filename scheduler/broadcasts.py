"""Broadcasts: choose an audience, foresee quiet hours, expand one outbox row per recipient, cancel, report.

Every count a koordinator sees says what really happens: who gets the message now, who waits for the end
of their quiet hours (each person's own window in their own zone; an urgent broadcast ignores it), who
has not joined or blocked the bot, and which deliveries may have gone out twice (see scheduler/sender.py).
"""
from __future__ import annotations

import logging
from dataclasses import dataclass
from collections import Counter
from datetime import datetime, time
from typing import Any, Literal, get_args
from zoneinfo import ZoneInfo

from sqlalchemy import Select, String, cast, exists, func, insert, literal, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from core.clock import Clock
from core.content.schema import Content
from core.zones import named_zone, zone_of
from store.outbox import insert_rows
from scheduler.quiet import in_quiet_hours
from store.models import Broadcast, Cohort, OutboxMessage, OutboxStatus, Person, Role
from store.models import utcnow as now_utc

log = logging.getLogger(__name__)

# Rows not delivered yet: due or in flight, or parked until the person can be reached.
UNDELIVERED = (OutboxStatus.pending, OutboxStatus.sending, OutboxStatus.waiting)

AudienceKind = Literal["all", "role", "cohort", "school", "district", "mentor_group"]
AUDIENCE_KINDS: tuple[str, ...] = get_args(AudienceKind)
REPORT_NAMES = 30  # never-joined names listed in a report; the rest are counted


@dataclass(frozen=True)
class Audience:
    """Who a broadcast goes to; `value` is a role code, cohort code, school, district or a PP's person id."""

    kind: AudienceKind
    value: str | None = None

    def __post_init__(self) -> None:
        if self.kind not in AUDIENCE_KINDS:
            raise ValueError(f"unknown audience {self.kind!r}; use one of {', '.join(AUDIENCE_KINDS)}")
        if (self.kind == "all") != (self.value is None):
            raise ValueError("'all' takes no value; every other audience needs one")
        if self.kind == "role" and self.value not in Role.__members__:
            raise ValueError(f"unknown role {self.value!r}")
        if self.kind == "mentor_group" and not str(self.value).isdigit():
            raise ValueError("mentor_group needs the PP's person id")

    def to_json(self) -> dict[str, Any]:
        return {"kind": self.kind, "value": self.value}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> "Audience":
        return cls(data["kind"], data.get("value"))


@dataclass(frozen=True)
class Forecast:
    """What a broadcast to an audience at a given moment would do."""

    now: int  # reachable and outside their quiet hours (or the broadcast is urgent): sent at once
    quiet: int  # reachable but in their quiet hours: sent when those end
    quiet_ends: list[time]  # the local times those quiet hours end, earliest first
    not_joined: int  # sent if they join within store.outbox.WAKE_STALE
    unreachable: int  # joined but blocked the bot

    @property
    def total(self) -> int:
        return self.now + self.quiet + self.not_joined + self.unreachable


@dataclass(frozen=True)
class BroadcastReport:
    sent: int
    failed: int
    blocked: int  # blocked rows, plus rows waiting for someone who blocked the bot
    pending: int  # still to go out to reachable people outside their quiet hours (due, queued or retried)
    never_joined_names: list[str]
    quiet: int = 0  # still to go out, held back by the person's quiet hours
    quiet_ends: tuple[time, ...] = ()  # the local times those quiet hours end, earliest first
    maybe_twice: int = 0  # sent, but an earlier attempt may have been delivered too (timeout, crash)
    cancelled: int = 0
    sent_paid: int = 0  # sent as a Telegram paid broadcast

    @property
    def undelivered(self) -> int:
        return self.pending + self.quiet


def _people_query(audience: Audience) -> Select:
    query = select(Person.id).where(~Person.left)
    match audience.kind:
        case "role":
            query = query.where(Person.role == Role(audience.value))
        case "cohort":
            query = query.join(Cohort, Cohort.id == Person.cohort_id).where(Cohort.code == audience.value)
        case "school":
            query = query.where(Person.school == audience.value)
        case "district":
            query = query.where(Person.district == audience.value)
        case "mentor_group":
            query = query.where(Person.mentor_id == int(audience.value))
    return query


def _is_quiet(at: datetime, zone: str | None, quiet_start: time, quiet_end: time, default_tz: str) -> bool:
    return in_quiet_hours(at.astimezone(ZoneInfo(named_zone(zone, default_tz))).time(), quiet_start, quiet_end)


async def forecast(session: AsyncSession, audience: Audience, at: datetime, default_tz: str,
                   urgent: bool = False) -> Forecast:
    """Foresee a broadcast to `audience` sent at `at`: who gets it then, who after their quiet hours, who not."""
    ids = _people_query(audience).scalar_subquery()
    groups = (await session.execute(
        select(Person.tg_chat_id.is_not(None).label("joined"), Person.reachable.label("reachable"), Person.timezone,
               Person.quiet_start, Person.quiet_end, func.count())
        .where(Person.id.in_(ids))
        .group_by("joined", "reachable", Person.timezone, Person.quiet_start, Person.quiet_end)
    )).all()
    counts: Counter[str] = Counter()
    ends: set[time] = set()
    for joined, is_reachable, zone, quiet_start, quiet_end, n in groups:
        if not joined:
            counts["not_joined"] += n
        elif not is_reachable:
            counts["unreachable"] += n
        elif not urgent and _is_quiet(at, zone, quiet_start, quiet_end, default_tz):
            counts["quiet"] += n
            ends.add(quiet_end)
        else:
            counts["now"] += n
    return Forecast(now=counts["now"], quiet=counts["quiet"], quiet_ends=sorted(ends),
                    not_joined=counts["not_joined"], unreachable=counts["unreachable"])


async def create_broadcast(session: AsyncSession, creator: Person, audience: Audience, text_: str, send_at: datetime,
                           urgent: bool = False, paid: bool = False) -> Broadcast:
    """Store the broadcast and one outbox row per recipient, due at `send_at`, in one bulk insert.

    An urgent broadcast goes out through the recipients' quiet hours; a paid one as a Telegram paid broadcast.
    """
    broadcast = Broadcast(created_by=creator.id, audience=audience.to_json(), text=text_, send_at=send_at,
                          status="scheduled", paid=paid)
    session.add(broadcast)
    await session.flush()
    # One INSERT … SELECT: no recipient row passes through Python, so 20,000 take well under a second.
    outbox = OutboxMessage.__table__
    recipients = _people_query(audience).subquery()
    values = {
        "dedupe_key": literal(f"b:{broadcast.id}:") + cast(recipients.c.id, String),
        "person_id": recipients.c.id,
        "kind": literal("broadcast"),
        "broadcast_id": literal(broadcast.id),
        "text": literal(text_, outbox.c.text.type),
        "due_at": literal(send_at, outbox.c.due_at.type),
        "silent": literal(False, outbox.c.silent.type),
        "respect_quiet_hours": literal(not urgent, outbox.c.respect_quiet_hours.type),
        "paid": literal(paid, outbox.c.paid.type),
        "status": literal(OutboxStatus.pending.value),
        "attempts": literal(0),
        "created_at": literal(now_utc(), outbox.c.created_at.type),
    }
    result = await session.execute(insert(outbox).from_select(list(values), select(*values.values())))
    count = result.rowcount
    log.info("broadcast %s to %s: %d recipients at %s%s%s", broadcast.id, audience.to_json(), count,
             send_at.isoformat(), " (urgent)" if urgent else "", " (paid)" if paid else "")
    return broadcast


async def cancel_broadcast(session: AsyncSession, broadcast_id: int) -> int | None:
    """Cancel a broadcast's unsent rows; return how many, or None if it is already done or cancelled."""
    broadcast = await session.get(Broadcast, broadcast_id)
    if broadcast is None or broadcast.status in ("done", "cancelled"):
        return None
    result = await session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.broadcast_id == broadcast_id, OutboxMessage.status.in_(UNDELIVERED))
        .values(status=OutboxStatus.cancelled)
        .execution_options(synchronize_session=False)
    )
    broadcast.status = "cancelled"
    await session.flush()
    return result.rowcount


async def broadcast_report(session: AsyncSession, broadcast_id: int, now: datetime,
                           default_tz: str) -> BroadcastReport:
    """Count a broadcast's rows by outcome as of `now` and name the recipients who never joined.

    A row still to go out to someone in their quiet hours (at `now`, or at the send time of a broadcast
    not due yet) counts as waiting for quiet hours, unless the broadcast is urgent. Rows waiting for
    someone who left after the broadcast was queued count nowhere.
    """
    send_at = await session.scalar(select(Broadcast.send_at).where(Broadcast.id == broadcast_id))
    at = max(now, send_at) if send_at is not None else now
    rows = (await session.execute(
        select(OutboxMessage.status, Person.reachable.label("reachable"), (Person.blocked & ~Person.left).label("blocked"),
               OutboxMessage.maybe_duplicate, OutboxMessage.respect_quiet_hours, Person.timezone,
               Person.quiet_start, Person.quiet_end, OutboxMessage.paid, func.count())
        .join(Person, Person.id == OutboxMessage.person_id)
        .where(OutboxMessage.broadcast_id == broadcast_id, OutboxMessage.kind == "broadcast")  # not the report
        .group_by(OutboxMessage.status, "reachable", "blocked", OutboxMessage.maybe_duplicate,
                  OutboxMessage.respect_quiet_hours, Person.timezone, Person.quiet_start, Person.quiet_end,
                  OutboxMessage.paid)
    )).all()
    counts: Counter[str] = Counter()
    ends: set[time] = set()
    for status, is_reachable, is_blocked, maybe_duplicate, respects_quiet, zone, quiet_start, quiet_end, paid, n in rows:
        status = OutboxStatus(status)
        if status == OutboxStatus.sent:
            counts["sent"] += n
            counts["maybe_twice"] += n if maybe_duplicate else 0
            counts["sent_paid"] += n if paid else 0
        elif status in (OutboxStatus.failed, OutboxStatus.cancelled):
            counts[status.value] += n
        elif status == OutboxStatus.blocked or (status in UNDELIVERED and is_blocked):
            counts["blocked"] += n
        elif status in UNDELIVERED and is_reachable:
            if respects_quiet and _is_quiet(at, zone, quiet_start, quiet_end, default_tz):
                counts["quiet"] += n
                ends.add(quiet_end)
            else:
                counts["pending"] += n
    names = (await session.execute(
        select(Person.name).join(OutboxMessage, OutboxMessage.person_id == Person.id)
        .where(OutboxMessage.broadcast_id == broadcast_id, Person.tg_chat_id.is_(None), ~Person.left,
               OutboxMessage.status.in_(UNDELIVERED))
        .order_by(Person.name)
    )).scalars().all()
    return BroadcastReport(
        sent=counts["sent"], failed=counts["failed"], blocked=counts["blocked"], pending=counts["pending"],
        never_joined_names=list(names), quiet=counts["quiet"], quiet_ends=tuple(sorted(ends)),
        maybe_twice=counts["maybe_twice"], cancelled=counts["cancelled"], sent_paid=counts["sent_paid"])


async def plan_broadcast_reports(session: AsyncSession, content: Content, clock: Clock) -> int:
    """Queue a report to the creator of each broadcast with nothing left to deliver; return how many."""
    now = clock.now()
    open_ones = (await session.execute(
        select(Broadcast).where(Broadcast.status.in_(("scheduled", "sending")), Broadcast.send_at <= now,
                                Broadcast.reported_at.is_(None))
    )).scalars().all()
    reported = 0
    for broadcast in open_ones:
        report = await broadcast_report(session, broadcast.id, now, content.default_tz)
        if report.undelivered:
            broadcast.status = "sending"
            continue
        urgent = await session.scalar(select(exists().where(  # an urgent broadcast's report may ring at once too
            OutboxMessage.broadcast_id == broadcast.id, OutboxMessage.kind == "broadcast", ~OutboxMessage.respect_quiet_hours)))
        await insert_rows(session, [{
            "dedupe_key": f"b:{broadcast.id}:report", "person_id": broadcast.created_by, "kind": "notice",
            "broadcast_id": broadcast.id, "text": await report_text(session, content, broadcast, report),
            "due_at": now, "respect_quiet_hours": not urgent,
        }])
        broadcast.status, broadcast.reported_at = "done", now
        reported += 1
    await session.flush()
    return reported


async def report_text(session: AsyncSession, content: Content, broadcast: Broadcast, report: BroadcastReport) -> str:
    """The koordinator's delivery report: counts, then who never joined."""
    lines = [content.text("siaran.report", nomor=broadcast.id,
                          penerima=await describe_audience(session, content, Audience.from_json(broadcast.audience)),
                          terkirim=report.sent, gagal=report.failed, diblokir=report.blocked,
                          menunggu=report.undelivered)]
    if report.maybe_twice:
        lines.append(content.text("siaran.report_maybe_twice", jumlah=report.maybe_twice))
    if broadcast.paid:
        lines.append(content.text("siaran.report_paid", berbayar=report.sent_paid, biasa=report.sent - report.sent_paid))
    names = report.never_joined_names
    if names:
        listed = ", ".join(names[:REPORT_NAMES])
        if len(names) > REPORT_NAMES:
            listed += " " + content.text("siaran.report_more", jumlah=len(names) - REPORT_NAMES)
        lines.append(content.text("siaran.report_never_joined", jumlah=len(names), nama=listed))
    return "\n".join(lines)


async def describe_audience(session: AsyncSession, content: Content, audience: Audience) -> str:
    """A short Indonesian label such as 'angkatan A1' or 'kelompok PP Bu Rina'."""
    if audience.kind == "all":
        return content.text("siaran.audience.all")
    value = audience.value
    if audience.kind == "role":
        value = content.text(f"role.{value}")
    elif audience.kind == "mentor_group":
        value = await session.scalar(select(Person.name).where(Person.id == int(value))) or value
    return content.text(f"siaran.audience.{audience.kind}", nilai=value)


async def parse_audience(session: AsyncSession, spec: str) -> Audience:
    """Parse 'all', 'role=cgp', 'cohort=A1', 'school=…', 'district=…' or 'mentor_group=<PP external id>'."""
    kind, _, value = spec.partition("=")
    kind, value = kind.strip(), value.strip()
    if kind == "mentor_group":
        pp_id = await session.scalar(select(Person.id).where(Person.external_id == value, Person.role == Role.pp))
        if pp_id is None:
            raise ValueError(f"no PP with external id {value!r}")
        value = str(pp_id)
    return Audience(kind, value or None)  # type: ignore[arg-type]


async def broadcast_from_cli(session: AsyncSession, content: Content, audience_spec: str, text_: str,
                             send_at: datetime, creator_id: int | None = None,
                             urgent: bool = False, paid: bool = False) -> tuple[Broadcast, Forecast]:
    """Create a broadcast for scripting; return it with its forecast at its send time.

    The creator (who gets the report) defaults to the first koordinator; a naive `send_at` is in
    the creator's time zone (or the configured default).
    """
    audience = await parse_audience(session, audience_spec)
    creator = await session.get(Person, creator_id) if creator_id is not None else await session.scalar(
        select(Person).where(Person.role == Role.koordinator, ~Person.left).order_by(Person.id).limit(1))
    if creator is None or creator.role != Role.koordinator:
        raise ValueError("a broadcast needs a koordinator as its creator; import one first")
    if not text_.strip():
        raise ValueError("empty broadcast text")
    if send_at.tzinfo is None:
        send_at = send_at.replace(tzinfo=zone_of(creator, content.default_tz))
    expected = await forecast(session, audience, send_at, content.default_tz, urgent)
    broadcast = await create_broadcast(session, creator, audience, text_, send_at, urgent, paid)
    log.info("CLI broadcast %s to %s", broadcast.id, await describe_audience(session, content, audience))
    return broadcast, expected

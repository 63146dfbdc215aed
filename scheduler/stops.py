"""Stop conditions: 'Sudah selesai', submission, escalation to the mentor, and 'Ada kendala' pauses."""
from __future__ import annotations

import logging
import re
from collections import defaultdict
from datetime import time, timedelta
from typing import Any

from sqlalchemy import bindparam, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from core.clock import Clock
from core.content.schema import Content, ReminderRule
from core.dates import format_date
from core.zones import local_datetime, zone_of
from program.holidays import HolidayCalendar
from scheduler import rules as R
from store.outbox import OUTBOX, insert_rows
from store.models import Acknowledgement, FlowRun, OutboxMessage, OutboxStatus, Pause, Person, RunStatus

log = logging.getLogger(__name__)

PAUSE_ENDS_AT = time(7, 0)  # local time the pause ends, on the last day
ESCALATION_LOOKBACK = timedelta(days=60)  # sent nudges older than this no longer count


def _ack_pattern(rule: ReminderRule) -> re.Pattern[str] | None:
    if not rule.stop_on_ack:
        return None
    return re.compile(re.escape(rule.stop_on_ack).replace(re.escape("{nomor}"), r"\d*"))


async def _pending_about(session: AsyncSession, rules: list[ReminderRule], person: Person) -> list[tuple[Any, R.ReminderKey]]:
    """Pending planned rows of these rules about a person: theirs and their mentor's copies."""
    if not rules:
        return []
    rows = await session.execute(
        select(OUTBOX.c.id, OUTBOX.c.dedupe_key, OUTBOX.c.person_id, OUTBOX.c.due_at)
        .where(OUTBOX.c.subject_id == person.id, OUTBOX.c.status == OutboxStatus.pending.value,
               OUTBOX.c.rule_id.in_([rule.id for rule in rules]))
    )
    return [(row, key) for row in rows if (key := R.parse_key(row.dedupe_key)) and key.subject_id == person.id]


async def _cancel(session: AsyncSession, ids: list[int], reason: str) -> int:
    if not ids:
        return 0
    result = await session.execute(
        update(OUTBOX).where(OUTBOX.c.id.in_(ids), OUTBOX.c.status == OutboxStatus.pending.value)
        .values(status=OutboxStatus.cancelled.value, last_error=reason)
    )
    return result.rowcount or 0


async def acknowledge(session: AsyncSession, content: Content, person: Person, ack: str) -> bool | None:
    """Record 'Sudah selesai' for an acknowledgement key and cancel the reminders it stops.

    Return True when newly recorded, False when it already was, None for an unknown key.
    """
    rules = {r.id: r for r in content.rules if (p := _ack_pattern(r)) and p.fullmatch(ack)}
    if not rules:
        return None
    exists = await session.scalar(select(Acknowledgement.id).where(Acknowledgement.person_id == person.id, Acknowledgement.key == ack))
    if exists is None:
        session.add(Acknowledgement(person_id=person.id, key=ack))
        await session.flush()
    rows = await _pending_about(session, list(rules.values()), person)
    stopped = [row.id for row, key in rows if R.ack_key(rules[key.rule_id], key.event_number) == ack]
    cancelled = await _cancel(session, stopped, f"ack {ack}")
    log.info("person %s acknowledged %s; %d reminder(s) cancelled", person.id, ack, cancelled)
    return exists is None


async def on_flow_submitted(session: AsyncSession, content: Content, person: Person, flow_id: str, clock: Clock) -> int:
    """Cancel the pending reminders and nudges that this submission stops; return how many."""
    rules = {r.id: r for r in content.rules if flow_id in R.stop_flows(r)}
    rows = await _pending_about(session, list(rules.values()), person)
    run_ids = {key.run_id for _, key in rows if key.run_id is not None}
    open_runs = set()
    if run_ids:
        open_runs = set((await session.execute(
            select(FlowRun.id).where(FlowRun.id.in_(run_ids), FlowRun.status == RunStatus.draft)
        )).scalars())
    today = clock.now().astimezone(zone_of(person, content.default_tz)).date()
    stopped = []
    for row, key in rows:
        rule = rules[key.rule_id]
        if key.run_id is not None:
            if key.run_id not in open_runs:
                stopped.append(row.id)
        elif rule.stop_on_submit == flow_id and R.submission_stops(content, rule, key.event_date, today):
            stopped.append(row.id)
    cancelled = await _cancel(session, stopped, f"submitted {flow_id}")
    log.info("person %s submitted %s; %d reminder(s) cancelled", person.id, flow_id, cancelled)
    return cancelled


async def escalate(session: AsyncSession, content: Content, clock: Clock, holidays: HolidayCalendar) -> int:
    """Tell the mentor once when a person ignored `escalate.after` sent nudges of an open occurrence.

    Not on the mentor's day off: the first planning of their next working day tells them.
    """
    rules = {r.id: r for r in content.rules if r.escalate}
    if not rules:
        return 0
    now = clock.now()
    rows = await session.execute(
        select(OUTBOX.c.dedupe_key).where(
            OUTBOX.c.status == OutboxStatus.sent.value, OUTBOX.c.rule_id.in_(rules), OUTBOX.c.sent_at >= now - ESCALATION_LOOKBACK,
        )
    )
    counts: dict[tuple[str, int, str], int] = defaultdict(int)
    for (dedupe_key,) in rows:
        key = R.parse_key(dedupe_key)
        if key is not None and key.mentor_id is None:
            counts[(key.rule_id, key.subject_id, key.event_key)] += 1
    due = [k for k, n in counts.items() if n >= rules[k[0]].escalate.after]
    if not due:
        return 0
    subjects = {p.id: p for p in (await session.execute(select(Person).where(Person.id.in_({k[1] for k in due})))).scalars()}
    mentors = {p.id: p for p in (await session.execute(
        select(Person).where(Person.id.in_({p.mentor_id for p in subjects.values() if p.mentor_id}))
    )).scalars()}
    acks: dict[int, set[str]] = defaultdict(set)
    for pid, ack in await session.execute(select(Acknowledgement.person_id, Acknowledgement.key).where(Acknowledgement.person_id.in_(subjects))):
        acks[pid].add(ack)
    runs = await session.execute(
        select(FlowRun.id, FlowRun.person_id, FlowRun.flow_id, FlowRun.status, FlowRun.submitted_at).where(FlowRun.person_id.in_(subjects))
    )
    drafts, submitted = set(), defaultdict(list)
    for run in runs:
        if run.status == RunStatus.draft:
            drafts.add(run.id)
        elif run.submitted_at is not None:
            submitted[(run.person_id, run.flow_id)].append(run.submitted_at)
    new_rows = []
    for rule_id, subject_id, event_key in due:
        rule, subject = rules[rule_id], subjects.get(subject_id)
        mentor = mentors.get(subject.mentor_id) if subject and subject.mentor_id else None
        if subject is None or not subject.participating or mentor is None or not mentor.participating:
            continue
        if not holidays.is_working_day(now.astimezone(zone_of(mentor, content.default_tz)).date(), mentor):
            continue
        key = R.ReminderKey(rule_id, subject_id, event_key, 0)
        if key.run_id is not None and key.run_id not in drafts:
            continue
        ack = R.ack_key(rule, key.event_number)
        if ack and ack in acks[subject_id]:
            continue
        zone = zone_of(subject, content.default_tz)
        if rule.stop_on_submit and any(R.submission_stops(content, rule, key.event_date, at.astimezone(zone).date())
                                       for at in submitted[(subject_id, rule.stop_on_submit)]):
            continue
        values = {
            "nama": mentor.name, "subjek": subject.name, "mentee": subject.name, "jumlah": counts[(rule_id, subject_id, event_key)],
            "nomor": key.event_number if key.event_number is not None else "",
            "tanggal": format_date(key.event_date) if key.event_date else "",
            "judul": content.flows[rule.flow].title if rule.flow in content.flows else "",
        }
        new_rows.append({
            "dedupe_key": R.escalation_key(rule_id, subject_id, event_key), "person_id": mentor.id, "kind": "escalation",
            "rule_id": rule_id, "text": R.render(rule.escalate.text, values), "buttons": None, "attachments": None,
            "silent": False, "respect_quiet_hours": True, "status": OutboxStatus.pending.value, "due_at": now,
            "attempts": 0, "created_at": now,
        })
    if not new_rows:
        return 0
    inserted = await insert_rows(session, new_rows)
    log.info("escalated %d ignored nudge series to mentors", inserted)
    return inserted


def reason_label(content: Content, reason: str) -> str:
    return content.text(f"kendala.reason.{reason}")


async def pause(session: AsyncSession, content: Content, person: Person, reason: str, days: int, clock: Clock) -> Pause:
    """Pause the person's nudges for `days`, defer the pending ones past it, and tell the mentor."""
    now = clock.now()
    zone = zone_of(person, content.default_tz)
    until = local_datetime(now.astimezone(zone).date() + timedelta(days=days), PAUSE_ENDS_AT, zone)
    record = Pause(person_id=person.id, reason=reason, until=until)
    session.add(record)
    await session.flush()
    pausable = [r for r in content.rules if R.is_pausable(r)]
    rows = [row for row, key in await _pending_about(session, pausable, person)
            if row.person_id == person.id and row.due_at < until]
    shift = until - now  # keeps the nudges' spacing after the pause
    if rows:
        await session.execute(
            update(OUTBOX).where(OUTBOX.c.id == bindparam("b_id")).values(due_at=bindparam("b_due")),
            [{"b_id": row.id, "b_due": row.due_at + shift} for row in rows],
        )
    if person.mentor_id:
        mentor = await session.get(Person, person.mentor_id)
        if mentor is not None and mentor.participating:
            text = content.text("kendala.mentor_notice", mentee=person.name, alasan=reason_label(content, reason),
                                sampai=format_date(until.date()))
            session.add(OutboxMessage(dedupe_key=f"kendala:{record.id}", person_id=mentor.id, kind="notice", text=text, due_at=now))
            await session.flush()
    log.info("person %s paused %d day(s) (%s); %d nudge(s) deferred", person.id, days, reason, len(rows))
    return record

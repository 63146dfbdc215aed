"""The PP's morning digest: mentees done / late / due within 7 days, one outbox row a day, none when quiet.

None on the mentor's days off (program.holidays): the next working day's digest reports what was
submitted since the last working day's.
"""
from __future__ import annotations

import logging
from collections import defaultdict
from datetime import datetime, time, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from core.clock import Clock
from core.content.schema import Content
from core.dates import format_date
from core.zones import zone_of
from program.calendar import PERSON_KINDS, SharedItems, cohort_events, item_title, person_events
from program.holidays import HolidayCalendar
from store.outbox import OUTBOX, insert_rows
from store.models import Answer, FlowRun, OutboxStatus, Pause, Person, Role, RunStatus

log = logging.getLogger(__name__)

DIGEST_AT = time(7, 0)  # local time of the digest
DIGEST_UNTIL = time(12, 0)  # after this a missed morning's digest is skipped, not sent late
DONE_SINCE = timedelta(hours=24)
LATE_AFTER = timedelta(days=3)  # a draft untouched since started this long ago counts as late
DUE_WITHIN_DAYS = 7
EXCERPT_CHARS = 90
MAX_LINES = 8  # per section
BATCH_SIZE = 200
MENTOR_COLUMNS = (Person.id, Person.name, Person.role, Person.timezone, Person.province, Person.cohort_id)
MENTEE_COLUMNS = (Person.id, Person.name, Person.role, Person.cohort_id, Person.mentor_id, Person.timezone)


def digest_key(mentor_id: int, local_date) -> str:
    return f"digest:{mentor_id}:{local_date.isoformat()}"


def excerpt(content: Content, flow_id: str, answers: dict[str, Any]) -> str | None:
    """The first written answer of a run in the flow's question order, shortened."""
    flow = content.flows.get(flow_id)
    order = [q.id for q in flow.questions()] if flow else sorted(answers)
    for qid in order:
        value = answers.get(qid)
        if isinstance(value, str) and value.strip():
            text = " ".join(value.split())
            return text if len(text) <= EXCERPT_CHARS else text[: EXCERPT_CHARS - 1].rstrip() + "…"
    return None


def _section(content: Content, heading: str, lines: list[str]) -> list[str]:
    if not lines:
        return []
    shown = lines[:MAX_LINES]
    more = [content.text("digest.more", count=len(lines) - MAX_LINES)] if len(lines) > MAX_LINES else []
    return [content.text(heading), *shown, *more]


async def plan_digests(session: AsyncSession, content: Content, clock: Clock) -> int:
    """Queue today's digest for each PP/FSP whose morning it is and who has something to report."""
    now = clock.now()
    holidays = await HolidayCalendar.load(session, content)
    queued = last_id = 0
    while True:
        mentors = (await session.execute(
            select(*MENTOR_COLUMNS).where(Person.id > last_id, Person.participating, Person.role.in_([Role.pp, Role.fsp]))
            .order_by(Person.id).limit(BATCH_SIZE)
        )).all()
        if not mentors:
            return queued
        last_id = mentors[-1].id
        morning, done_since = {}, {}
        for mentor in mentors:
            local = now.astimezone(zone_of(mentor, content.default_tz))
            if DIGEST_AT <= local.time() < DIGEST_UNTIL and holidays.is_working_day(local.date(), mentor):
                morning[digest_key(mentor.id, local.date())] = mentor
                days_off = (local.date() - holidays.previous_working_day(local.date(), mentor)).days - 1
                done_since[mentor.id] = now - DONE_SINCE - timedelta(days=days_off)
        if morning:
            done = set((await session.execute(select(OUTBOX.c.dedupe_key).where(OUTBOX.c.dedupe_key.in_(morning)))).scalars())
            todo = {k: m for k, m in morning.items() if k not in done}
            if todo:
                queued += await _queue(session, content, todo, now, done_since)


async def _queue(session: AsyncSession, content: Content, mentors: dict[str, Any], now: datetime,
                 done_since: dict[int, datetime]) -> int:
    by_id = {m.id: m for m in mentors.values()}
    mentees = (await session.execute(
        select(*MENTEE_COLUMNS).where(Person.mentor_id.in_(by_id), Person.participating).order_by(Person.name)
    )).all()
    ids = [m.id for m in mentees]
    runs = (await session.execute(
        select(FlowRun.id, FlowRun.person_id, FlowRun.flow_id, FlowRun.status, FlowRun.started_at, FlowRun.submitted_at)
        .where(FlowRun.person_id.in_(ids),
               ((FlowRun.status == RunStatus.submitted) & (FlowRun.submitted_at >= min(done_since.values())))
               | ((FlowRun.status == RunStatus.draft) & (FlowRun.started_at <= now - LATE_AFTER)))
    )).all()
    answers: dict[int, dict[str, Any]] = defaultdict(dict)
    done_ids = [r.id for r in runs if r.status == RunStatus.submitted]
    if done_ids:
        for run_id, qid, value in await session.execute(select(Answer.run_id, Answer.question_id, Answer.value).where(Answer.run_id.in_(done_ids))):
            answers[run_id][qid] = value
    pauses = {pid: (reason, until) for pid, reason, until in await session.execute(
        select(Pause.person_id, Pause.reason, Pause.until).where(Pause.person_id.in_(ids), Pause.until > now).order_by(Pause.until)
    )}
    items_of = SharedItems(content, await cohort_events(session, (m.cohort_id for m in mentees)))
    own = await person_events(session, ids)
    runs_of = defaultdict(list)
    for run in runs:
        runs_of[run.person_id].append(run)

    sections: dict[int, dict[str, list[str]]] = defaultdict(lambda: defaultdict(list))
    for mentee in mentees:
        zone = zone_of(mentee, content.default_tz)
        today = now.astimezone(zone).date()
        out = sections[mentee.mentor_id]
        for run in runs_of[mentee.id]:
            title = content.flows[run.flow_id].title if run.flow_id in content.flows else run.flow_id
            if run.status == RunStatus.submitted:
                if run.submitted_at < done_since[mentee.mentor_id]:
                    continue  # reported in the mentor's previous digest
                out["done"].append(content.text("digest.done_line", mentee=mentee.name, judul=title))
                quote = excerpt(content, run.flow_id, answers[run.id])
                if quote:
                    out["done"].append(content.text("digest.excerpt_line", kutipan=quote))
            else:
                started = format_date(run.started_at.astimezone(zone).date())
                out["late"].append(content.text("digest.late_draft", mentee=mentee.name, judul=title, tanggal=started))
        if mentee.id in pauses:
            reason, until = pauses[mentee.id]
            out["late"].append(content.text("digest.paused_line", mentee=mentee.name, alasan=content.text(f"kendala.reason.{reason}"),
                                            sampai=format_date(until.astimezone(zone).date())))
        for item in items_of.of(mentee, own[mentee.id], today):
            if item.kind in PERSON_KINDS and today <= item.on_date <= today + timedelta(days=DUE_WITHIN_DAYS):
                out["due"].append(content.text("digest.due_line", mentee=mentee.name, judul=item_title(content, item),
                                               tanggal=format_date(item.on_date)))
    rows = []
    for key, mentor in mentors.items():
        out = sections.get(mentor.id)
        if not out or not any(out.values()):
            continue
        lines = [content.text("digest.heading", nama=mentor.name)]
        lines += _section(content, "digest.done_heading", out["done"])
        lines += _section(content, "digest.late_heading", out["late"])
        lines += _section(content, "digest.due_heading", out["due"])
        rows.append({
            "dedupe_key": key, "person_id": mentor.id, "kind": "digest", "rule_id": None, "text": "\n".join(lines),
            "buttons": None, "attachments": None, "silent": False, "respect_quiet_hours": True,
            "status": OutboxStatus.pending.value, "due_at": now, "attempts": 0, "created_at": now,
        })
    if not rows:
        return 0
    inserted = await insert_rows(session, rows)
    log.info("queued %d digest(s)", inserted)
    return inserted

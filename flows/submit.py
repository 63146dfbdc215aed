"""Kirim: the run becomes final, agreed dates become events, mentors get the summary via the outbox."""
from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from core.answers import date_value, media_items
from core.dates import format_date, format_time
from core.ui import Reply
from core.zones import abbreviation, zone_name
from flows.callbacks import MenteeAnswers
from flows.render import Walk, pack
from flows.runs import DONE
from flows.steps import Step
from program.calendar import DatedItem, item_title
from program.callbacks import CalendarFile
from store.models import Event, OutboxMessage, Person, Role, RunStatus
from store.outbox import insert_rows

log = logging.getLogger(__name__)

EVENT_SOURCE = "rpp_agreement"


@dataclass
class Submitted:
    """A run just made final: its flow, and who is sent its summary."""

    flow_id: str
    summary_to: list[Person]


async def submit(session: AsyncSession, step: Step) -> tuple[list[Reply], Submitted]:
    """Make the run final, write its events and summaries, and confirm to the person."""
    run, walk, person, now = step.run, step.walk, step.person, step.clock.now()
    run.status, run.submitted_at, run.mode, run.cursor, run.state = RunStatus.submitted, now, DONE, None, {}
    subject = await session.get(Person, run.subject_id) if run.subject_id else None
    events = await _write_events(session, walk, step.answers, (subject or person).id)
    recipients = await _recipients(session, walk, person, subject)
    await insert_rows(session, [row for recipient in recipients
                                for row in _summary_rows(walk, step.answers, person, subject, recipient, now)])
    if events and subject is not None:
        _queue_dates(session, walk, events, person, subject, now)
    await session.flush()
    log.info("run %s of %s submitted; summary to %s", run.id, walk.flow.id, [r.id for r in recipients])
    text = walk.t("flow.submitted", title=walk.flow.title)
    if recipients:
        text += "\n" + walk.t("flow.submitted_to", names=", ".join(r.name for r in recipients))
    if events and subject is not None:
        text += "\n" + walk.t("flow.dates_sent", name=subject.name)
    return [Reply(text)], Submitted(walk.flow.id, recipients)


async def _write_events(session: AsyncSession, walk: Walk, answers: dict[str, Any], person_id: int) -> list[Event]:
    """The dated events the answers create (e.g. the four RPP dates), with a time of day where given."""
    events = []
    for q in walk.questions:
        if not q.creates_event or not answers.get(q.id):
            continue
        on_date, at_time = date_value(answers[q.id])
        event = await session.scalar(select(Event).where(
            Event.kind == q.creates_event, Event.number == 0, Event.person_id == person_id, Event.cohort_id.is_(None),
        ))
        if event is None:
            event = Event(kind=q.creates_event, number=0, person_id=person_id, on_date=on_date, at_time=at_time,
                          source=EVENT_SOURCE)
            session.add(event)
        else:
            event.on_date, event.at_time, event.source = on_date, at_time, EVENT_SOURCE
        events.append(event)
    return events


def _queue_dates(session: AsyncSession, walk: Walk, events: list[Event], person: Person, subject: Person,
                 now: datetime) -> None:
    """Tell the mentee the dates agreed about them, at once (outside their quiet hours), with a button
    that sends them their calendar (.ics) file."""
    content = walk.content
    zone = abbreviation(zone_name(subject, content.default_tz))
    lines = []
    for event in events:
        when = format_date(event.on_date)
        if event.at_time is not None:
            when = content.text("waktu.date_time_zone", tanggal=when, jam=format_time(event.at_time), zona=zone)
        what = item_title(content, DatedItem(event.kind, event.number, event.on_date, event.at_time))
        lines.append(content.text("flow.dates_line", kegiatan=what, tanggal=when))
    session.add(OutboxMessage(
        dedupe_key=f"dates:{walk.run.id}:{subject.id}",
        person_id=subject.id,
        kind="notice",
        text=content.text("flow.dates_to_subject", nama=person.name, judul=walk.flow.title, daftar="\n".join(lines)),
        buttons=[[{"text": content.text("jadwal.button_ics"), "data": CalendarFile().pack()}]],
        respect_quiet_hours=True,
        due_at=now,
    ))


async def _recipients(session: AsyncSession, walk: Walk, person: Person, subject: Person | None) -> list[Person]:
    """Who gets the summary, per the flow's summary_to; never the sender themself."""
    ids: list[int] = []
    for target in walk.flow.summary_to:
        if target == "mentor" and person.mentor_id:
            ids.append(person.mentor_id)
        elif target == "subject_mentor" and subject is not None and subject.mentor_id:
            ids.append(subject.mentor_id)
        elif target == "koordinator":
            cohort_id = (subject or person).cohort_id
            if cohort_id is not None:
                ids += (await session.scalars(select(Person.id).where(
                    Person.role == Role.koordinator, Person.cohort_id == cohort_id, Person.participating,
                ))).all()
    unique = [i for n, i in enumerate(ids) if i != person.id and i not in ids[:n]]
    return [await session.get(Person, i) for i in unique]


def summary_parts(walk: Walk, answers: dict[str, Any], person: Person, subject: Person | None,
                  own: bool = False) -> list[tuple[str, list[dict]]]:
    """The summary text split on question boundaries, each part with the media of its questions;
    `own`: for the person who sent it, who is not named in the third person."""
    if own:
        header = walk.t("flow.summary.own_header", title=walk.flow.title)
    else:
        header = walk.t("flow.summary.header", name=person.name, title=walk.flow.title)
    if subject is not None:
        header += "\n" + walk.t("flow.summary.about", name=subject.name)
    if walk.flow.awaiting_official:
        header += "\n" + walk.t("flow.provisional.summary")
    blocks, media = [header], {}
    for q in walk.questions:
        shown = walk.answer_text(q, answers.get(q.id)) if q.id in answers else walk.t("flow.skipped")
        blocks.append(walk.t("flow.summary.item", question=walk.question_text(q), answer=shown))
        if q.kind == "media":
            media[len(blocks) - 1] = media_items(answers.get(q.id))
    return [(text, [item for i in members for item in media.get(i, [])]) for text, members in pack(blocks)]


def _summary_rows(walk: Walk, answers: dict[str, Any], person: Person, subject: Person | None, recipient: Person,
                  now: datetime) -> list[dict[str, Any]]:
    parts = summary_parts(walk, answers, person, subject)
    about = subject or person
    view = [[{"text": walk.t("flow.summary.view"), "data": MenteeAnswers(about.id).pack()}]]
    return [{
        "dedupe_key": f"summary:{walk.run.id}:{recipient.id}:{n}",
        "person_id": recipient.id,
        "kind": "summary",
        "text": text,
        "buttons": view if n == len(parts) else None,
        "attachments": attachments or None,
        "respect_quiet_hours": True,  # not urgent: a mentee's evening submission waits for the mentor's morning
        "due_at": now,
    } for n, (text, attachments) in enumerate(parts, 1)]

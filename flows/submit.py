"""Kirim: the run becomes final, agreed dates become events, mentors get the summary via the outbox."""
from __future__ import annotations

import logging
from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from flows.answers import media_items
from flows.render import Walk, pack
from flows.replies import Reply
from flows.runs import DONE
from flows.steps import Step
from store.models import Event, OutboxMessage, Person, Role, RunStatus

log = logging.getLogger(__name__)

EVENT_SOURCE = "rpp_agreement"
SUBMITTED_FLOWS = "submitted_flows"  # session.info key listing the flows submitted in this unit of work


async def submit(session: AsyncSession, step: Step) -> list[Reply]:
    """Make the run final, write its events and summaries, and confirm to the person."""
    run, walk, person, now = step.run, step.walk, step.person, step.clock.now()
    run.status, run.submitted_at, run.mode, run.cursor, run.state = RunStatus.submitted, now, DONE, None, {}
    subject = await session.get(Person, run.subject_id) if run.subject_id else None
    await _write_events(session, walk, step.answers, (subject or person).id)
    recipients = await _recipients(session, walk, person, subject)
    for recipient in recipients:
        _queue_summary(session, walk, step.answers, person, subject, recipient, now)
    await session.flush()
    # Tell whoever owns the unit of work (bot/) that a flow was submitted, e.g. to stop its nudges.
    session.info.setdefault(SUBMITTED_FLOWS, []).append(walk.flow.id)
    log.info("run %s of %s submitted; summary to %s", run.id, walk.flow.id, [r.id for r in recipients])
    text = walk.t("flow.submitted", title=walk.flow.title)
    if recipients:
        text += "\n" + walk.t("flow.submitted_to", names=", ".join(r.name for r in recipients))
    return [Reply(text)]


async def _write_events(session: AsyncSession, walk: Walk, answers: dict[str, Any], person_id: int) -> None:
    for q in walk.questions:
        if not q.creates_event or not answers.get(q.id):
            continue
        on_date = date.fromisoformat(answers[q.id])
        event = await session.scalar(select(Event).where(
            Event.kind == q.creates_event, Event.number == 0, Event.person_id == person_id, Event.cohort_id.is_(None),
        ))
        if event is None:
            session.add(Event(kind=q.creates_event, number=0, person_id=person_id, on_date=on_date, source=EVENT_SOURCE))
        else:
            event.on_date, event.source = on_date, EVENT_SOURCE


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


def summary_parts(walk: Walk, answers: dict[str, Any], person: Person, subject: Person | None) -> list[tuple[str, list[dict]]]:
    """The summary text split on question boundaries, each part with the media of its questions."""
    header = walk.t("flow.summary.header", name=person.name, title=walk.flow.title)
    if subject is not None:
        header += "\n" + walk.t("flow.summary.about", name=subject.name)
    blocks, media = [header], {}
    for q in walk.questions:
        shown = walk.answer_text(q, answers.get(q.id)) if q.id in answers else walk.t("flow.skipped")
        blocks.append(walk.t("flow.summary.item", question=walk.question_text(q), answer=shown))
        if q.kind == "media":
            media[len(blocks) - 1] = media_items(answers.get(q.id))
    return [(text, [item for i in members for item in media.get(i, [])]) for text, members in pack(blocks)]


def _queue_summary(session: AsyncSession, walk: Walk, answers: dict[str, Any], person: Person,
                   subject: Person | None, recipient: Person, now) -> None:
    parts = summary_parts(walk, answers, person, subject)
    about = subject or person
    view = [[{"text": walk.t("flow.summary.view"), "data": f"r:m:{about.id}"}]]
    for n, (text, attachments) in enumerate(parts, 1):
        session.add(OutboxMessage(
            dedupe_key=f"summary:{walk.run.id}:{recipient.id}:{n}",
            person_id=recipient.id,
            kind="summary",
            text=text,
            buttons=view if n == len(parts) else None,
            attachments=attachments or None,
            respect_quiet_hours=False,
            due_at=now,
        ))

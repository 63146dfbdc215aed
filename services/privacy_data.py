"""A person's own data: what is stored (counts), a download of it, and erasing it (also for a cohort: a purge).

Erasing keeps what aggregate counts need — the person's row (role, cohort, school, mentor) and their submitted
runs without answers — and removes the rest: answers and files, the name, the roster id, the Telegram link,
invite codes, open dialogues, pauses, their messages in the outbox and the copies of their summaries kept there.
Summaries already delivered to a mentor cannot be recalled from Telegram.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from core.answers import format_answer, media_items
from core.content.schema import Content
from store.models import Answer, FlowRun, InviteCode, OutboxMessage, Pause, Person, RunStatus


@dataclass
class Held:
    """How much is stored about a person."""

    runs: int = 0
    answers: int = 0
    files: int = 0


async def _runs(session: AsyncSession, person_ids: list[int], before: datetime | None = None) -> list[FlowRun]:
    stmt = select(FlowRun).where(FlowRun.person_id.in_(person_ids)).order_by(FlowRun.id)
    if before is not None:
        stmt = stmt.where(FlowRun.updated_at < before)
    return list((await session.scalars(stmt)).all())


def _count(runs: list[FlowRun]) -> Held:
    answers = [a for run in runs for a in run.answers]
    return Held(len(runs), len(answers), sum(len(media_items(a.value)) for a in answers))


async def held(session: AsyncSession, person: Person) -> Held:
    return _count(await _runs(session, [person.id]))


async def download(session: AsyncSession, content: Content, person: Person) -> tuple[str, bytes]:
    """A JSON file: the profile, every run with its answers as shown, and the list of files sent."""
    runs, files = [], []
    for run in await _runs(session, [person.id]):
        flow = content.flows.get(run.flow_id)
        questions = {q.id: q for q in flow.questions()} if flow else {}
        answers = []
        for answer in run.answers:
            question = questions.get(answer.question_id)
            shown = format_answer(content, question, answer.value) if question else answer.value
            answers.append({"question": question.text if question else answer.question_id, "answer": shown,
                            "answered_at": answer.answered_at.isoformat()})
            files += [{"flow": flow.title if flow else run.flow_id, "kind": item.get("kind"),
                       "caption": item.get("caption"), "file_id": item.get("file_id")} for item in media_items(answer.value)]
        runs.append({"flow": flow.title if flow else run.flow_id, "status": run.status.value,
                     "started_at": run.started_at.isoformat(),
                     "submitted_at": run.submitted_at.isoformat() if run.submitted_at else None, "answers": answers})
    mentor = await session.get(Person, person.mentor_id) if person.mentor_id else None
    data: dict[str, Any] = {
        "profile": {"name": person.name, "role": person.role.value, "cohort": person.cohort.name if person.cohort else None,
                    "school": person.school, "district": person.district, "province": person.province,
                    "mentor": mentor.name if mentor else None, "timezone": person.timezone,
                    "joined_at": person.joined_at.isoformat() if person.joined_at else None,
                    "consent_version": person.consent_version,
                    "consent_at": person.consent_at.isoformat() if person.consent_at else None},
        "runs": runs,
        "files": files,
    }
    return f"data-pendamping-{person.id}.json", json.dumps(data, ensure_ascii=False, indent=2).encode()


async def erase_answers(session: AsyncSession, runs: list[FlowRun]) -> Held:
    """Remove the runs' answers and their copies in the outbox; submitted runs stay (without answers) for the counts."""
    found = _count(runs)
    for run in runs:
        await session.execute(delete(OutboxMessage).where(OutboxMessage.dedupe_key.like(f"summary:{run.id}:%")))
        if run.status is RunStatus.submitted:
            run.answers.clear()
            run.state, run.quote = {}, (None if run.quote is None else "")
        else:
            await session.delete(run)
    return found


async def erase(session: AsyncSession, content: Content, person: Person, now: datetime) -> Held:
    """Erase a person's data (see the module docstring); what was removed."""
    found = await erase_answers(session, await _runs(session, [person.id]))
    await session.execute(delete(InviteCode).where(InviteCode.person_id == person.id))
    await session.execute(delete(Pause).where(Pause.person_id == person.id))
    await session.execute(delete(OutboxMessage).where(OutboxMessage.person_id == person.id))
    person.chat_input = None
    person.name = content.text("privacy.erased_name", id=person.id)
    person.external_id = person.tg_user_id = person.tg_chat_id = person.last_update_id = None
    person.undelivered_reply = person.timezone = person.consent_version = person.consent_at = None
    person.erased_at = now
    return found


@dataclass
class Purge:
    people: int
    runs: int
    answers: int
    files: int


async def purge(session: AsyncSession, content: Content, cohort_id: int, before: datetime | None, now: datetime,
                dry_run: bool) -> Purge:
    """A cohort's answers (of runs last changed before `before`, or all); without `before`, its people are erased too."""
    people = list((await session.scalars(select(Person).where(Person.cohort_id == cohort_id, Person.erased_at.is_(None)))).all())
    runs = await _runs(session, [p.id for p in people], before)
    found = _count(runs)
    erased = people if before is None else []
    if not dry_run:
        await erase_answers(session, runs)
        for person in erased:
            await erase(session, content, person, now)
    return Purge(len(erased), found.runs, found.answers, found.files)

"""Flow runs in the database: loading with a row lock, compare-and-set claims, answers, snapshots."""
from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, select, text, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import joinedload
from sqlalchemy.orm.attributes import set_committed_value

from core.content.schema import Content
from store.db import WRITE_LOCKED
from store.models import Answer, ContentVersion, FlowRun, Person, RunStatus
from store.people import PERSON_LOCKED

log = logging.getLogger(__name__)

ASKING, REVIEW, EDITING, PAUSED, DONE = "asking", "review", "editing", "paused", "done"
MAX_CLAIMS = 10


class RunBusy(Exception):
    """The run kept changing under us; the caller should roll back and retry the update."""


async def lock_person(session: AsyncSession, person_id: int) -> None:
    """Serialize run creation per person: a row lock on PostgreSQL, the write lock on SQLite."""
    if session.bind.dialect.name == "sqlite":
        # A no-op write takes SQLite's database write lock, so the reads that follow are current.
        await session.execute(text("UPDATE people SET id = id WHERE id = :id"), {"id": person_id})
    else:
        await session.execute(select(Person.id).where(Person.id == person_id).with_for_update())


def _fresh(stmt):
    """Load the run, its row locked on PostgreSQL; its answers follow in their own SELECT (selectin).

    Not a joined load: after waiting for the lock, PostgreSQL re-reads only the locked run row, while
    joined answer rows would come from the statement's older snapshot and miss the answer just committed.
    """
    return stmt.with_for_update(of=FlowRun).execution_options(populate_existing=True)


_WALKING = (FlowRun.person_id == bindparam("person_id"), FlowRun.status == RunStatus.draft, FlowRun.mode != PAUSED)
_NEWEST = select(FlowRun.id).where(*_WALKING).order_by(FlowRun.updated_at.desc(), FlowRun.id.desc()).limit(1)
# Built once (SQLAlchemy then reuses their cache keys); the conditions are repeated outside the
# subquery because PostgreSQL re-checks them on a row it had to wait for.
ACTIVE_RUN = _fresh(select(FlowRun).where(FlowRun.id == _NEWEST.scalar_subquery(), *_WALKING))
RUN_BY_ID = _fresh(select(FlowRun).where(FlowRun.id == bindparam("run_id")))
# Under a write lock taken before the first read (SQLite's BEGIN IMMEDIATE), or with the person's row
# locked before (store.people.by_telegram_user: only the person's own units of work change their runs),
# nothing can change in between, so the answers come in the same statement.
_WITH_ANSWERS = {stmt: stmt.options(joinedload(FlowRun.answers)) for stmt in (ACTIVE_RUN, RUN_BY_ID)}


async def _load(session: AsyncSession, stmt, params: dict[str, int]) -> FlowRun | None:
    if session.info.get(WRITE_LOCKED) or session.info.get(PERSON_LOCKED):
        stmt = _WITH_ANSWERS[stmt]
    return (await session.execute(stmt, params)).unique().scalar_one_or_none()


async def active_run(session: AsyncSession, person_id: int) -> FlowRun | None:
    """The draft run the person is walking now (not paused), locked on PostgreSQL."""
    return await _load(session, ACTIVE_RUN, {"person_id": person_id})


async def run_by_id(session: AsyncSession, run_id: int) -> FlowRun | None:
    return await _load(session, RUN_BY_ID, {"run_id": run_id})


async def claim(session: AsyncSession, run: FlowRun) -> bool:
    """Compare-and-set the run's version; False if another update changed it since we read it."""
    result = await session.execute(
        update(FlowRun)
        .where(FlowRun.id == run.id, FlowRun.version == run.version)
        .values(version=FlowRun.version + 1)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:
        log.info("run %s changed concurrently; reloading", run.id)
        return False
    set_committed_value(run, "version", run.version + 1)
    return True


async def _take(session: AsyncSession, run: FlowRun) -> bool:
    """Claim a run just loaded by _fresh, with as few statements as the unit of work allows."""
    # The row lock (PostgreSQL) or a write lock held from the start (SQLite) already excludes other
    # writers: the version bump then rides on the run's own UPDATE. Otherwise compare-and-set now.
    if session.bind.dialect.name == "postgresql" or session.info.get(WRITE_LOCKED):
        run.version += 1
        return True
    return await claim(session, run)


async def claimed_active_run(session: AsyncSession, person_id: int) -> FlowRun | None:
    """Load and claim the person's active run, reloading when a concurrent update won."""
    for _ in range(MAX_CLAIMS):
        run = await active_run(session, person_id)
        if run is None or await _take(session, run):
            return run
    raise RunBusy(person_id)


async def claimed_run(session: AsyncSession, run_id: int) -> FlowRun | None:
    for _ in range(MAX_CLAIMS):
        run = await run_by_id(session, run_id)
        if run is None or await _take(session, run):
            return run
    raise RunBusy(run_id)


async def find_runs(session: AsyncSession, person_id: int, flow_id: str, subject_id: int | None) -> list[FlowRun]:
    """The person's runs of a flow (about one subject), newest first."""
    stmt = select(FlowRun).where(FlowRun.person_id == person_id, FlowRun.flow_id == flow_id)
    stmt = stmt.where(FlowRun.subject_id.is_(None) if subject_id is None else FlowRun.subject_id == subject_id)
    return list((await session.execute(stmt.order_by(FlowRun.id.desc()))).scalars())


def fold_status(statuses: list[RunStatus]) -> str:
    """A flow's status for one person: draft if any run is open, else submitted if any was sent."""
    if RunStatus.draft in statuses:
        return "draft"
    return "submitted" if statuses else "new"


def save_answer(run: FlowRun, question_id: str, value: Any, content_version: str, now: datetime) -> None:
    for answer in run.answers:
        if answer.question_id == question_id:
            answer.value, answer.content_version, answer.answered_at = value, content_version, now
            return
    run.answers.append(Answer(question_id=question_id, value=value, content_version=content_version, answered_at=now))


def drop_answer(run: FlowRun, question_id: str) -> None:
    for answer in list(run.answers):
        if answer.question_id == question_id:
            run.answers.remove(answer)


async def ensure_snapshot(session: AsyncSession, content: Content, now: datetime) -> None:
    """Store the flows of this content version once, so old answers keep their wording."""
    if await session.scalar(select(ContentVersion.version).where(ContentVersion.version == content.version)):
        return
    insert = postgresql.insert if session.bind.dialect.name == "postgresql" else sqlite.insert
    snapshot = {"flows": {fid: flow.model_dump(mode="json") for fid, flow in content.flows.items()}}
    await session.execute(
        insert(ContentVersion)
        .values(version=content.version, loaded_at=now, snapshot=snapshot)
        .on_conflict_do_nothing(index_elements=["version"])
    )

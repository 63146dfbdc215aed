"""Flow runs in the database: loading with a row lock, compare-and-set claims, answers, snapshots.

A typed answer reads and writes its run with Core statements, as a plain Walking run (no ORM load or flush).
"""
from __future__ import annotations

import logging
import weakref
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, TypeVar

from sqlalchemy import bindparam, delete, insert, select, text, update
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
# Per database engine, the content versions whose snapshot is known to be stored: opening a flow need not look.
_STORED_SNAPSHOTS: weakref.WeakKeyDictionary[Any, set[str]] = weakref.WeakKeyDictionary()


class RunBusy(Exception):
    """The run kept changing under us; the caller should roll back and retry the update."""


async def lock_person(session: AsyncSession, person_id: int) -> None:
    """Serialize run creation per person: a row lock on PostgreSQL, the write lock on SQLite (none more if the
    unit of work holds it already)."""
    if session.info.get(WRITE_LOCKED) or session.info.get(PERSON_LOCKED) == person_id:
        return
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


def _walking(runs) -> tuple:
    """The person's newest draft run not paused; `runs` is FlowRun or, for Core statements, its table's columns.

    The conditions are repeated outside the subquery because PostgreSQL re-checks them on a row it had to wait for.
    """
    conditions = (runs.person_id == bindparam("person_id"), runs.status == RunStatus.draft, runs.mode != PAUSED)
    newest = select(runs.id).where(*conditions).order_by(runs.updated_at.desc(), runs.id.desc()).limit(1)
    return (runs.id == newest.scalar_subquery(), *conditions)


# Built once (SQLAlchemy then reuses their cache keys).
ACTIVE_RUN = _fresh(select(FlowRun).where(*_walking(FlowRun)))
RUN_BY_ID = _fresh(select(FlowRun).where(FlowRun.id == bindparam("run_id")))
# Under a write lock taken before the first read (SQLite's BEGIN IMMEDIATE), or with the person's row
# locked before (store.people.by_telegram_user: only the person's own units of work change their runs),
# nothing can change in between, so the answers come in the same statement.
_WITH_ANSWERS = {stmt: stmt.options(joinedload(FlowRun.answers)) for stmt in (ACTIVE_RUN, RUN_BY_ID)}


async def _load(session: AsyncSession, stmt, params: dict[str, int]) -> FlowRun | None:
    if session.info.get(WRITE_LOCKED) or session.info.get(PERSON_LOCKED):
        stmt = _WITH_ANSWERS[stmt]
    return (await session.execute(stmt, params)).unique().scalar_one_or_none()


# The columns a step may change: a Walking run is written back by comparing them with those it was read with.
_CHANGING = ("status", "mode", "cursor", "state", "version", "quote", "submitted_at")
_RUN_COLUMNS = ("id", "person_id", "flow_id", "subject_id", "content_version", *_CHANGING)
_ANSWER_COLUMNS = ("question_id", "value", "content_version", "answered_at")
_RUNS, _ANSWERS = FlowRun.__table__, Answer.__table__
_WALKING_RUN = select(*(_RUNS.c[name] for name in _RUN_COLUMNS)).where(*_walking(_RUNS.c)).with_for_update(of=_RUNS)
_WALKING_WITH_ANSWERS = (
    select(*(_RUNS.c[name] for name in _RUN_COLUMNS), *(_ANSWERS.c[name].label(f"a_{name}") for name in _ANSWER_COLUMNS))
    .select_from(_RUNS.outerjoin(_ANSWERS, _ANSWERS.c.run_id == _RUNS.c.id))
    .where(*_walking(_RUNS.c)).order_by(_ANSWERS.c.id).with_for_update(of=_RUNS)
)
_ANSWERS_OF = select(*(_ANSWERS.c[name] for name in _ANSWER_COLUMNS)).where(
    _ANSWERS.c.run_id == bindparam("run_id")).order_by(_ANSWERS.c.id)
# Writing back (all changing columns at once: those that did not change keep their values).
_WRITE_RUN = update(_RUNS).where(_RUNS.c.id == bindparam("b_run")).values({name: bindparam(f"new_{name}") for name in _CHANGING})
_ANSWER_KEY = (_ANSWERS.c.run_id == bindparam("b_run"), _ANSWERS.c.question_id == bindparam("b_question"))
_WRITE_ANSWER = update(_ANSWERS).where(*_ANSWER_KEY).values({name: bindparam(f"new_{name}") for name in _ANSWER_COLUMNS[1:]})
_DROP_ANSWERS = delete(_ANSWERS).where(_ANSWERS.c.run_id == bindparam("b_run"),
                                       _ANSWERS.c.question_id.in_(bindparam("gone", expanding=True)))
_ADD_ANSWER = insert(_ANSWERS)
_START_RUN = insert(_RUNS).returning(_RUNS.c.id)


@dataclass
class Given:
    """An answer of a Walking run, as plain values."""

    question_id: str
    value: Any
    content_version: str
    answered_at: datetime


@dataclass(eq=False)
class Walking:
    """The active run and its answers read with Core statements, for a message: no ORM load or flush.

    Steps change it as they change a FlowRun; `write` stores what changed (as a flush would).
    """

    id: int
    person_id: int
    flow_id: str
    subject_id: int | None
    content_version: str
    status: RunStatus
    mode: str
    cursor: str | None
    state: dict[str, Any]
    version: int
    quote: str | None
    submitted_at: datetime | None
    answers: list[Given]
    loaded: dict[str, Any] = field(init=False)  # the _CHANGING columns as read (or claimed)
    given: dict[str, tuple] = field(init=False)  # the answers as read, by question

    def __post_init__(self) -> None:
        self.loaded = {name: getattr(self, name) for name in _CHANGING}
        self.given = {a.question_id: _values(a) for a in self.answers}


def _values(answer: Given) -> tuple:
    return tuple(getattr(answer, name) for name in _ANSWER_COLUMNS)


async def _load_walking(session: AsyncSession, person_id: int) -> Walking | None:
    """As active_run, in one statement when the unit of work's locks allow it (see _WITH_ANSWERS)."""
    params = {"person_id": person_id}
    if session.info.get(WRITE_LOCKED) or session.info.get(PERSON_LOCKED):
        rows = (await session.execute(_WALKING_WITH_ANSWERS, params)).all()
        if not rows:
            return None
        answers = [Given(*row[-len(_ANSWER_COLUMNS):]) for row in rows if row.a_question_id is not None]
        return Walking(*rows[0][:len(_RUN_COLUMNS)], answers=answers)
    row = (await session.execute(_WALKING_RUN, params)).first()
    if row is None:
        return None
    answers = [Given(*answer) for answer in await session.execute(_ANSWERS_OF, {"run_id": row.id})]
    return Walking(*row, answers=answers)


async def start_walking(session: AsyncSession, person_id: int, flow_id: str, subject_id: int | None, first: str,
                        content_version: str, now: datetime) -> Walking:
    """A new run asking its first question, inserted with one Core statement; store later changes with `write`."""
    values = {"person_id": person_id, "flow_id": flow_id, "subject_id": subject_id, "content_version": content_version,
              "status": RunStatus.draft, "mode": ASKING, "cursor": first, "state": {}, "version": 0, "quote": None,
              "submitted_at": None}
    run_id = (await session.execute(_START_RUN, {**values, "started_at": now, "updated_at": now})).scalar_one()
    return Walking(id=run_id, **values, answers=[])


async def claimed_walking(session: AsyncSession, person_id: int) -> Walking | None:
    """The person's active run as plain values, claimed as claimed_active_run claims it; store it with `write`."""
    return await _claimed(session, lambda: _load_walking(session, person_id), person_id)


Run = TypeVar("Run")  # FlowRun or Walking


async def _claimed(session: AsyncSession, load: Callable[[], Awaitable[Run | None]], key: int) -> Run | None:
    """Load and claim a run, reloading when a concurrent update won; RunBusy after MAX_CLAIMS losses."""
    for _ in range(MAX_CLAIMS):
        run = await load()
        if run is None or await _take(session, run):
            return run
    raise RunBusy(key)


async def write(session: AsyncSession, run: Walking) -> None:
    """Store what changed in the run and its answers since it was read, as a flush of a FlowRun would."""
    if any(getattr(run, name) != run.loaded[name] for name in _CHANGING):  # updated_at follows (onupdate), as in a flush
        await session.execute(_WRITE_RUN, {"b_run": run.id, **{f"new_{name}": getattr(run, name) for name in _CHANGING}})
    now = {a.question_id: a for a in run.answers}
    if gone := [qid for qid in run.given if qid not in now]:
        await session.execute(_DROP_ANSWERS, {"b_run": run.id, "gone": gone})
    for qid, answer in now.items():
        if qid in run.given and run.given[qid] != _values(answer):
            await session.execute(_WRITE_ANSWER, {"b_run": run.id, "b_question": qid, "new_value": answer.value,
                                                  "new_content_version": answer.content_version,
                                                  "new_answered_at": answer.answered_at})
    for qid, answer in now.items():
        if qid not in run.given:
            await session.execute(_ADD_ANSWER, {"run_id": run.id, **vars(answer)})
    run.loaded = {name: getattr(run, name) for name in _CHANGING}
    run.given = {qid: _values(a) for qid, a in now.items()}


async def active_run(session: AsyncSession, person_id: int) -> FlowRun | None:
    """The draft run the person is walking now (not paused), locked on PostgreSQL."""
    return await _load(session, ACTIVE_RUN, {"person_id": person_id})


async def run_by_id(session: AsyncSession, run_id: int) -> FlowRun | None:
    return await _load(session, RUN_BY_ID, {"run_id": run_id})


async def claim(session: AsyncSession, run: FlowRun | Walking) -> bool:
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
    if isinstance(run, Walking):
        run.version = run.loaded["version"] = run.version + 1
    else:
        set_committed_value(run, "version", run.version + 1)
    return True


async def _take(session: AsyncSession, run: FlowRun | Walking) -> bool:
    """Claim a run just loaded by _fresh, with as few statements as the unit of work allows."""
    # The row lock (PostgreSQL) or a write lock held from the start (SQLite) already excludes other
    # writers: the version bump then rides on the run's own UPDATE. Otherwise compare-and-set now.
    if session.bind.dialect.name == "postgresql" or session.info.get(WRITE_LOCKED):
        run.version += 1
        return True
    return await claim(session, run)


async def claimed_active_run(session: AsyncSession, person_id: int) -> FlowRun | None:
    """Load and claim the person's active run, reloading when a concurrent update won."""
    return await _claimed(session, lambda: active_run(session, person_id), person_id)


async def claimed_run(session: AsyncSession, run_id: int) -> FlowRun | None:
    return await _claimed(session, lambda: run_by_id(session, run_id), run_id)


async def runs_of(session: AsyncSession, person_id: int, flow_id: str, subject_id: int | None) -> list[tuple[int, RunStatus]]:
    """The person's runs of a flow (about one subject) as (id, status), newest first."""
    stmt = select(FlowRun.id, FlowRun.status).where(FlowRun.person_id == person_id, FlowRun.flow_id == flow_id)
    stmt = stmt.where(FlowRun.subject_id.is_(None) if subject_id is None else FlowRun.subject_id == subject_id)
    return [(run_id, status) for run_id, status in await session.execute(stmt.order_by(FlowRun.id.desc()))]


def fold_status(statuses: list[RunStatus]) -> str:
    """A flow's status for one person: draft if any run is open, else submitted if any was sent."""
    if RunStatus.draft in statuses:
        return "draft"
    return "submitted" if statuses else "new"


def save_answer(run: FlowRun | Walking, question_id: str, value: Any, content_version: str, now: datetime) -> None:
    for answer in run.answers:
        if answer.question_id == question_id:
            answer.value, answer.content_version, answer.answered_at = value, content_version, now
            return
    kind = Given if isinstance(run, Walking) else Answer
    run.answers.append(kind(question_id=question_id, value=value, content_version=content_version, answered_at=now))


def drop_answer(run: FlowRun | Walking, question_id: str) -> None:
    for answer in list(run.answers):
        if answer.question_id == question_id:
            run.answers.remove(answer)


async def ensure_snapshot(session: AsyncSession, content: Content, now: datetime) -> None:
    """Store the flows of this content version once, so old answers keep their wording."""
    known = _STORED_SNAPSHOTS.setdefault(session.bind, set())
    if content.version in known:
        return
    if await session.scalar(select(ContentVersion.version).where(ContentVersion.version == content.version)):
        known.add(content.version)  # committed: snapshots are never deleted
        return
    insert = postgresql.insert if session.bind.dialect.name == "postgresql" else sqlite.insert
    await session.execute(
        insert(ContentVersion)
        .values(version=content.version, loaded_at=now, snapshot=content.flows_snapshot)
        .on_conflict_do_nothing(index_elements=["version"])
    )

"""The outbox's one row writer: insert rows idempotently, park rows of unreachable people, wake them again."""
from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import exists, select, text, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from store.models import OutboxMessage, OutboxStatus, Person

OUTBOX = OutboxMessage.__table__
PEOPLE = Person.__table__
INSERT_CHUNK = 500  # rows per INSERT statement (SQLite allows 32766 parameters)
PARK_BATCH = 1000
WAKE_STALE = timedelta(days=3)  # parked reminders and broadcasts older than this are dropped on waking
_INSERTS = {"postgresql": postgresql.insert, "sqlite": sqlite.insert}


async def insert_rows(session: AsyncSession, rows: list[dict[str, Any]]) -> int:
    """Insert outbox rows (dicts with the same columns), skipping existing dedupe keys; return how many were new."""
    insert = _INSERTS[session.get_bind().dialect.name]
    inserted = 0
    for start in range(0, len(rows), INSERT_CHUNK):
        statement = (insert(OUTBOX).values(rows[start:start + INSERT_CHUNK])
                     .on_conflict_do_nothing(index_elements=["dedupe_key"]).returning(OUTBOX.c.id))
        inserted += len((await session.execute(statement)).all())
    return inserted


async def park_unreachable(session: AsyncSession, now: datetime) -> int:
    """Move due rows of people who cannot be reached out of the pending index, so claims never wade through them."""
    o = OUTBOX.alias("o")
    stuck = (
        select(o.c.id)
        .join(PEOPLE, PEOPLE.c.id == o.c.person_id)
        .where(text("o.status = 'pending'"), o.c.due_at <= now, ~Person.reachable)
        .limit(PARK_BATCH)
        .with_for_update(skip_locked=True, of=o)
    )
    result = await session.execute(update(OUTBOX).where(OUTBOX.c.id.in_(stuck)).values(status=OutboxStatus.waiting))
    return result.rowcount


async def wake_rows(session: AsyncSession, person_id: int, now: datetime, stale_after: timedelta = WAKE_STALE) -> int:
    """The person can be reached again: their parked summaries go out, other parked rows only if still recent."""
    waiting = (OUTBOX.c.person_id == person_id) & (OUTBOX.c.status == OutboxStatus.waiting.value)
    await session.execute(
        update(OUTBOX).where(waiting, OUTBOX.c.kind != "summary", OUTBOX.c.due_at < now - stale_after)
        .values(status=OutboxStatus.cancelled, last_error="stale while the person was unreachable")
    )
    result = await session.execute(update(OUTBOX).where(waiting).values(status=OutboxStatus.pending))
    return result.rowcount


async def any_due(session: AsyncSession, now: datetime) -> bool:
    """Whether rows are due and not delivered yet (pending or being sent)."""
    due = OUTBOX.c.status.in_((OutboxStatus.pending.value, OutboxStatus.sending.value)) & (OUTBOX.c.due_at <= now)
    return bool(await session.scalar(select(exists().where(due))))

"""Outbox rows in bulk: insert idempotently, park rows of unreachable people, wake them again."""
from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select, text, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from store.models import OutboxMessage, OutboxStatus, Person

OUTBOX = OutboxMessage.__table__
PEOPLE = Person.__table__
PARK_BATCH = 1000
WAKE_STALE = timedelta(days=3)  # parked reminders and broadcasts older than this are dropped on waking
_INSERTS = {"postgresql": postgresql.insert, "sqlite": sqlite.insert}


async def add_outbox_rows(session: AsyncSession, rows: list[dict[str, Any]]) -> None:
    """Insert rows (dicts of outbox columns) in one executemany; an existing dedupe_key wins."""
    if not rows:
        return
    insert = _INSERTS[session.get_bind().dialect.name]
    await session.execute(insert(OUTBOX).on_conflict_do_nothing(index_elements=["dedupe_key"]), rows)


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

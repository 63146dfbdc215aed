"""Updates applied in webhook mode: the first unit of work to record an update id applies it, any other is a repeat."""
from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import delete
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from store.models import HandledUpdate

HANDLED = HandledUpdate.__table__
KEEP = timedelta(days=2)  # Telegram gives up redelivering an update within a day
_INSERTS = {"postgresql": postgresql.insert, "sqlite": sqlite.insert}


async def record(session: AsyncSession, update_id: int, now: datetime) -> bool:
    """Record the update as applied by this unit of work; False when one before it did (a redelivery).

    On PostgreSQL a second worker's insert of the same id waits for the first one's commit, then finds it.
    """
    insert = _INSERTS[session.get_bind().dialect.name]
    statement = (insert(HANDLED).values(update_id=update_id, handled_at=now)
                 .on_conflict_do_nothing(index_elements=["update_id"]).returning(HANDLED.c.update_id))
    return (await session.execute(statement)).first() is not None


async def prune(session: AsyncSession, now: datetime) -> int:
    """Forget updates too old for Telegram to deliver again."""
    return (await session.execute(delete(HANDLED).where(HANDLED.c.handled_at < now - KEEP))).rowcount

"""Insert planned outbox rows in chunks, skipping existing dedupe keys, and count the new ones."""
from __future__ import annotations

from typing import Any

from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from store.models import OutboxMessage

OUTBOX = OutboxMessage.__table__
INSERTS = {"postgresql": postgresql.insert, "sqlite": sqlite.insert}
INSERT_CHUNK = 500  # rows per INSERT statement (SQLite allows 32766 parameters)


async def insert_rows(session: AsyncSession, rows: list[dict[str, Any]]) -> int:
    """Insert outbox rows (dicts with the same columns); return how many were new."""
    insert = INSERTS[session.get_bind().dialect.name]
    inserted = 0
    for start in range(0, len(rows), INSERT_CHUNK):
        statement = (insert(OUTBOX).values(rows[start:start + INSERT_CHUNK])
                     .on_conflict_do_nothing(index_elements=["dedupe_key"]).returning(OUTBOX.c.id))
        inserted += len((await session.execute(statement)).all())
    return inserted

"""Insert outbox rows in bulk, leaving rows whose dedupe key already exists untouched."""
from __future__ import annotations

from typing import Any

from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from store.models import OutboxMessage

OUTBOX = OutboxMessage.__table__
_INSERTS = {"postgresql": postgresql.insert, "sqlite": sqlite.insert}


async def add_outbox_rows(session: AsyncSession, rows: list[dict[str, Any]]) -> None:
    """Insert rows (dicts of outbox columns) in one executemany; an existing dedupe_key wins."""
    if not rows:
        return
    insert = _INSERTS[session.get_bind().dialect.name]
    await session.execute(insert(OUTBOX).on_conflict_do_nothing(index_elements=["dedupe_key"]), rows)

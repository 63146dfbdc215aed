"""Files received for import and not finished: recorded on arrival, so a restart cannot make one vanish."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from core.content.schema import Content
from store.models import OutboxMessage, PendingImport, Person

FILE_NAME_LENGTH = 255


async def receive(session: AsyncSession, person: Person, file_name: str | None, now: datetime) -> int:
    """Record a file the person sent for import; return its id for `finish`."""
    pending = PendingImport(person_id=person.id, file_name=(file_name or "-")[:FILE_NAME_LENGTH], created_at=now)
    session.add(pending)
    await session.flush()
    return pending.id


async def finish(session: AsyncSession, import_id: int) -> int | None:
    """The import has its result (in this unit of work): forget it; who sent the file."""
    return await session.scalar(delete(PendingImport).where(PendingImport.id == import_id).returning(PendingImport.person_id))


async def tell_interrupted(session: AsyncSession, texts: Content, now: datetime) -> int:
    """At start-up: queue a note to whoever sent a file whose import a restart cut off; return how many."""
    pending = list(await session.scalars(select(PendingImport).order_by(PendingImport.id)))
    for item in pending:
        session.add(OutboxMessage(
            # SQLite may give a deleted row's id again: the time keeps the key unique
            dedupe_key=f"import:{item.id}:{item.created_at.isoformat()}", person_id=item.person_id, kind="notice",
            text=texts.text("import.interrupted", berkas=item.file_name), due_at=now, respect_quiet_hours=False,
        ))
    if pending:
        await session.execute(delete(PendingImport).where(PendingImport.id.in_([item.id for item in pending])))
    return len(pending)

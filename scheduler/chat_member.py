"""A person's state towards the bot: blocked or unblocked it (my_chat_member, or a 403 while sending)."""
from __future__ import annotations

import logging
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from core.clock import Clock
from core.content.schema import Content
from store.models import Person
from store.outbox import insert_rows, wake_rows

log = logging.getLogger(__name__)


async def on_blocked(session: AsyncSession, content: Content, person: Person, clock: Clock) -> bool:
    """Mark the person blocked and queue one notice to their mentor (not for someone who left);
    False if already blocked."""
    if person.blocked:
        return False
    now = clock.now()
    person.blocked_at = now
    if not person.left:
        await _tell_mentor(session, person, f"blocked:{person.id}:{now:%Y%m%d%H%M%S}",
                           content.text("blocked.mentor_notice", nama=person.name), now)
    await session.flush()
    log.info("person %s blocked the bot", person.id)
    return True


async def on_unblocked(session: AsyncSession, content: Content, person: Person, clock: Clock) -> bool:
    """Clear the block; someone still in the program gets their parked messages and their mentor is told.
    False if not blocked."""
    if not person.blocked:
        return False
    now = clock.now()
    person.blocked_at = None
    if not person.left:
        await wake_rows(session, person.id, now)
        await _tell_mentor(session, person, f"unblocked:{person.id}:{now:%Y%m%d%H%M%S}",
                           content.text("blocked.mentor_unblocked", nama=person.name), now)
    await session.flush()
    log.info("person %s unblocked the bot%s", person.id, " but has left the program" if person.left else "")
    return True


async def _tell_mentor(session: AsyncSession, person: Person, key: str, text: str, now: datetime) -> None:
    if person.mentor_id is not None:
        await insert_rows(session, [{
            "dedupe_key": key, "person_id": person.mentor_id, "kind": "notice", "text": text, "due_at": now,
        }])

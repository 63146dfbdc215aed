"""A person blocked or unblocked the bot (my_chat_member, or a 403 while sending)."""
from __future__ import annotations

import logging
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from core.clock import Clock
from core.content.schema import Content
from scheduler.outbox_rows import add_outbox_rows, wake_rows
from store.models import Person

log = logging.getLogger(__name__)


async def on_blocked(session: AsyncSession, content: Content, person: Person, clock: Clock) -> bool:
    """Mark the person inactive and queue one notice to their mentor; False if already inactive."""
    if not person.active:
        return False
    now = clock.now()
    person.active = False
    person.blocked_at = now
    await _tell_mentor(session, person, f"blocked:{person.id}:{now:%Y%m%d%H%M%S}",
                       content.text("blocked.mentor_notice", nama=person.name), now)
    await session.flush()
    log.info("person %s is unreachable; marked inactive", person.id)
    return True


async def on_unblocked(session: AsyncSession, content: Content, person: Person, clock: Clock) -> bool:
    """Reactivate a person who opened the bot again and tell their mentor; False if already active."""
    if person.active:
        return False
    now = clock.now()
    person.active = True
    person.blocked_at = None
    await wake_rows(session, person.id, now)
    await _tell_mentor(session, person, f"unblocked:{person.id}:{now:%Y%m%d%H%M%S}",
                       content.text("blocked.mentor_unblocked", nama=person.name), now)
    await session.flush()
    log.info("person %s is reachable again", person.id)
    return True


async def _tell_mentor(session: AsyncSession, person: Person, key: str, text: str, now: datetime) -> None:
    if person.mentor_id is not None:
        await add_outbox_rows(session, [{
            "dedupe_key": key, "person_id": person.mentor_id, "kind": "notice", "text": text, "due_at": now,
        }])

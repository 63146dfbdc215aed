"""Replies Telegram did not take (a 5xx, a timeout, a 429, a 400, a 403): retried through the outbox.

After an answer is saved the reply (the next question) may fail to go out; the person then sees
nothing and naturally sends the same text again, which must not become the answer to the next
question. So the undelivered replies become outbox rows (kind "reply", due at once, never held for
quiet hours; the sender retries them and treats a 403 as the person having blocked the bot), and the
person row remembers them with a fingerprint of what the person had sent (`undelivered_reply`).

The person's next update settles it (`take`): rows still pending are cancelled, superseded by the
reply to that update. If that update is the same text or press again and the reply had not all gone
out, it is a resend, not acted on again: the person gets the undelivered reply now (for an answer,
the next question, which is where they stand). Rows the sender delivered first make the next update
an ordinary one.
"""
from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from core.ui import Attachment, Button, Reply
from services.context import Deps
from store.outbox import OUTBOX, insert_rows
from store.models import OutboxStatus, Person

log = logging.getLogger(__name__)

KIND = "reply"


@dataclass(frozen=True)
class Lost:
    """The person's previous update, whose reply did not go out, and those replies still not delivered."""

    said: str | None  # fingerprint of that update (see `fingerprint_of`); None for commands and media
    replies: list[Reply]


def fingerprint_of(said: tuple[str, str] | None) -> str | None:
    """What the person sent ("text" or "button", and its text or data), without keeping the text itself."""
    if said is None:
        return None
    kind, value = said
    return hashlib.sha256(f"{kind}:{value}".encode()).hexdigest()[:32]


async def keep_undelivered(deps: Deps, person_id: int, replies: list[Reply], said: tuple[str, str] | None,
                           update_id: int) -> None:
    """Telegram refused a reply to the person's update: queue it and what follows, and remember it for their next one."""
    async with deps.db.session() as session:
        person = await session.get(Person, person_id)
        await keep(session, person, replies, fingerprint_of(said), update_id, deps.clock.now())


async def keep(session: AsyncSession, person: Person, replies: list[Reply], said: str | None, update_id: int,
               now: datetime) -> None:
    """Queue the undelivered replies, in order, and remember them on the person."""
    rows = []
    for reply in replies:
        if reply.file is not None:  # made on request (an export); asking again makes it anew
            log.warning("person %s: a file reply was not delivered and is not queued", person.id)
        if not reply.text and not reply.attachments:
            continue
        rows.append({
            "dedupe_key": f"{KIND}:{person.id}:{update_id}:{len(rows) + 1}", "person_id": person.id, "kind": KIND,
            "text": reply.text,
            "buttons": [[{"text": b.label, "data": b.data} for b in row] for row in reply.buttons] or None,
            "attachments": [{"kind": a.kind, "file_id": a.file_id, "caption": a.caption} for a in reply.attachments] or None,
            "silent": False, "respect_quiet_hours": False, "status": OutboxStatus.pending, "due_at": now, "attempts": 0,
        })
    await insert_rows(session, rows)
    person.undelivered_reply = {"said": said, "rows": [row["dedupe_key"] for row in rows]}


async def take(session: AsyncSession, person: Person) -> Lost | None:
    """Settle the person's undelivered reply, if any: cancel its pending rows and return what had not gone out."""
    marker, person.undelivered_reply = person.undelivered_reply, None
    if not marker:
        return None
    keys = marker.get("rows") or []
    rows = (await session.execute(
        select(OUTBOX.c.status, OUTBOX.c.text, OUTBOX.c.buttons, OUTBOX.c.attachments)
        .where(OUTBOX.c.dedupe_key.in_(keys)).order_by(OUTBOX.c.id)
    )).all() if keys else []
    if keys:
        await session.execute(
            update(OUTBOX).where(OUTBOX.c.dedupe_key.in_(keys), OUTBOX.c.status == OutboxStatus.pending.value)
            .values(status=OutboxStatus.cancelled, last_error="superseded by the reply to a newer update")
        )
    unsent = [
        Reply(row.text,
              [[Button(b["text"], b["data"]) for b in line] for line in row.buttons or []],
              [Attachment(a["kind"], a["file_id"], a.get("caption")) for a in row.attachments or []])
        for row in rows if row.status != OutboxStatus.sent
    ]
    return Lost(marker.get("said"), unsent)

"""my_chat_member: kicked marks the person inactive and tells the mentor once; member reactivates."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

from sqlalchemy import select

from core.clock import FrozenClock
from scheduler.chat_member import on_blocked, on_unblocked
from store.models import OutboxMessage
from tests.factories import make_person
from tests.scheduler.sendkit import texts_content

NOW = datetime(2026, 3, 2, 3, 0, tzinfo=timezone.utc)
CONTENT = texts_content()


async def notices(s) -> list[OutboxMessage]:
    return list((await s.execute(select(OutboxMessage).order_by(OutboxMessage.id))).scalars())


async def test_block_then_unblock(db):
    clock = FrozenClock(NOW)
    async with db.session() as s:
        pp = await make_person(s, "pp")
        cgp = await make_person(s, mentor=pp, name="Pak Dedi")
        assert await on_blocked(s, CONTENT, cgp, clock) is True
        assert (cgp.active, cgp.blocked_at) == (False, NOW)
        assert await on_blocked(s, CONTENT, cgp, clock) is False  # told once
        [notice] = await notices(s)
        assert (notice.person_id, notice.kind, notice.due_at) == (pp.id, "notice", NOW)
        assert "Pak Dedi" in notice.text and "memblokir" in notice.text
        clock.set(NOW + timedelta(days=1))
        assert await on_unblocked(s, CONTENT, cgp, clock) is True
        assert (cgp.active, cgp.blocked_at) == (True, None)
        assert await on_unblocked(s, CONTENT, cgp, clock) is False
        assert [n.text for n in await notices(s)][1] == CONTENT.text("blocked.mentor_unblocked", nama="Pak Dedi")
        # Blocking again later is a new episode and tells the mentor again.
        clock.set(NOW + timedelta(days=2))
        assert await on_blocked(s, CONTENT, cgp, clock) is True
        assert len(await notices(s)) == 3


async def test_person_without_mentor_is_just_marked(db):
    async with db.session() as s:
        pp = await make_person(s, "pp")
        assert await on_blocked(s, CONTENT, pp, FrozenClock(NOW)) is True
        assert pp.active is False and await notices(s) == []

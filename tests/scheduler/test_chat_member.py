"""my_chat_member: kicked marks the person blocked and tells the mentor once; member clears only the block."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

from sqlalchemy import select

from core.clock import FrozenClock
from scheduler.chat_member import on_blocked, on_unblocked
from services.joining import left_reply
from store.models import OutboxMessage, OutboxStatus
from tests.factories import make_cohort, make_person
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
        assert (cgp.blocked, cgp.reachable, cgp.blocked_at) == (True, False, NOW)
        assert await on_blocked(s, CONTENT, cgp, clock) is False  # told once
        [notice] = await notices(s)
        assert (notice.person_id, notice.kind, notice.due_at) == (pp.id, "notice", NOW)
        assert "Pak Dedi" in notice.text and "memblokir" in notice.text
        clock.set(NOW + timedelta(days=1))
        assert await on_unblocked(s, CONTENT, cgp, clock) is True
        assert (cgp.blocked, cgp.reachable, cgp.blocked_at) == (False, True, None)
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
        assert pp.blocked and await notices(s) == []


async def test_someone_who_left_blocks_and_unblocks_unnoticed_and_stays_left(db):
    clock = FrozenClock(NOW)
    async with db.session() as s:
        pp = await make_person(s, "pp")
        cgp = await make_person(s, mentor=pp, name="Pak Dedi", left_at=NOW - timedelta(days=1))
        s.add(OutboxMessage(dedupe_key="parked", person_id=cgp.id, kind="broadcast", text="x", due_at=NOW,
                            status=OutboxStatus.waiting))
        await s.flush()
        assert await on_blocked(s, CONTENT, cgp, clock) is True  # the block is recorded…
        assert cgp.blocked_at == NOW and [n.dedupe_key for n in await notices(s)] == ["parked"]  # …but the PP is not told
        assert await on_unblocked(s, CONTENT, cgp, clock) is True
        assert (cgp.blocked, cgp.left, cgp.reachable) == (False, True, False)
        [row] = await notices(s)
        assert row.status == OutboxStatus.waiting  # nothing woken, no notice to the PP


async def test_someone_who_left_is_told_to_ask_their_cohorts_koordinator(db):
    async with db.session() as s:
        a1, b2 = await make_cohort(s, "A1"), await make_cohort(s, "B2")
        await make_person(s, "koordinator", cohort=a1, name="Bu Sri")
        await make_person(s, "koordinator", cohort=a1, name="Pak Lama", left_at=NOW)
        await make_person(s, "koordinator", cohort=b2, name="Pak Lain")
        cgp = await make_person(s, cohort=a1, name="Pak Dedi", left_at=NOW)
        alone = await make_person(s, name="Bu Tanpa Angkatan", left_at=NOW)
        [reply] = await left_reply(s, CONTENT, cgp)
        assert reply.text.startswith("Mohon maaf, Pak Dedi, Bapak/Ibu tidak lagi terdaftar") and not reply.buttons
        assert reply.text.endswith("silakan hubungi koordinator program Bapak/Ibu (Bu Sri).")
        [reply] = await left_reply(s, CONTENT, alone)
        assert reply.text.endswith("silakan hubungi koordinator program Bapak/Ibu.")

"""Someone blocks the bot: they are marked blocked, their PP is told, and unblocking brings their messages back."""
from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest

from core.clock import FrozenClock
from scheduler.broadcasts import Audience, create_broadcast
from store.models import OutboxStatus, Person
from tests.e2e.harness import RunningBot, running_bot
from tests.e2e.scheduling import DAYTIME, TG_IDS, arrived, join, outbox_rows, person

DEWI, PP01 = TG_IDS["CGP01"], TG_IDS["PP01"]
NOTICE = "Pesan Pendamping untuk Dewi Lestari tidak dapat terkirim"


@pytest.fixture
async def bot(emulator, db, content) -> AsyncIterator[RunningBot]:
    async with running_bot(emulator, db, content, clock=FrozenClock(DAYTIME)) as running:
        yield running


async def broadcast_to_cgps(bot: RunningBot, text: str) -> None:
    creator_id = (await person(bot, "K001")).id
    async with bot.deps.db.session() as s:
        creator = await s.get(Person, creator_id)
        await create_broadcast(s, creator, Audience("role", "cgp"), text, bot.deps.clock.now())


async def wait_status(bot: RunningBot, external_id: str, status: OutboxStatus, timeout: float = 5.0) -> None:
    for _ in range(int(timeout / 0.1)):
        if any(r.status == status for r in await outbox_rows(bot, external_id)):
            return
        await asyncio.sleep(0.1)
    raise AssertionError(f"no outbox row of {external_id} became {status.value}")


async def test_blocking_marks_blocked_tells_the_pp_and_unblocking_wakes_parked_messages(bot, emulator):
    await join(bot, "CGP01", "PP01")
    emulator.block(DEWI)
    await emulator.wait_for(PP01, NOTICE)
    assert (await person(bot, "CGP01")).blocked

    await broadcast_to_cgps(bot, "Siaran saat Dewi memblokir bot.")
    await wait_status(bot, "CGP01", OutboxStatus.waiting)  # parked, not sent into the void, not lost
    assert not [m for m in emulator.sent(DEWI) if "Siaran saat" in (m.text or "")]

    emulator.unblock(DEWI)
    await emulator.wait_for(PP01, "Dewi Lestari sudah membuka bot kembali")
    await emulator.wait_for(DEWI, "Siaran saat Dewi memblokir bot.")
    assert (await person(bot, "CGP01")).reachable


async def test_a_send_refused_with_403_marks_blocked_and_tells_the_pp(bot, emulator):
    await join(bot, "CGP01", "PP01")
    emulator.world.chats[DEWI].blocked = True  # blocked, but Telegram's my_chat_member never reached the bot
    await broadcast_to_cgps(bot, "Siaran untuk semua CGP.")
    await emulator.wait_for(PP01, NOTICE)
    assert (await person(bot, "CGP01")).blocked
    [row] = [r for r in await outbox_rows(bot, "CGP01") if r.kind == "broadcast"]
    assert row.status == OutboxStatus.blocked and "Forbidden" in row.last_error
    assert emulator.sent(DEWI)[-1].text != "Siaran untuk semua CGP."


async def test_pressing_start_after_a_block_clears_it_and_wakes_parked_messages(bot, emulator):
    users = await join(bot, "CGP01", "PP01")
    emulator.world.chats[DEWI].blocked = True  # a 403 marks her blocked…
    await broadcast_to_cgps(bot, "Siaran pertama.")
    await emulator.wait_for(PP01, NOTICE)
    await broadcast_to_cgps(bot, "Siaran kedua.")
    await wait_status(bot, "CGP01", OutboxStatus.waiting)
    emulator.world.chats[DEWI].blocked = False  # …and she unblocks without Telegram telling the bot
    await users["CGP01"].say("/start", "Selamat datang kembali, Dewi Lestari")
    # Woken at the commit of /start, the parked broadcast may go out before or after the welcome.
    await arrived(emulator, DEWI, "Siaran kedua.")
    assert (await person(bot, "CGP01")).reachable

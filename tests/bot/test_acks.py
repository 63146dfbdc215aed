"""Updates are confirmed to Telegram only once handled, or after the hold so a slow one cannot stall polling."""
from __future__ import annotations

import asyncio

from telegram import Update

from bot.acks import OpenUpdates, is_repeat


async def test_the_next_poll_waits_until_the_updates_below_its_offset_are_handled():
    open_updates = OpenUpdates(hold=5)
    open_updates.fetched([10, 11, 12])
    polled = asyncio.create_task(open_updates.settle(12))  # confirms 10 and 11
    await asyncio.sleep(0.01)
    open_updates.handled(10)
    await asyncio.sleep(0.01)
    assert not polled.done()
    open_updates.handled(11)
    await asyncio.wait_for(polled, 1)
    assert open_updates.waiting_below(13) == 1  # 12 is still open


async def test_a_slow_update_holds_the_poll_only_for_the_hold(caplog):
    open_updates = OpenUpdates(hold=0.05)
    open_updates.fetched([7])
    await asyncio.wait_for(open_updates.settle(8), 1)
    assert open_updates.waiting_below(8) == 0
    assert "still being handled" in caplog.text


def test_a_repeat_is_an_update_no_newer_than_the_last_handled_while_polling():
    open_updates = OpenUpdates()
    update = Update(update_id=41)
    assert not is_repeat(open_updates, update, 41)  # webhooks: no order to rely on
    open_updates.fetched([41])
    assert is_repeat(open_updates, update, 41) and is_repeat(open_updates, update, 50)
    assert not is_repeat(open_updates, update, 40) and not is_repeat(open_updates, update, None)

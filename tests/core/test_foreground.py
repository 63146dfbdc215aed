"""Updates in hand: background work waits for them, but never longer than it was told."""
from __future__ import annotations

import asyncio
import time

from core.foreground import Foreground


async def test_quiet_returns_at_once_when_nothing_is_in_hand():
    started = time.monotonic()
    await Foreground().quiet(5.0)
    assert time.monotonic() - started < 0.1


async def test_quiet_waits_until_the_last_update_is_handled():
    foreground = Foreground()
    order = []

    async def update(seconds: float, name: str) -> None:
        with foreground.handling():
            await asyncio.sleep(seconds)
            order.append(name)

    tasks = [asyncio.create_task(update(0.05, "a")), asyncio.create_task(update(0.15, "b"))]
    await asyncio.sleep(0)
    await foreground.quiet(5.0)
    order.append("background")
    assert order == ["a", "b", "background"]
    await asyncio.gather(*tasks)


async def test_quiet_gives_up_after_at_most():
    foreground = Foreground()
    with foreground.handling():
        started = time.monotonic()
        await foreground.quiet(0.1)
        assert 0.09 <= time.monotonic() - started < 1.0

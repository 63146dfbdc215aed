"""The simulation's clock: waits cost no wall time, end in the order of their ends, and none ends while a send is
in flight (the budget would read the skipped wait as the send's round trip)."""
from __future__ import annotations

import asyncio
import time

from bench.cohort import SkippedWaits
from core.ratelimit import RateBudget


async def test_waits_end_in_the_order_of_their_ends_and_cost_no_wall_time():
    clock = SkippedWaits()
    ended: list[str] = []

    async def wait(name: str, seconds: float) -> None:
        await clock.sleep(seconds)
        ended.append(name)

    began, virtual = time.monotonic(), clock.now()
    await asyncio.gather(wait("long", 30.0), wait("short", 0.5), wait("middle", 2.0))
    assert ended == ["short", "middle", "long"]
    assert clock.now() - virtual >= 30.0 and time.monotonic() - began < 1.0


async def test_no_wait_ends_while_busy():
    busy = True
    clock = SkippedWaits(busy=lambda: busy)
    waiting = asyncio.create_task(clock.sleep(60.0))
    await asyncio.sleep(0.05)
    assert not waiting.done() and clock.skipped == 0.0
    busy = False
    await asyncio.wait_for(waiting, 1.0)
    assert clock.skipped > 59.0


async def test_a_budget_on_this_clock_keeps_its_rate():
    """29 bulk sends a second, as in real time; woken as they began and skipping during sends, 10–20 a second."""
    clock = SkippedWaits()
    budget = RateBudget(bulk_rate=29, now=clock.now, sleep=clock.sleep)
    clock.busy = lambda: budget.in_flight > 0
    stamps: list[float] = []

    async def send(chat: int) -> None:
        async with budget.slot(chat):
            stamps.append(clock.now())  # the request leaves
            await asyncio.sleep(0.001)  # and takes this long, in real time

    for batch in range(4):
        await asyncio.gather(*(send(batch * 100 + n) for n in range(40)))
    stamps.sort()
    assert max(sum(1 for at in stamps[i:] if at < start + 1.0) for i, start in enumerate(stamps)) <= 29
    after_first_second = [at for at in stamps if at >= stamps[0] + 1.0]
    assert len(after_first_second) / (stamps[-1] - stamps[0] - 1.0) >= 27.5

"""The shared budget keeps Telegram's limits: ≤ 30/s overall, bulk ≤ 28/s, ≥ 1 s per chat, pauses on 429."""
from __future__ import annotations

import asyncio
import time

from scheduler.ratelimit import RateBudget


class FakeTime:
    """Monotonic time that moves only when someone sleeps."""

    def __init__(self) -> None:
        self.t = 1000.0

    def now(self) -> float:
        return self.t

    async def sleep(self, seconds: float) -> None:
        self.t += max(seconds, 0.0)
        await asyncio.sleep(0)


def max_in_window(stamps: list[float], window: float = 1.0) -> int:
    stamps = sorted(stamps)
    best, start = 0, 0
    for end, t in enumerate(stamps):
        while stamps[start] <= t - window:
            start += 1
        best = max(best, end - start + 1)
    return best


async def test_bulk_stays_under_its_share_and_rate_is_sustained():
    ft = FakeTime()
    budget = RateBudget(now=ft.now, sleep=ft.sleep)
    stamps = []
    for i in range(280):
        await budget.acquire(i)
        stamps.append(ft.t)
    assert max_in_window(stamps) <= 28
    assert stamps[-1] - stamps[0] < 10.2  # about 28/s, not less


async def test_interactive_uses_the_head_room_and_overall_stays_at_30():
    ft = FakeTime()
    budget = RateBudget(now=ft.now, sleep=ft.sleep)
    stamps, replies = [], []

    async def bulk():
        for i in range(200):
            await budget.acquire(10_000 + i)
            stamps.append(ft.t)

    async def interactive():
        for i in range(40):
            await budget.acquire(i, interactive=True)
            stamps.append(ft.t)
            replies.append(ft.t)
            await ft.sleep(0.1)

    await asyncio.gather(bulk(), interactive())
    assert max_in_window(stamps) <= 30
    assert len(replies) == 40


async def test_interactive_goes_first_when_bulk_saturates_real_time():
    budget = RateBudget(rate=30, bulk_rate=28, window=0.2, chat_interval=0)
    for i in range(28):
        await budget.acquire(i)
    started = time.monotonic()
    await budget.acquire(interactive=True)  # head-room: no wait
    assert time.monotonic() - started < 0.05
    order = []

    async def one(name, interactive):
        await budget.acquire(interactive=interactive)
        order.append(name)

    bulk = asyncio.create_task(one("bulk", False))
    await asyncio.sleep(0)
    await one("reply", True)
    await bulk
    assert order == ["reply", "bulk"]


async def test_one_message_per_chat_per_interval():
    ft = FakeTime()
    budget = RateBudget(now=ft.now, sleep=ft.sleep)
    stamps = []
    for _ in range(5):
        await budget.acquire(42)
        stamps.append(ft.t)
    assert all(b - a >= 1.0 for a, b in zip(stamps, stamps[1:]))
    assert stamps[-1] - stamps[0] < 4 * 1.1


async def test_real_window_measured():
    budget = RateBudget(rate=30, bulk_rate=28, window=0.25, chat_interval=0.25)
    stamps = []

    async def chat(c):
        for _ in range(3):
            await budget.acquire(c)
            stamps.append((c, time.monotonic()))

    await asyncio.gather(*(chat(c) for c in range(20)))
    assert max_in_window([t for _, t in stamps], 0.25) <= 28
    for c in range(20):
        times = [t for cc, t in stamps if cc == c]
        assert all(b - a >= 0.25 for a, b in zip(times, times[1:]))


async def test_pause_stops_everyone_until_retry_after():
    ft = FakeTime()
    budget = RateBudget(now=ft.now, sleep=ft.sleep)
    budget.pause(7.5)
    assert budget.paused_for == 7.5
    start = ft.t
    await budget.acquire(1, interactive=True)
    assert ft.t - start >= 7.5
    assert budget.paused_for == 0


async def test_memory_is_bounded():
    ft = FakeTime()
    budget = RateBudget(now=ft.now, sleep=ft.sleep)
    for i in range(5_000):
        await budget.acquire(i)
    assert budget.tracked_chats <= 100  # chats seen in the last burst window (3 × 1.05 s at 28/s) only


async def test_replies_may_burst_in_one_chat_but_not_past_the_cap():
    ft = FakeTime()
    budget = RateBudget(now=ft.now, sleep=ft.sleep)
    for _ in range(4):  # no bulk traffic to protect: replies go at once
        await budget.acquire(7, interactive=True)
    assert ft.t - 1000.0 < 0.1
    await budget.acquire(8)  # a broadcast is going out
    start = ft.t
    stamps = []
    for _ in range(4):
        await budget.acquire(9, interactive=True)
        stamps.append(ft.t - start)
        if len(stamps) == 3:
            await budget.acquire(10)  # still going out
    assert stamps[2] < 0.2  # three replies at once: a short burst Telegram allows
    assert stamps[3] >= 3.1  # the fourth waits for the burst window (Telegram would answer 429)
    await budget.acquire(9)  # a bulk send keeps its spacing after the last reply
    assert ft.t - start >= stamps[3] + 1.0

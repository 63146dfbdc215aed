"""Flood limits on a sliding one-second window."""
from __future__ import annotations

import itertools
import sys
from decimal import Decimal

import pytest

from emulator.errors import ApiError
from emulator.limits import FloodLimiter


class FakeClock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def send(limiter: FloodLimiter, chat_id: int) -> None:
    limiter.check(chat_id)
    limiter.record(chat_id)


def test_one_message_per_chat_per_second() -> None:
    clock = FakeClock()
    limiter = FloodLimiter(enabled=True, clock=clock)
    send(limiter, 1)
    clock.now += 0.5
    with pytest.raises(ApiError) as refused:
        send(limiter, 1)
    assert refused.value.code == 429 and refused.value.retry_after == 1
    assert refused.value.payload()["description"] == "Too Many Requests: retry after 1"
    send(limiter, 2)
    clock.now += 0.51
    send(limiter, 1)
    assert (limiter.stats.sends, limiter.stats.rejected) == (3, 1)


def test_thirty_messages_per_second_overall() -> None:
    clock = FakeClock()
    limiter = FloodLimiter(enabled=True, clock=clock)
    for chat_id in range(30):
        send(limiter, chat_id)
        clock.now += 0.01
    with pytest.raises(ApiError):
        send(limiter, 99)
    clock.now = 101.0  # the first send leaves the window
    send(limiter, 99)


def test_disabled_limiter_only_counts() -> None:
    clock = FakeClock()
    limiter = FloodLimiter(clock=clock)
    for _ in range(100):
        send(limiter, 1)
    assert limiter.stats.sends == 100 and limiter.stats.rejected == 0


def test_per_second_histogram_and_late_rejections() -> None:
    clock = FakeClock()
    limiter = FloodLimiter(enabled=True, overall=2, per_chat=5, per_chat_burst=5, clock=clock)
    for offset in (0.0, 0.1, 1.2, 2.5, 2.6):
        clock.now = 100 + offset
        send(limiter, 1)
    clock.now = 102.7
    with pytest.raises(ApiError):
        send(limiter, 1)
    assert limiter.stats.per_second() == [2, 1, 2]
    assert limiter.stats.rejected_after(1.0) == 1 and limiter.stats.rejected_after(3.0) == 0
    limiter.stats.reset()
    assert (limiter.stats.sends, limiter.stats.rejected, limiter.stats.per_second()) == (0, 0, [])


def test_a_short_burst_in_one_chat_is_tolerated_but_not_a_sustained_rate() -> None:
    clock = FakeClock()
    limiter = FloodLimiter(enabled=True, clock=clock, per_chat_burst=3)
    for _ in range(3):
        send(limiter, 1)
        clock.now += 0.1
    with pytest.raises(ApiError) as refused:
        send(limiter, 1)
    assert refused.value.retry_after == 3
    clock.now = 103.0  # the first of the three leaves the 3 s window
    send(limiter, 1)


def test_paid_broadcast_goes_past_thirty_a_second_and_pays_for_what_is_past() -> None:
    clock = FakeClock()
    limiter = FloodLimiter(enabled=True, clock=clock, paid_overall=100)
    for chat_id in range(100):
        limiter.check(chat_id, paid=True)
        assert limiter.record(chat_id, paid=True) == (chat_id >= 30)  # the first 30 of the second are free
        clock.now += 0.001
    with pytest.raises(ApiError) as refused:  # the paid limit
        limiter.check(500, paid=True)
    assert refused.value.code == 429
    stats = limiter.stats
    assert (stats.sends, stats.paid_sends, stats.billed, stats.rejected) == (100, 100, 70, 1)
    assert stats.stars_spent == Decimal("7.0")
    clock.now = 101.0005  # the first send has left the window: room for one more
    limiter.check(500, paid=True)


def test_unpaid_sends_keep_the_free_limit_while_paid_ones_fill_the_second() -> None:
    clock = FakeClock()
    limiter = FloodLimiter(enabled=True, clock=clock)
    for chat_id in range(10):
        send(limiter, chat_id)
    for chat_id in range(10, 40):
        limiter.check(chat_id, paid=True)
        limiter.record(chat_id, paid=True)
    with pytest.raises(ApiError):
        limiter.check(99)  # 40 sends in the last second: an unpaid one must wait
    limiter.check(99, paid=True)
    assert limiter.stats.billed == 10  # sends 31…40: paid ones beyond the free 30


def test_a_paid_send_still_keeps_one_chats_limit() -> None:
    clock = FakeClock()
    limiter = FloodLimiter(enabled=True, clock=clock)
    limiter.check(1, paid=True)
    limiter.record(1, paid=True)
    with pytest.raises(ApiError):
        limiter.check(1, paid=True)
    assert limiter.stats.billed == 0 and limiter.stats.rejected_overall == 0


def test_stars_are_counted_with_limits_off_too() -> None:
    clock = FakeClock()
    limiter = FloodLimiter(clock=clock)
    for chat_id in range(50):
        limiter.record(chat_id, paid=chat_id % 2 == 0)
    assert (limiter.stats.paid_sends, limiter.stats.billed) == (25, 10)  # the even ones among sends 31…50
    clock.now += 1.0
    assert limiter.record(1, paid=True) is False  # a new second: free again
    limiter.stats.reset()
    assert (limiter.stats.paid_sends, limiter.stats.billed, limiter.stats.stars_spent) == (0, 0, 0)


def test_the_send_counters_keep_no_object_per_send() -> None:
    """A months-long simulation counts millions of sends; its memory must stay the bot's."""
    moments = itertools.count(0.0, 2.0)
    limiter = FloodLimiter(enabled=False, clock=lambda: next(moments))  # counted either way
    limiter.record(1)
    before = sys.getallocatedblocks()
    for n in range(10_000):
        limiter.record(n % 50)
    assert limiter.stats.sends == 10_001 and sys.getallocatedblocks() - before < 1_000

"""Flood limits on a sliding one-second window."""
from __future__ import annotations

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

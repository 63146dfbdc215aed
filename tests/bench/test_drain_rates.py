"""The broadcast rate the simulation reports, with and without the seconds a hard kill left the bot dead."""
from __future__ import annotations

from bench.cohort import drain_rates


def _at(rate: int, start: float, seconds: int) -> list[float]:
    return [start + i / rate for i in range(rate * seconds)]


def test_a_steady_drain_is_its_rate_either_way():
    assert drain_rates(_at(29, 100.0, 10), kills=[50.0]) == (29.0, 29.0)


def test_the_seconds_from_a_kill_to_the_next_send_count_only_in_the_overall_rate():
    sends = _at(29, 100.0, 10) + _at(29, 130.0, 10)  # killed at 110: twenty seconds without a send
    overall, up = drain_rates(sends, kills=[110.0])
    assert overall == 29 * 18 / 38  # the first and last second are cut
    assert up == 29.0

"""Quiet hours defer to the end of the window in the person's own zone."""
from __future__ import annotations

from datetime import datetime, time
from zoneinfo import ZoneInfo

import pytest

from scheduler.quiet import defer_for_quiet_hours, in_quiet_hours

WIB, WIT = ZoneInfo("Asia/Jakarta"), ZoneInfo("Asia/Jayapura")
NIGHT = (time(21, 0), time(6, 0))


@pytest.mark.parametrize(("clock", "expected"), [
    (time(20, 59), False), (time(21, 0), True), (time(23, 59), True), (time(0, 0), True),
    (time(5, 59), True), (time(6, 0), False), (time(12, 0), False),
])
def test_window_crossing_midnight(clock, expected):
    assert in_quiet_hours(clock, *NIGHT) is expected


def test_window_within_a_day_and_disabled():
    assert in_quiet_hours(time(13, 0), time(12, 0), time(14, 0))
    assert not in_quiet_hours(time(14, 0), time(12, 0), time(14, 0))
    assert not in_quiet_hours(time(3, 0), time(0, 0), time(0, 0))


def test_evening_defers_to_next_morning_in_the_same_zone():
    assert defer_for_quiet_hours(datetime(2026, 3, 2, 22, 15, tzinfo=WIT), *NIGHT) == datetime(2026, 3, 3, 6, 0, tzinfo=WIT)


def test_early_morning_defers_to_the_same_morning():
    assert defer_for_quiet_hours(datetime(2026, 3, 2, 4, 0, tzinfo=WIB), *NIGHT) == datetime(2026, 3, 2, 6, 0, tzinfo=WIB)


def test_daytime_and_month_end_crossing():
    assert defer_for_quiet_hours(datetime(2026, 3, 2, 9, 0, tzinfo=WIB), *NIGHT) is None
    assert defer_for_quiet_hours(datetime(2026, 12, 31, 23, 0, tzinfo=WIB), *NIGHT) == datetime(2027, 1, 1, 6, 0, tzinfo=WIB)


def test_custom_daytime_window():
    assert defer_for_quiet_hours(datetime(2026, 3, 2, 12, 30, tzinfo=WIB), time(12, 0), time(13, 0)) == datetime(2026, 3, 2, 13, 0, tzinfo=WIB)

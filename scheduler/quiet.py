"""Quiet hours: a window of local time (default 21:00–06:00) in which messages wait instead of ringing."""
from __future__ import annotations

from datetime import datetime, time, timedelta


def in_quiet_hours(local: time, quiet_start: time, quiet_end: time) -> bool:
    """Tell whether a local time of day falls in the window; equal ends mean no quiet hours."""
    if quiet_start == quiet_end:
        return False
    if quiet_start < quiet_end:
        return quiet_start <= local < quiet_end
    return local >= quiet_start or local < quiet_end


def defer_for_quiet_hours(local_now: datetime, quiet_start: time, quiet_end: time) -> datetime | None:
    """Return when the quiet hours around `local_now` end (in its zone), or None outside them."""
    clock = local_now.timetz().replace(tzinfo=None)
    if not in_quiet_hours(clock, quiet_start, quiet_end):
        return None
    day = local_now.date()
    if quiet_start > quiet_end and clock >= quiet_start:
        day += timedelta(days=1)
    return datetime.combine(day, quiet_end, tzinfo=local_now.tzinfo)

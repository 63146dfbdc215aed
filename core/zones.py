"""One time zone rule: a person's own zone, else the configured default (DEFAULT_TZ).

The default comes from Settings.default_tz and travels with the loaded Content
(`load_content(dir, default_tz=settings.default_tz)`), which every use case already receives;
callers pass `content.default_tz` (the sender its own copy of the setting).
"""
from __future__ import annotations

import logging
from datetime import date, datetime, time
from functools import lru_cache
from typing import Protocol
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from core.clock import Clock

log = logging.getLogger(__name__)

FALLBACK_TZ = "Asia/Jakarta"  # when nothing is configured (Settings.default_tz's default)
ABBREVIATIONS = {
    "Asia/Jakarta": "WIB", "Asia/Pontianak": "WIB",
    "Asia/Makassar": "WITA", "Asia/Ujung_Pandang": "WITA",
    "Asia/Jayapura": "WIT",
}


class Zoned(Protocol):
    """A person, or a row of the people table: anything with an IANA `timezone` (or None)."""

    timezone: str | None


def is_zone(name: str) -> bool:
    """Tell whether `name` is a time zone the system knows."""
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return False
    return True


@lru_cache(maxsize=64)
def _checked(name: str, default: str) -> str:
    if is_zone(name):
        return name
    log.warning("unknown time zone %r; using %s", name, default)
    return default


def zone_name(person: Zoned | None, default: str) -> str:
    """The person's IANA zone, or `default` when they have none (or an unknown one)."""
    return named_zone(person.timezone if person is not None else None, default)


def named_zone(name: str | None, default: str) -> str:
    """A zone name as stored (None when unset), or `default` when unset or unknown."""
    return _checked(name or default, default)


def zone_of(person: Zoned | None, default: str) -> ZoneInfo:
    return ZoneInfo(zone_name(person, default))


def local_now(person: Zoned | None, default: str, clock: Clock) -> datetime:
    return clock.now().astimezone(zone_of(person, default))


def local_today(person: Zoned | None, default: str, clock: Clock) -> date:
    return local_now(person, default, clock).date()


def abbreviation(zone: str) -> str:
    """WIB, WITA or WIT for Indonesia's zones; otherwise the zone name."""
    return ABBREVIATIONS.get(zone, zone)


def local_datetime(on_date: date, at: time, zone: ZoneInfo) -> datetime:
    """An aware datetime for a local date and time of day in the zone."""
    return datetime.combine(on_date, at, tzinfo=zone)

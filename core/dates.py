"""Dates and times in Indonesian words, from babel's "id" locale: "Kamis, 7 Januari 2027"."""
from __future__ import annotations

from datetime import date, time
from functools import lru_cache

from babel.dates import format_date as _babel_date
from babel.dates import get_day_names, get_month_names

LOCALE = "id"


@lru_cache(maxsize=1024)
def format_date(value: date) -> str:
    """The date with its day name: "Kamis, 7 Januari 2027"."""
    return _babel_date(value, "EEEE, d MMMM y", locale=LOCALE)


def format_time(value: time) -> str:
    """A time of day as Indonesians write it: "08.00"."""
    return value.strftime("%H.%M")


def month_name(month: int) -> str:
    """The month's name: 3 → "Maret"."""
    return get_month_names("wide", locale=LOCALE)[month]


def month_names() -> dict[str, int]:
    """Month names and their abbreviations, lower case → month number ("mar", "maret" → 3)."""
    names: dict[str, int] = {}
    for width in ("wide", "abbreviated"):
        for number, name in get_month_names(width, locale=LOCALE, context="format").items():
            names[name.lower().rstrip(".")] = number
    return names


def day_names() -> dict[str, int]:
    """Day names, lower case → weekday (Monday = 0): "senin" → 0."""
    return {name.lower(): number for number, name in get_day_names("wide", locale=LOCALE).items()}

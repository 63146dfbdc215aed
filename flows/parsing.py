"""Read numbers and dates the way Indonesian teachers type them."""
from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta

import dateparser

_RELATIVE_DAYS = {"hari ini": 0, "sekarang": 0, "besok": 1, "besok pagi": 1, "lusa": 2, "kemarin": -1}
_NUMERIC_DATE = re.compile(r"^(\d{1,2})\s*[/.\-]\s*(\d{1,2})\s*[/.\-]\s*(\d{2}|\d{4})$")
_ISO_DATE = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})$")
_THOUSANDS = re.compile(r"^-?\d{1,3}(\.\d{3})+$")
_NUMBER = re.compile(r"^-?\d+(\.\d+)?$")


def parse_number(text: str) -> int | float | None:
    """Parse "12", "7,5", "1.500" (thousands) or "-3"; None if it is not a number."""
    raw = text.strip().replace(" ", "")
    if "," in raw:
        raw = raw.replace(".", "").replace(",", ".", 1)
    elif _THOUSANDS.match(raw):
        raw = raw.replace(".", "")
    if not _NUMBER.match(raw):
        return None
    value = float(raw)
    return int(value) if value.is_integer() and "." not in raw else value


def _make_date(year: int, month: int, day: int) -> date | None:
    try:
        return date(year, month, day)
    except ValueError:
        return None


def parse_date(text: str, today: date) -> date | None:
    """Parse 12/3/2025, 12-03-2025, 2025-03-12, 12 Maret 2025, 12 Mar 2025, besok, lusa, hari ini."""
    raw = " ".join(text.strip().lower().split())
    if not raw or raw.isdigit():
        return None
    if raw in _RELATIVE_DAYS:
        return today + timedelta(days=_RELATIVE_DAYS[raw])
    if match := _NUMERIC_DATE.match(raw):
        day, month, year = (int(g) for g in match.groups())
        return _make_date(year + 2000 if year < 100 else year, month, day)
    if match := _ISO_DATE.match(raw):
        year, month, day = (int(g) for g in match.groups())
        return _make_date(year, month, day)
    if not re.search(r"[a-z]", raw):
        return None
    parsed = dateparser.parse(
        raw,
        languages=["id"],
        settings={"DATE_ORDER": "DMY", "RELATIVE_BASE": datetime.combine(today, time(12, 0)), "PREFER_DAY_OF_MONTH": "first"},
    )
    return parsed.date() if parsed else None

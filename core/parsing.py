"""Read numbers, dates and times of day the way Indonesian teachers type them."""
from __future__ import annotations

import calendar
import re
from datetime import date, datetime, time, timedelta

import dateparser

from core.dates import day_names, month_names

_RELATIVE_DAYS = {"hari ini": 0, "sekarang": 0, "besok": 1, "besok pagi": 1, "lusa": 2, "kemarin": -1}
_NUMERIC_DATE = re.compile(r"^(\d{1,2})\s*[/.\-]\s*(\d{1,2})\s*[/.\-]\s*(\d{2}|\d{4})$")
_DAY_MONTH = re.compile(r"^(\d{1,2})\s*/\s*(\d{1,2})$")  # 12/3: the next 12 March
_ISO_DATE = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})$")
_THOUSANDS = re.compile(r"^-?\d{1,3}(\.\d{3})+$")
_NUMBER = re.compile(r"^-?\d+(\.\d+)?$")

_WORD_NUMBERS = {
    "se": 1, "satu": 1, "dua": 2, "tiga": 3, "empat": 4, "lima": 5, "enam": 6, "tujuh": 7, "delapan": 8,
    "sembilan": 9, "sepuluh": 10,
}
_UNITS = {"hari": "day", "minggu": "week", "pekan": "week", "bulan": "month", "tahun": "year"}
_MONTHS = {**month_names(), "agt": 8, "ags": 8, "sept": 9, "nop": 11, "nopember": 11, "pebruari": 2}
_DAYS = {**day_names(), "jum'at": 4, "ahad": 6}
_DAY = "|".join(sorted(map(re.escape, _DAYS), key=len, reverse=True))
_MONTH = "|".join(sorted(map(re.escape, _MONTHS), key=len, reverse=True))
_COUNT = r"(\d{1,3}|" + "|".join(_WORD_NUMBERS) + r")"
_UNIT = "|".join(_UNITS)

_IN_COUNT = re.compile(rf"^(?:dalam\s+)?{_COUNT}\s*({_UNIT})(?:\s+(?:lagi|ke\s*depan|kemudian|dari\s+sekarang))?$")
_NEXT_UNIT = re.compile(rf"^({_UNIT})\s+depan$")
_EDGE = re.compile(r"^(akhir|awal|pertengahan)\s+(bulan|minggu|pekan|tahun)(?:\s+(ini|depan))?$")
_WEEKDAY = re.compile(rf"^(?:hari\s+)?({_DAY})(?:\s+(ini|depan|nanti|besok))?$")
_LEADING_WEEKDAY = re.compile(rf"^(?:hari\s+)?(?:{_DAY})\s*,?\s*(?=\d|tanggal|tgl)")
_DAY_OF = re.compile(rf"^(?:tanggal|tgl\.?)?\s*(\d{{1,2}})(?:\s*(?:-\s*)?({_MONTH})\.?(?:\s*(?:-\s*)?(\d{{4}}|\d{{2}}))?)?$")
_TIME_WORD = re.compile(r"\b(?:jam|pukul|pkl)\b")
_DATEPARSER_SETTINGS = {"DATE_ORDER": "DMY", "PREFER_DAY_OF_MONTH": "first", "PREFER_DATES_FROM": "future"}

# A time of day: "jam 8", "pukul 08.30", "pkl 13:00", "jam 1 siang", or a trailing "08.00" after the date.
_TIME = re.compile(
    r"(?:^|\s)(?:(?:jam|pukul|pkl\.?)\s*(\d{1,2})(?:[.:](\d{2}))?|(\d{1,2})[.:](\d{2}))"
    r"(?:\s*(pagi|siang|sore|malam))?(?:\s*(?:wib|wita|wit))?\s*$"
)


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


def _add_months(day: date, months: int) -> date:
    """The same day `months` later, or that month's last day when it is shorter."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    return date(year, month + 1, min(day.day, calendar.monthrange(year, month + 1)[1]))


def _month_end(day: date) -> date:
    return day.replace(day=calendar.monthrange(day.year, day.month)[1])


def _count(word: str) -> int:
    return int(word) if word.isdigit() else _WORD_NUMBERS[word]


def _after(today: date, count: int, unit: str) -> date:
    if unit == "day":
        return today + timedelta(days=count)
    if unit == "week":
        return today + timedelta(weeks=count)
    return _add_months(today, count * (12 if unit == "year" else 1))


def _edge(today: date, edge: str, unit: str, which: str | None) -> date:
    """akhir/awal/pertengahan bulan, minggu (pekan) or tahun: this one, the next ("depan"), or
    without either the first that is still to come."""
    later = which == "depan"
    if unit == "tahun":
        found = date(today.year + later, {"akhir": 12, "awal": 1, "pertengahan": 7}[edge], {"akhir": 31}.get(edge, 1))
    elif unit in ("minggu", "pekan"):
        monday = today - timedelta(days=today.weekday()) + timedelta(weeks=later)
        found = monday + timedelta(days={"akhir": 5, "awal": 0, "pertengahan": 2}[edge])  # akhir pekan: Saturday
    else:
        first = _add_months(today.replace(day=1), later)
        found = _month_end(first) if edge == "akhir" else first.replace(day=15) if edge == "pertengahan" else first
    if which is None and found < today:
        return _edge(today, edge, unit, "depan")
    return found


def _weekday(today: date, weekday: int, which: str | None) -> date:
    """"kamis", "kamis ini": the coming Thursday (today counts); "kamis depan": Thursday of next week."""
    if which == "depan":
        return today - timedelta(days=today.weekday()) + timedelta(weeks=1, days=weekday)
    return today + timedelta(days=(weekday - today.weekday()) % 7)


def _next_day_of_month(today: date, day: int) -> date | None:
    """Day `day` of this month if it is still to come, else of the first later month that has it."""
    if not 1 <= day <= 31:
        return None
    month = today.replace(day=1)
    for _ in range(13):
        found = _make_date(month.year, month.month, day)
        if found is not None and found >= today:
            return found
        month = _add_months(month, 1)
    return None


def _next_in_year(today: date, month: int, day: int) -> date | None:
    """The next `day` `month` from today on (this year, else the next)."""
    for year in (today.year, today.year + 1):
        found = _make_date(year, month, day)
        if found is not None and found >= today:
            return found
    return None


def parse_date(text: str, today: date) -> date | None:
    """Parse a date; a day without a year is the next one to come.

    Understood: 12/3/2025, 12-03-2025, 2025-03-12, 12/3, 12 Maret 2025, 12 Mar, tanggal 5,
    Kamis, 7 Januari 2027; hari ini, besok, lusa; kamis, jumat ini, senin depan, minggu depan,
    bulan depan; 3 hari lagi, dalam 2 minggu, seminggu lagi; akhir bulan, awal bulan depan, akhir pekan.
    """
    raw = " ".join(text.strip().lower().rstrip(".!").split())
    if not raw or raw.isdigit():
        return None
    if raw in _RELATIVE_DAYS:
        return today + timedelta(days=_RELATIVE_DAYS[raw])
    raw = _LEADING_WEEKDAY.sub("", raw)  # "Kamis, 7 Januari 2027": the date decides
    if match := _NUMERIC_DATE.match(raw):
        day, month, year = (int(g) for g in match.groups())
        return _make_date(year + 2000 if year < 100 else year, month, day)
    if match := _ISO_DATE.match(raw):
        year, month, day = (int(g) for g in match.groups())
        return _make_date(year, month, day)
    if match := _DAY_MONTH.match(raw):
        return _next_in_year(today, int(match.group(2)), int(match.group(1)))
    if match := _IN_COUNT.match(raw.replace("seminggu", "se minggu").replace("sebulan", "se bulan")
                                .replace("sehari", "se hari").replace("setahun", "se tahun")):
        return _after(today, _count(match.group(1)), _UNITS[match.group(2)])
    if match := _NEXT_UNIT.match(raw):
        return _after(today, 1, _UNITS[match.group(1)])
    if match := _EDGE.match(raw):
        return _edge(today, *match.groups())
    if match := _WEEKDAY.match(raw):
        return _weekday(today, _DAYS[match.group(1)], match.group(2))
    if match := _DAY_OF.match(raw):
        day, month, year = match.groups()
        if month is None:
            return _next_day_of_month(today, int(day)) if raw[0].isalpha() else None
        if year is None:
            return _next_in_year(today, _MONTHS[month], int(day))
        return _make_date(int(year) + 2000 if len(year) == 2 else int(year), _MONTHS[month], int(day))
    if not re.search(r"[a-z]", raw) or _TIME_WORD.match(raw):
        return None
    parsed = dateparser.parse(
        raw, languages=["id"], settings={**_DATEPARSER_SETTINGS, "RELATIVE_BASE": datetime.combine(today, time(12, 0))},
    )
    return parsed.date() if parsed else None


def _hour(hour: int, part: str | None) -> int:
    """12-hour habits: "jam 1 siang" is 13.00, "jam 3 sore" 15.00, "jam 7 malam" 19.00."""
    if part in ("siang", "sore") and hour < 11 or part == "malam" and 5 <= hour < 12:
        return hour + 12
    return hour


def split_time(text: str) -> tuple[str, time | None]:
    """Take a time of day off the end of a date answer: ("kamis depan", 08:00) from "kamis depan jam 8".

    The text comes back unchanged, with no time, when it holds none or an impossible one.
    """
    raw = " ".join(text.strip().lower().split())
    match = _TIME.search(raw)
    if match is None:
        return text, None
    hour, minute = match.group(1) or match.group(3), match.group(2) or match.group(4) or "0"
    hour_value, minute_value = _hour(int(hour), match.group(5)), int(minute)
    if hour_value > 23 or minute_value > 59:
        return text, None
    rest = raw[:match.start()].strip().rstrip(",")
    return rest, time(hour_value, minute_value)


def parse_date_time(text: str, today: date) -> tuple[date, time | None] | None:
    """A date with an optional time of day after it ("12/3/2026 pukul 08.00", "kamis depan jam 9 pagi")."""
    rest, at = split_time(text)
    if at is not None:
        on_date = parse_date(rest, today)
        return (on_date, at) if on_date is not None else None
    if _TIME_WORD.search(text.lower()):
        return None  # "jam 25": a time was meant but cannot be read
    on_date = parse_date(text, today)
    return (on_date, None) if on_date is not None else None

"""Working days and days off, per person: Indonesia's holidays, content days off and koordinator-added days.

A day is a working day unless it is
- a weekly day off (holidays.yaml `weekly_days_off`, Sunday by default: many schools teach on Saturday
  and PGP workshops are often held then, so Saturday stays a working day unless the content says otherwise);
- a national day off: a public holiday or a cuti bersama of the `holidays` library (categories public and
  government, in Indonesian; lunar dates the government has not fixed yet are marked provisional), a
  holidays.yaml `days_off` entry without provinces, or an `extra_days` row of scope national;
- a day off of the person's province (`Person.province`, the roster's `provinsi`; people without one get
  national days only) or of their cohort (`extra_days`).
School holidays (holidays.yaml `school_holidays`) are listed but stay working days: the program goes on in them.
Without holidays.yaml (Content.holidays is None) every day is a working day.
"""
from __future__ import annotations

import csv
import logging
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from datetime import date, timedelta
from functools import lru_cache
from typing import Protocol

import holidays as holiday_library
from holidays.constants import GOVERNMENT, PUBLIC
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from core.content.schema import Content, HolidayPolicy, HolidaySettings
from store.models import DayOffScope, ExtraDay

log = logging.getLogger(__name__)

MAX_SHIFT_DAYS = 14  # move() looks this far for a working day; beyond it the day stays as it is
ESTIMATED = " (perkiraan)"  # how the library marks a date it estimated (lunar calendars), in Indonesian
WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")


class Located(Protocol):
    """A person, or a row of the people table: whose regional and cohort days off apply."""

    province: str | None
    cohort_id: int | None


@dataclass(frozen=True)
class Holiday:
    """A day off (or a run of them with one name), or a school holiday."""

    start: date
    end: date
    name: str
    scope: str  # national | province | cohort | school
    provisional: bool = False  # an estimated date or one not official yet

    @property
    def day_off(self) -> bool:
        return self.scope != "school"


@lru_cache(maxsize=1024)
def province_key(name: str | None) -> str | None:
    """A province name to compare: case, spacing and a leading "Provinsi"/"Prov." do not matter."""
    if not name:
        return None
    words = name.casefold().replace(".", ". ").split()
    if words and words[0] in ("provinsi", "prov."):
        words = words[1:]
    return " ".join(words) or None


@lru_cache(maxsize=32)
def library_days(year: int) -> tuple[Holiday, ...]:
    """Indonesia's public holidays and cuti bersama of a year, from the holidays library."""
    found = holiday_library.country_holidays("ID", years=year, categories=(PUBLIC, GOVERNMENT), language="id")
    out = []
    for day, names in sorted(found.items()):
        for name in names.split("; "):
            estimated = name.endswith(ESTIMATED)
            out.append(Holiday(day, day, name.removesuffix(ESTIMATED), "national", estimated))
    return tuple(out)


def _days(start: date, end: date) -> Iterable[date]:
    for n in range((end - start).days + 1):
        yield start + timedelta(days=n)


class HolidayCalendar:
    """Which days are working days for whom; build it with load() (or directly in tests)."""

    def __init__(self, settings: HolidaySettings | None, added: Iterable[ExtraDay] = ()) -> None:
        self.active = settings is not None
        self._weekly = {WEEKDAYS.index(d) for d in settings.weekly_days_off} if settings else set()
        self._national: dict[date, list[Holiday]] = defaultdict(list)
        self._province: dict[str, dict[date, list[Holiday]]] = defaultdict(lambda: defaultdict(list))
        self._cohort: dict[int, dict[date, list[Holiday]]] = defaultdict(lambda: defaultdict(list))
        self._school: dict[str, list[Holiday]] = defaultdict(list)
        self._years: set[int] = set()
        if settings is None:
            return
        for entry in settings.days_off:
            for day in _days(entry.date, entry.until or entry.date):
                if entry.provinces:
                    for province in {province_key(p) for p in entry.provinces}:
                        self._province[province][day].append(Holiday(day, day, entry.name, "province", entry.provisional))
                else:
                    self._national[day].append(Holiday(day, day, entry.name, "national", entry.provisional))
        for school in settings.school_holidays:
            for province in {province_key(p) for p in school.provinces}:
                self._school[province].append(Holiday(school.start, school.end, school.name, "school", school.provisional))
        for row in added:
            holiday = Holiday(row.on_date, row.on_date, row.name, DayOffScope(row.scope).value)
            if row.scope == DayOffScope.national:
                self._national[row.on_date].append(holiday)
            elif row.scope == DayOffScope.province and province_key(row.province):
                self._province[province_key(row.province)][row.on_date].append(holiday)
            elif row.scope == DayOffScope.cohort and row.cohort_id is not None:
                self._cohort[row.cohort_id][row.on_date].append(holiday)

    @classmethod
    async def load(cls, session: AsyncSession, content: Content) -> "HolidayCalendar":
        """The calendar of this content and the days koordinators added."""
        if content.holidays is None:
            return cls(None)
        added = (await session.execute(select(ExtraDay))).scalars().all()
        return cls(content.holidays, added)

    def _library(self, year: int) -> None:
        if year not in self._years:
            self._years.add(year)
            for holiday in library_days(year):
                self._national[holiday.start].append(holiday)

    def days_off(self, day: date, who: Located | None = None) -> list[Holiday]:
        """The named days off on that day for this person (national, their province's, their cohort's)."""
        if not self.active:
            return []
        self._library(day.year)
        found = list(self._national.get(day, ()))
        if who is not None:
            if (province := province_key(who.province)) and province in self._province:
                found += self._province[province].get(day, ())
            if who.cohort_id is not None and who.cohort_id in self._cohort:
                found += self._cohort[who.cohort_id].get(day, ())
        return found

    def is_working_day(self, day: date, who: Located | None = None) -> bool:
        """Neither a weekly day off nor a day off for this person."""
        if not self.active:
            return True
        if day.weekday() in self._weekly:
            return False
        self._library(day.year)
        if day in self._national:
            return False
        if who is None:
            return True
        return (day not in self._province.get(province_key(who.province) or "", {})
                and day not in self._cohort.get(who.cohort_id or 0, {}))

    def holiday_name(self, day: date, who: Located | None = None) -> str | None:
        """The names of the day's days off, joined; None on a day without one (a plain Sunday too)."""
        names = list(dict.fromkeys(h.name for h in self.days_off(day, who)))
        return "; ".join(names) or None

    def move(self, day: date, policy: HolidayPolicy, who: Located | None = None) -> date:
        """The working day a reminder due on `day` goes to: that day, the one before or the one after."""
        if policy == "keep" or self.is_working_day(day, who):
            return day
        step = timedelta(days=-1 if policy == "earlier" else 1)
        candidate = day
        for _ in range(MAX_SHIFT_DAYS):
            candidate += step
            if self.is_working_day(candidate, who):
                return candidate
        log.warning("no working day within %d days of %s; keeping it", MAX_SHIFT_DAYS, day)
        return day

    def previous_working_day(self, day: date, who: Located | None = None) -> date:
        return self.move(day - timedelta(days=1), "earlier", who)

    def upcoming(self, start: date, days: int, who: Located | None = None) -> list[Holiday]:
        """Days off (a run of days with one name as one entry) and school holidays from start for `days` days."""
        if not self.active:
            return []
        end = start + timedelta(days=days - 1)
        out: list[Holiday] = []
        for day in _days(start, end):
            for holiday in self.days_off(day, who):
                same = next((i for i, h in enumerate(out) if h.name == holiday.name and h.scope == holiday.scope
                             and h.end == day - timedelta(days=1)), None)
                if same is None:
                    out.append(holiday)
                else:
                    out[same] = replace(out[same], end=day)
        if who is not None and (province := province_key(who.province)) and province in self._school:
            out += [h for h in self._school[province] if h.start <= end and h.end >= start]
        return sorted(out, key=lambda h: (h.start, h.end, h.name))


# -- days off a koordinator adds (in chat or by a CSV file: tanggal, libur[, provinsi]) ----------------------

DAYS_OFF_COLUMNS = ("tanggal", "libur", "provinsi")
MAX_ADDED_ROWS = 200


@dataclass(frozen=True)
class NewDayOff:
    on_date: date
    name: str
    province: str | None = None


def is_days_off_file(text: str) -> bool:
    """A days-off CSV: its header has `tanggal` and `libur` (and no `lokakarya`)."""
    header = _header(text)
    return {"tanggal", "libur"} <= header and "lokakarya" not in header


def _delimiter(first: str) -> str:
    return ";" if first.count(";") > first.count(",") else ","


def _header(text: str) -> set[str]:
    first = text.lstrip().partition("\n")[0]
    return {cell.strip().lower() for cell in first.split(_delimiter(first))}


def read_days_off(text: str, parse: Callable[[str], date | None]) -> tuple[list[NewDayOff], list[int]]:
    """The rows of a days-off CSV, and the numbers of the rows (header = 1) whose date or name is missing or wrong."""
    lines = text.lstrip().splitlines()
    rows = list(csv.DictReader(lines, delimiter=_delimiter(lines[0]) if lines else ","))
    found, bad = [], []
    for number, row in enumerate(rows, 2):
        row = {(k or "").strip().lower(): (v or "").strip() for k, v in row.items()}
        on_date, name = parse(row.get("tanggal", "")), row.get("libur", "")
        if on_date is None or not name:
            bad.append(number)
        else:
            found.append(NewDayOff(on_date, name, row.get("provinsi") or None))
    return found, bad


async def add_days_off(session: AsyncSession, days: Iterable[NewDayOff], cohort_id: int | None,
                       created_by: int | None) -> list[ExtraDay]:
    """Record days off: of a province when one is named, else of the cohort (or national without one)."""
    added = []
    for day in days:
        if day.province:
            scope = DayOffScope.province
        else:
            scope = DayOffScope.cohort if cohort_id is not None else DayOffScope.national
        row = ExtraDay(on_date=day.on_date, name=day.name, scope=scope, province=day.province,
                       cohort_id=cohort_id if scope is DayOffScope.cohort else None, created_by=created_by)
        session.add(row)
        added.append(row)
    await session.flush()
    return added

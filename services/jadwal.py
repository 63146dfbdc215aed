"""/jadwal: a person's next dated items and days off in their own time zone, the same as an .ics file, and the "j:" buttons."""
from __future__ import annotations

import logging
from datetime import date, datetime, timedelta

from icalendar import Calendar
from icalendar import Event as IcsEvent
from sqlalchemy.ext.asyncio import AsyncSession

from core.clock import Clock
from core.content.schema import Content
from core.dates import format_date, format_time
from core.ui import Button, Reply
from core.zones import abbreviation, local_datetime, local_today, zone_name, zone_of
from program.calendar import DatedItem, events_for, item_title
from program.callbacks import JADWAL  # re-exported: the presses bot/app.py sends to press()
from program.callbacks import CalendarFile
from program.holidays import HolidayCalendar
from services import calendar_dates
from services.context import Deps
from services.turn import Acting, Outcome, Turn, act
from store.models import Person, Role

log = logging.getLogger(__name__)

SHOWN = 8  # items listed in the chat
ICS_DAYS = 400  # items within this many days go into the .ics file
ICS_EVENT_HOURS = 2  # length of a timed event in the .ics file
HOLIDAY_WEEKS = 4  # days off listed: those of the coming weeks


async def show(deps: Deps, turn: Turn) -> Outcome:
    """/jadwal: the person's next dates."""
    return await act(deps, turn, _show, command="jadwal")


async def press(deps: Deps, turn: Turn, value: CalendarFile | calendar_dates.DatePress | None) -> Outcome:
    """A "j:" button: the .ics file, or a step of setting a date; stale or forged data gets "no longer valid"."""
    return await act(deps, turn, lambda acting: _press(acting, value))


async def _show(acting: Acting) -> list[Reply]:
    return await jadwal(acting.session, acting.content, acting.person, acting.clock)


async def _press(acting: Acting, value: CalendarFile | calendar_dates.DatePress | None) -> list[Reply]:
    if value is None:
        return acting.reply("reminder.unknown_button")
    if isinstance(value, CalendarFile):
        return [await jadwal_ics(acting.session, acting.content, acting.person, acting.clock)]
    return await calendar_dates.handle_button(acting.session, acting.content, acting.person, value, acting.clock)


async def upcoming(session: AsyncSession, content: Content, person: Person, clock: Clock, days: int | None = None) -> list[DatedItem]:
    """The person's items from today (their zone) on, optionally within `days`."""
    today = local_today(person, content.default_tz, clock)
    items = [i for i in await events_for(session, content, person, clock) if i.on_date >= today]
    if days is not None:
        items = [i for i in items if i.on_date <= today + timedelta(days=days)]
    return items


async def jadwal(session: AsyncSession, content: Content, person: Person, clock: Clock) -> list[Reply]:
    """List the next items with dates (and times) in the person's zone, with a button for the .ics file,
    then the days off of the coming weeks.

    A koordinator also gets a button to set Lokakarya dates, a PP one to set a mentee's PI date.
    """
    items = (await upcoming(session, content, person, clock))[:SHOWN]
    setting = calendar_dates.entry_buttons(content, person)
    days_off = await _days_off(session, content, person, clock)
    if not items:
        key = "kalender.empty_koordinator" if person.role is Role.koordinator else "jadwal.empty"
        return [Reply("\n".join([content.text(key), *days_off]), setting)]
    zone = abbreviation(zone_name(person, content.default_tz))
    lines = [content.text("jadwal.heading", zona=zone)]
    for item in items:
        values = {"tanggal": format_date(item.on_date), "judul": item_title(content, item), "zona": zone}
        if item.at_time is not None:
            lines.append(content.text("jadwal.line_time", jam=format_time(item.at_time), **values))
        else:
            lines.append(content.text("jadwal.line", **values))
    return [Reply("\n".join(lines + days_off), [[Button(content.text("jadwal.button_ics"), CalendarFile().pack())], *setting])]


async def _days_off(session: AsyncSession, content: Content, person: Person, clock: Clock) -> list[str]:
    """A blank line, a heading and one line per day off (or run of them) or school holiday ahead; none: []."""
    calendar = await HolidayCalendar.load(session, content)
    found = calendar.upcoming(local_today(person, content.default_tz, clock), HOLIDAY_WEEKS * 7, person)
    if not found:
        return []
    lines = ["", content.text("jadwal.holidays_heading", minggu=HOLIDAY_WEEKS)]
    for holiday in found:
        name = content.text("jadwal.holiday_provisional", nama=holiday.name) if holiday.provisional else holiday.name
        if holiday.start == holiday.end:
            lines.append(content.text("jadwal.holiday_line", tanggal=format_date(holiday.start), nama=name))
        else:
            lines.append(content.text("jadwal.holiday_range", dari=format_date(holiday.start),
                                      sampai=format_date(holiday.end), nama=name))
    return lines


def _uid(person: Person, item: DatedItem) -> str:
    about = f"-{item.about_id}" if item.about_id else ""
    return f"{item.kind}{item.number}{about}-p{person.id}@pendamping"


async def jadwal_ics(session: AsyncSession, content: Content, person: Person, clock: Clock) -> Reply:
    """The person's upcoming items as an iCalendar file (all-day, or timed in their zone)."""
    items = await upcoming(session, content, person, clock, ICS_DAYS)
    if not items:
        return Reply(content.text("jadwal.ics_empty"))
    zone = zone_of(person, content.default_tz)
    calendar = Calendar()
    calendar.add("prodid", "-//Pendamping//jadwal//ID")
    calendar.add("version", "2.0")
    calendar.add("x-wr-calname", content.text("jadwal.ics_calendar_name"))
    calendar.add("x-wr-timezone", zone_name(person, content.default_tz))
    stamp = clock.now()
    for item in items:
        event = IcsEvent()
        event.add("uid", _uid(person, item))
        event.add("dtstamp", stamp)
        event.add("summary", item_title(content, item))
        if item.at_time is not None:
            start: date | datetime = local_datetime(item.on_date, item.at_time, zone)
            event.add("dtstart", start)
            event.add("dtend", start + timedelta(hours=ICS_EVENT_HOURS))
        else:
            event.add("dtstart", item.on_date)
            event.add("dtend", item.on_date + timedelta(days=1))
        calendar.add_component(event)
    return Reply(content.text("jadwal.ics_caption"), file=("jadwal.ics", calendar.to_ical()))

"""Days off a koordinator adds (/libur, a "libur TANGGAL: NAMA" message, or a CSV file), and a deadline set on a
day off flagged when it is set. Adding a day off re-plans the reminders it moves; both are in the audit log."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from core.content.schema import Content
from core.dates import format_date
from core.parsing import parse_date
from core.ui import Incoming, Reply
from core.zones import local_today
from program.holidays import (
    MAX_ADDED_ROWS, HolidayCalendar, Located, NewDayOff, add_days_off, read_days_off,
)
from scheduler import planner
from services import audit
from services.context import Deps
from services.turn import Acting, Outcome, Turn, act
from store.models import Cohort, DayOffScope, ExtraDay, Person, Role
from store.outbox import insert_rows

PREFIX = "libur "


@dataclass(frozen=True)
class CohortPlace:
    """Whose days off a cohort-wide date meets: national ones and the cohort's."""

    cohort_id: int
    province: str | None = None

SHOWN = 15  # added days listed by /libur


async def libur(deps: Deps, turn: Turn) -> Outcome:
    """/libur (koordinator): the days off added so far, and how to add one."""
    return await act(deps, turn, _show, command="libur")


async def _show(acting: Acting) -> list[Reply]:
    content, session = acting.content, acting.session
    today = local_today(acting.person, content.default_tz, acting.clock)
    rows = list((await session.scalars(select(ExtraDay).where(ExtraDay.on_date >= today)
                                       .order_by(ExtraDay.on_date).limit(SHOWN))).all())
    cohorts = {c.id: c.name for c in (await session.scalars(select(Cohort))).all()}
    lines = [content.text("libur.added_heading") if rows else content.text("libur.none")]
    for row in rows:
        scope = {DayOffScope.province: content.text("libur.scope_province", provinsi=row.province or ""),
                 DayOffScope.cohort: content.text("libur.scope_cohort", angkatan=cohorts.get(row.cohort_id, "")),
                 }.get(DayOffScope(row.scope), content.text("libur.scope_national"))
        lines.append(content.text("libur.line", tanggal=format_date(row.on_date), nama=row.name, cakupan=scope))
    return [Reply("\n".join([*lines, "", content.text("libur.how")]))]


async def take_message(acting: Acting, incoming: Incoming) -> list[Reply] | None:
    """A koordinator's "libur TANGGAL: NAMA": add that day off; None for anything else."""
    text = (incoming.text or "").strip()
    if acting.person.role is not Role.koordinator or not text.lower().startswith(PREFIX):
        return None
    when, _, name = text[len(PREFIX):].partition(":")
    today = local_today(acting.person, acting.content.default_tz, acting.clock)
    on_date = parse_date(when, today)
    if on_date is None or not name.strip():
        return acting.reply("libur.bad")
    day = NewDayOff(on_date, name.strip())
    await _add(acting.session, acting.deps, [day], acting.person)
    return acting.reply("libur.added", tanggal=format_date(on_date), nama=day.name)


async def import_file(session: AsyncSession, deps: Deps, text: str, actor_id: int | None) -> list[Reply]:
    """A koordinator's days-off CSV (tanggal, libur[, provinsi]): all rows or none."""
    content = deps.content
    actor = await session.get(Person, actor_id) if actor_id is not None else None
    days, bad = read_days_off(text, lambda value: parse_date(value, local_today(actor, content.default_tz, deps.clock)))
    if bad:
        return [Reply(content.text("libur.file_bad_rows", baris=", ".join(map(str, bad[:10]))))]
    if not days or len(days) > MAX_ADDED_ROWS:
        return [Reply(content.text("libur.file_size", batas=MAX_ADDED_ROWS))]
    await _add(session, deps, days, actor)
    return [Reply(content.text("libur.file_done", jumlah=len(days)))]


async def _add(session: AsyncSession, deps: Deps, days: list[NewDayOff], actor: Person | None) -> None:
    await add_days_off(session, days, actor.cohort_id if actor else None, actor.id if actor else None)
    for day in days:
        await audit.record(session, actor, "holiday_add", tanggal=day.on_date.isoformat(), nama=day.name,
                           provinsi=day.province)
    await planner.plan(session, deps.content, deps.clock)


async def flag_deadline(session: AsyncSession, content: Content, setter: Person, on_date: date, what: str,
                        who: Located | None, now: datetime) -> list[str]:
    """A date just set that falls on a day off: a warning line for the setter, and (when the setter is not a
    koordinator) a notice to their cohort's koordinators; [] on a working day."""
    calendar = await HolidayCalendar.load(session, content)
    days_off = calendar.days_off(on_date, who)
    if not days_off:
        return []
    name, tanggal = days_off[0].name, format_date(on_date)
    if setter.role is not Role.koordinator and setter.cohort_id is not None:
        koordinators = (await session.scalars(select(Person.id).where(
            Person.role == Role.koordinator, Person.cohort_id == setter.cohort_id, ~Person.left))).all()
        text = content.text("libur.deadline_notice", siapa=setter.name, apa=what, tanggal=tanggal, nama=name)
        await insert_rows(session, [{"dedupe_key": f"holiday-deadline:{setter.id}:{on_date}:{k}:{what[:80]}", "person_id": k,
                                     "kind": "notice", "text": text, "due_at": now} for k in koordinators])
    return [content.text("libur.deadline_flag", tanggal=tanggal, nama=name)]

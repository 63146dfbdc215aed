"""Setting dates in the chat: a koordinator's cohort Lokakarya dates, a PP's mentee PI dates.

State lives in ChatInput (kind "kalender"); every step checks the role again, so a stale button or one
pointing at someone else's cohort or mentee is refused. The buttons are program/callbacks.py's ("j:").

```mermaid
stateDiagram-v2
    [*] --> cohort: j:c (koordinator)
    cohort --> lokakarya: j:c:<cohort>
    lokakarya --> date: j:l:<cohort>:<n>
    [*] --> cohort_sp: j:s (koordinator)
    cohort_sp --> workshop: j:s:<cohort>
    workshop --> date: j:w:<cohort>:<month> (a date in that month)
    [*] --> mentee: j:m (PP)
    mentee --> pi: j:m:<mentee>
    pi --> date: j:p:<mentee>:<n>
    date --> date: unreadable text
    date --> confirm: "12/3/2026", "12 Maret 2026", "besok"
    confirm --> [*]: j:ok (save, re-plan reminders) / j:x
```
"""
from __future__ import annotations

import logging
from datetime import date, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from core.clock import Clock
from core.content.schema import Content
from core.dates import format_date, month_name
from core.parsing import parse_date
from core.ui import Button, Incoming, Reply
from core.zones import local_today
from program.calendar import events_for, lokakarya_info, set_lokakarya_date, set_pi_date, workshop_months, workshop_title
from program.callbacks import (
    CancelDate, CohortLokakarya, CohortWorkshops, MenteePi, PickCohort, PickCohortWorkshop, PickMentee, SaveDate,
    SetLokakarya, SetPi, SetWorkshop,
)
from scheduler import planner
from services import audit, dialogue_state, libur
from services.turn import Acting
from store.models import ChatInput, Cohort, Event, Person, Role

log = logging.getLogger(__name__)

KIND = "kalender"
STATE_TTL = timedelta(hours=1)  # an abandoned dialogue stops capturing typed text after this


def entry_buttons(content: Content, person: Person) -> list[list[Button]]:
    """The /jadwal button that opens the dialogue for this role (none for other roles)."""
    if person.role is Role.koordinator:
        return [[Button(content.text("kalender.button_lokakarya"), PickCohort().pack())],
                [Button(content.text("psp.kalender.button"), PickCohortWorkshop().pack())]]
    if person.role is Role.pp:
        return [[Button(content.text("kalender.button_pi"), PickMentee().pack())]]
    return []


DatePress = (PickCohort | CohortLokakarya | SetLokakarya | PickMentee | MenteePi | SetPi | SaveDate | CancelDate
             | PickCohortWorkshop | CohortWorkshops | SetWorkshop)


async def handle_button(session: AsyncSession, content: Content, person: Person, value: DatePress, clock: Clock) -> list[Reply]:
    """Act on a button of the dialogue."""
    match value:
        case PickCohort():
            return [await _cohorts(session, content, person)] if _is_koordinator(person) else _refused(content)
        case PickCohortWorkshop():
            return [await _cohorts(session, content, person, CohortWorkshops)] if _is_koordinator(person) else _refused(content)
        case CohortWorkshops(cohort_id=cohort_id):
            cohort = await _cohort(session, person, cohort_id)
            return [await _workshop_list(session, content, cohort)] if cohort else _refused(content)
        case SetWorkshop(cohort_id=cohort_id, month=month):
            cohort = await _cohort(session, person, cohort_id)
            if cohort is None or month not in workshop_months(content):
                return _refused(content)
            target = {"target": "lokakarya_psp", "cohort_id": cohort.id, "number": month}
            return [await _ask_date(session, content, person, target, clock)]
        case PickMentee():
            return [await _mentees(session, content, person)] if person.role is Role.pp else _refused(content)
        case CohortLokakarya(cohort_id=cohort_id):
            cohort = await _cohort(session, person, cohort_id)
            return [await _lokakarya_list(session, content, cohort)] if cohort else _refused(content)
        case SetLokakarya(cohort_id=cohort_id, number=number):
            cohort = await _cohort(session, person, cohort_id)
            if cohort is None or lokakarya_info(content, number) is None:
                return _refused(content)
            target = {"target": "lokakarya", "cohort_id": cohort.id, "number": number}
            return [await _ask_date(session, content, person, target, clock)]
        case MenteePi(mentee_id=mentee_id):
            mentee = await _mentee(session, person, mentee_id)
            return [await _pi_list(session, content, mentee, clock)] if mentee else _refused(content)
        case SetPi(mentee_id=mentee_id, number=number):
            mentee = await _mentee(session, person, mentee_id)
            if mentee is None or not 1 <= number <= content.calendar.pi_count:
                return _refused(content)
            target = {"target": "pi", "mentee_id": mentee.id, "number": number}
            return [await _ask_date(session, content, person, target, clock)]
    state = await _load(session, person, clock)
    if state is None or (isinstance(value, SaveDate) and state.data.get("step") != "confirm"):
        return [Reply(content.text("kalender.expired"))]
    await _clear(session, person)
    if isinstance(value, CancelDate):
        return [Reply(content.text("kalender.cancelled"), edit=True)]
    return [await _save(session, content, person, state.data, clock)]


async def take_message(acting: Acting, incoming: Incoming) -> list[Reply] | None:
    """A typed date for the dialogue; None when no date is being asked for (or the message is no text)."""
    if incoming.kind != "text":
        return None
    return await handle_text(acting.session, acting.content, acting.person, incoming.text, acting.clock)


async def handle_text(session: AsyncSession, content: Content, person: Person, text: str, clock: Clock) -> list[Reply] | None:
    """Take a typed date; None when no date is being asked for."""
    state = await _load(session, person, clock)
    if state is None:
        return None
    data = dict(state.data)
    if data.get("step") != "date":
        return [Reply(content.text("kalender.use_buttons"))]
    if not await _target_allowed(session, person, data):
        await _clear(session, person)
        return _refused(content)
    example = _short(local_today(person, content.default_tz, clock) + timedelta(days=7))
    on_date = parse_date(text, local_today(person, content.default_tz, clock))
    if on_date is None:
        return [Reply(content.text("kalender.bad_date", teks=text.strip()[:40], contoh=example))]
    if data["target"] == "lokakarya_psp" and on_date.month != data["number"]:
        return [Reply(content.text("psp.kalender.wrong_month", bulan=month_name(data["number"]),
                                   tanggal=format_date(on_date)))]
    data.update(step="confirm", date=on_date.isoformat())
    await _store(session, person, data, clock)
    what = await _describe(session, content, data)
    return [Reply(content.text("kalender.confirm", apa=what, tanggal=format_date(on_date)),
                  [[Button(content.text("kalender.save"), SaveDate().pack()),
                    Button(content.text("kalender.cancel"), CancelDate().pack())]])]


async def cancel(acting: Acting) -> list[Reply] | None:
    """Drop a date being set (for /batal); None when there is none."""
    if await _load(acting.session, acting.person, acting.clock) is None:
        return None
    await _clear(acting.session, acting.person)
    return acting.reply("kalender.cancelled")


async def replan_cohort(session: AsyncSession, content: Content, clock: Clock, cohort_id: int) -> planner.PlanStats:
    """Re-plan the reminders of everyone in a cohort (after its Lokakarya dates changed)."""
    ids = (await session.execute(select(Person.id).where(Person.cohort_id == cohort_id))).scalars().all()
    return await planner.plan_people(session, content, clock, ids)


# -- steps -------------------------------------------------------------------------------------


async def _cohorts(session: AsyncSession, content: Content, person: Person,
                   press: type[CohortLokakarya | CohortWorkshops] = CohortLokakarya) -> Reply:
    cohorts = (await session.execute(select(Cohort).order_by(Cohort.code))).scalars().all()
    if not cohorts:
        return Reply(content.text("kalender.no_cohorts"))
    rows = [[Button((c.code if c.name == c.code else f"{c.code} · {c.name}")[:60], press(c.id).pack())] for c in cohorts]
    return Reply(content.text("kalender.choose_cohort"), rows)


async def _workshop_list(session: AsyncSession, content: Content, cohort: Cohort) -> Reply:
    """The cohort's Sekolah Penggerak workshops by month (KB1 and each PMO month), with the dates set."""
    dates = dict((await session.execute(
        select(Event.number, Event.on_date).where(Event.cohort_id == cohort.id, Event.kind == "lokakarya_psp",
                                                  Event.person_id.is_(None))
    )).all())
    rows = []
    for month in workshop_months(content):
        title = workshop_title(content, month)
        if month_name(month) not in title:
            title = content.text("psp.kalender.workshop_label", judul=title, bulan=month_name(month))
        rows.append([Button(_label(content, title, dates.get(month)), SetWorkshop(cohort.id, month).pack())])
    return Reply(content.text("psp.kalender.choose_workshop", angkatan=cohort.code), rows, edit=True)


async def _lokakarya_list(session: AsyncSession, content: Content, cohort: Cohort) -> Reply:
    dates = dict((await session.execute(
        select(Event.number, Event.on_date).where(Event.cohort_id == cohort.id, Event.kind == "lokakarya",
                                                  Event.person_id.is_(None))
    )).all())
    rows = [[Button(_label(content, lk.title, dates.get(lk.number)), SetLokakarya(cohort.id, lk.number).pack())]
            for lk in content.calendar.lokakarya]
    return Reply(content.text("kalender.choose_lokakarya", angkatan=cohort.code), rows, edit=True)


async def _mentees(session: AsyncSession, content: Content, person: Person) -> Reply:
    mentees = (await session.execute(
        select(Person).where(Person.mentor_id == person.id, Person.role == Role.cgp, Person.participating)
        .order_by(Person.name)
    )).scalars().all()
    if not mentees:
        return Reply(content.text("kalender.no_mentees"))
    return Reply(content.text("kalender.choose_mentee"), [[Button(m.name[:60], MenteePi(m.id).pack())] for m in mentees])


async def _pi_list(session: AsyncSession, content: Content, mentee: Person, clock: Clock) -> Reply:
    dates = {i.number: i.on_date for i in await events_for(session, content, mentee, clock) if i.kind == "pi"}
    rows = [[Button(_label(content, content.text("kalender.pi_label", nomor=n), dates.get(n)), SetPi(mentee.id, n).pack())]
            for n in range(1, content.calendar.pi_count + 1)]
    return Reply(content.text("kalender.choose_pi", mentee=mentee.name), rows, edit=True)


async def _ask_date(session: AsyncSession, content: Content, person: Person, target: dict, clock: Clock) -> Reply:
    await _store(session, person, {"step": "date", **target}, clock)
    example = _short(local_today(person, content.default_tz, clock) + timedelta(days=7))
    return Reply(content.text("kalender.ask_date", apa=await _describe(session, content, target), contoh=example), edit=True)


async def _save(session: AsyncSession, content: Content, person: Person, data: dict, clock: Clock) -> Reply:
    """Write the date, re-plan the reminders it moves, and say what changed."""
    if not await _target_allowed(session, person, data):
        return _refused(content)[0]
    on_date, number = date.fromisoformat(data["date"]), data["number"]
    what = await _describe(session, content, data)
    lines = [content.text("kalender.saved", apa=what, tanggal=format_date(on_date))]
    who = (libur.CohortPlace(data["cohort_id"]) if data["target"] in ("lokakarya", "lokakarya_psp")
           else await session.get(Person, data["mentee_id"]))
    lines += await libur.flag_deadline(session, content, person, on_date, what, who, clock.now())
    if data["target"] == "lokakarya_psp":
        cohort = await session.get(Cohort, data["cohort_id"])
        await set_lokakarya_date(session, cohort, number, on_date, kind="lokakarya_psp")
        stats = await replan_cohort(session, content, clock, cohort.id)
    elif data["target"] == "lokakarya":
        cohort = await session.get(Cohort, data["cohort_id"])
        await set_lokakarya_date(session, cohort, number, on_date)
        stats = await replan_cohort(session, content, clock, cohort.id)
        if 1 <= number <= content.calendar.pi_count:
            pi_date = on_date - timedelta(days=content.calendar.pi_days_before_lokakarya)
            lines.append(content.text("kalender.pi_follows", nomor=number, tanggal=format_date(pi_date)))
    else:
        mentee = await session.get(Person, data["mentee_id"])
        await set_pi_date(session, mentee, number, on_date)
        stats = await planner.plan_people(session, content, clock, [mentee.id])
    log.info("person %s set %s %s to %s; reminders %s", person.id, data["target"], number, on_date, stats)
    await audit.record(session, person, "calendar_change", apa=what, tanggal=on_date.isoformat())
    lines.append(content.text("kalender.replanned"))
    return Reply("\n".join(lines), edit=True)


# -- checks and state --------------------------------------------------------------------------


def _is_koordinator(person: Person) -> bool:
    return person.role is Role.koordinator


def _refused(content: Content) -> list[Reply]:
    return [Reply(content.text("kalender.not_allowed"))]


async def _cohort(session: AsyncSession, person: Person, cohort_id: int | None) -> Cohort | None:
    """The cohort, if the person is a koordinator and it exists."""
    if not _is_koordinator(person) or cohort_id is None:
        return None
    return await session.get(Cohort, cohort_id)


async def _mentee(session: AsyncSession, person: Person, mentee_id: int | None) -> Person | None:
    """The CGP, if the person is a PP and the CGP is their own active mentee."""
    if person.role is not Role.pp or mentee_id is None:
        return None
    mentee = await session.get(Person, mentee_id)
    if mentee is None or mentee.mentor_id != person.id or mentee.role is not Role.cgp or not mentee.participating:
        return None
    return mentee


async def _target_allowed(session: AsyncSession, person: Person, data: dict) -> bool:
    if data.get("target") in ("lokakarya", "lokakarya_psp"):
        return await _cohort(session, person, data.get("cohort_id")) is not None
    if data.get("target") == "pi":
        return await _mentee(session, person, data.get("mentee_id")) is not None
    return False


async def _describe(session: AsyncSession, content: Content, data: dict) -> str:
    if data["target"] == "lokakarya_psp":
        cohort = await session.get(Cohort, data["cohort_id"])
        return content.text("kalender.what_lokakarya", judul=workshop_title(content, data["number"]), angkatan=cohort.code)
    if data["target"] == "lokakarya":
        cohort = await session.get(Cohort, data["cohort_id"])
        lokakarya = lokakarya_info(content, data["number"])
        return content.text("kalender.what_lokakarya", judul=lokakarya.title, angkatan=cohort.code)
    mentee = await session.get(Person, data["mentee_id"])
    return content.text("kalender.what_pi", nomor=data["number"], mentee=mentee.name)


def _label(content: Content, title: str, on_date: date | None) -> str:
    if on_date is None:
        return title
    return content.text("kalender.label_with_date", judul=title, tanggal=_short(on_date))


def _short(value: date) -> str:
    return f"{value.day}/{value.month}/{value.year}"


async def _load(session: AsyncSession, person: Person, clock: Clock) -> ChatInput | None:
    """The person's dialogue state, unless it is another dialogue's or was abandoned."""
    state = await dialogue_state.load(session, person, KIND)
    if state is None:
        return None
    at = state.data.get("at")
    if at is None or clock.now() - datetime.fromisoformat(at) > STATE_TTL:
        await dialogue_state.clear(session, person, KIND)
        return None
    return state


async def _store(session: AsyncSession, person: Person, data: dict, clock: Clock) -> None:
    await dialogue_state.save(session, person, KIND, {**data, "at": clock.now().isoformat()})


async def _clear(session: AsyncSession, person: Person) -> None:
    await dialogue_state.clear(session, person, KIND)

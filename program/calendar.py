"""The program calendar: cohort Lokakarya dates, PI dates that follow them, RPP dates, PMO months.

Dated items a person sees (and reminders hang on):
- lokakarya n (cohort Event, set by a koordinator) for PGP roles; lokakarya_psp m (numbered by
  calendar month) for PSP roles;
- pi n for a CGP: their own PI date (person Event, source "pp") else Lokakarya n minus
  content.calendar.pi_days_before_lokakarya days;
- rpp_submit, rpp_return, rpp_revision, observation: person Events written by the flows engine;
- pmo_month m for PSP roles: each month in content.calendar.pmo_months, in the program year
  (starting at the first listed month) around today and the next one, on the date of that
  month's lokakarya_psp when the cohort has one, else on the 1st.
"""
from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import date, time, timedelta

from sqlalchemy import and_, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from core.clock import Clock, SystemClock
from core.content.schema import Content
from core.dates import month_name
from core.zones import local_today
from store.models import Cohort, Event, Person, Role

log = logging.getLogger(__name__)

PGP_ROLES = {Role.cgp, Role.pp}
PSP_ROLES = {Role.kepsek, Role.guru, Role.pengawas, Role.fsp}
COHORT_KINDS = {"lokakarya": PGP_ROLES, "lokakarya_psp": PSP_ROLES}
# Worksheets filled at the workshop itself open on its day, not flow_opens_days_before ahead (KB1's LK1–LK5).
OPENS_ON_THE_DAY = {"lokakarya_psp"}
PERSON_KINDS = ("pi", "rpp_submit", "rpp_return", "rpp_revision", "observation")


@dataclass(frozen=True)
class DatedItem:
    """One dated thing on a person's calendar."""

    kind: str  # an EventKind of core.content.schema
    number: int
    on_date: date
    at_time: time | None = None
    scope: str = "person"  # "cohort": the same for the whole cohort; "person": this person's own
    event_id: int | None = None  # the Event row it comes from (for a derived PI: its Lokakarya)
    source: str = "koordinator"  # koordinator | pp | flow | derived | content
    about_id: int | None = None  # for a mentor's calendar: the mentee it concerns
    about_name: str | None = None

    @property
    def key(self) -> str:
        """Identify this occurrence; a moved date is a new occurrence."""
        return f"{self.kind}{self.number}@{self.on_date.isoformat()}"


def item_title(content: Content, item: DatedItem) -> str:
    """A short title for /jadwal and the .ics file, e.g. 'Lokakarya 3: Pemimpin Pembelajaran'."""
    if item.kind == "lokakarya":
        lokakarya = lokakarya_info(content, item.number)
        label = content.text("jadwal.item.lokakarya", nomor=item.number, judul="").rstrip(": ")
        if lokakarya is None or _names_itself(lokakarya.title, label):
            return lokakarya.title if lokakarya else label  # "Lokakarya 1", not "Lokakarya 1: Lokakarya 1"
        return content.text("jadwal.item.lokakarya", nomor=item.number, judul=lokakarya.title)
    if item.kind == "lokakarya_psp":  # numbered by calendar month
        workshop = next((kb for kb in content.komunitas_belajar if kb.month == item.number), None)
        return workshop.title if workshop else content.text("jadwal.item.lokakarya_psp", bulan=month_name(item.number))
    if item.kind == "pmo_month":
        return content.text("jadwal.item.pmo_month", bulan=month_name(item.number), topik=pmo_topics(content, item.number))
    title = content.text(f"jadwal.item.{item.kind}", nomor=item.number)
    if item.about_name:
        title = content.text("jadwal.item.about", judul=title, mentee=item.about_name)
    return title


def _names_itself(title: str, label: str) -> bool:
    """Tell whether a title already starts with its label's word ("Lokakarya Orientasi" for "Lokakarya 0")."""
    return title.casefold().split()[:1] == label.casefold().split()[:1]


def lokakarya_info(content: Content, number: int):
    return next((lk for lk in content.calendar.lokakarya if lk.number == number), None)


def pmo_topics(content: Content, month: int, separator: str = "; ") -> str:
    pmo = next((m for m in content.calendar.pmo_months if m.month == month), None)
    return separator.join(pmo.topics) if pmo else ""


async def _upsert_event(session: AsyncSession, kind: str, number: int, on_date: date, *,
                        cohort_id: int | None, person_id: int | None, source: str) -> Event:
    query = select(Event).where(Event.kind == kind, Event.number == number)
    query = query.where(Event.cohort_id == cohort_id) if cohort_id is not None else query.where(Event.cohort_id.is_(None))
    query = query.where(Event.person_id == person_id) if person_id is not None else query.where(Event.person_id.is_(None))
    event = (await session.execute(query)).scalar_one_or_none()
    if event is None:
        event = Event(kind=kind, number=number, cohort_id=cohort_id, person_id=person_id, on_date=on_date, source=source)
        session.add(event)
    else:
        event.on_date, event.source = on_date, source
    await session.flush()
    return event


async def set_lokakarya_date(session: AsyncSession, cohort: Cohort, number: int, on_date: date,
                             kind: str = "lokakarya") -> Event:
    """Set (or move) a cohort's Lokakarya n; the next plan() re-plans its reminders."""
    if kind not in COHORT_KINDS:
        raise ValueError(f"not a cohort event kind: {kind}")
    log.info("cohort %s %s %d on %s", cohort.code, kind, number, on_date)
    return await _upsert_event(session, kind, number, on_date, cohort_id=cohort.id, person_id=None, source="koordinator")


async def set_pi_date(session: AsyncSession, mentee: Person, number: int, on_date: date) -> Event:
    """Set a mentee's own PI n date (the PP's choice), overriding the cohort default."""
    return await _upsert_event(session, "pi", number, on_date, cohort_id=None, person_id=mentee.id, source="pp")


def workshop_months(content: Content) -> list[int]:
    """The months a Sekolah Penggerak workshop can be dated in, in program-year order (PMO months, then KB months)."""
    months = [m.month for m in content.calendar.pmo_months]
    return months + [kb.month for kb in content.komunitas_belajar if kb.month not in months]


def workshop_title(content: Content, month: int) -> str:
    """The SP workshop of a month: 'Komunitas Belajar 1' or 'Lokakarya Sekolah Penggerak bulan Oktober'."""
    return item_title(content, DatedItem("lokakarya_psp", month, date.min))


def program_year_start(content: Content, today: date) -> date | None:
    """The first day of the PMO program year containing today (None without PMO months)."""
    if not content.calendar.pmo_months:
        return None
    first = content.calendar.pmo_months[0].month
    year = today.year if today.month >= first else today.year - 1
    return date(year, first, 1)


def pmo_items(content: Content, today: date) -> list[DatedItem]:
    """PMO months of the program year around today and of the next one."""
    start = program_year_start(content, today)
    if start is None:
        return []
    items = []
    for year_start in (start, date(start.year + 1, start.month, 1)):
        for pmo in content.calendar.pmo_months:
            year = year_start.year if pmo.month >= year_start.month else year_start.year + 1
            items.append(DatedItem("pmo_month", pmo.month, date(year, pmo.month, 1), scope="cohort", source="content"))
    return items


def build_items(content: Content, person: Person, cohort_events: Sequence[Event],
                own_events: Iterable[Event], today: date) -> list[DatedItem]:
    """A person's own dated items from the cohort's events and their person-level events."""
    items: list[DatedItem] = []
    role = Role(person.role)
    lokakarya: dict[int, Event] = {}
    for event in cohort_events:
        roles = COHORT_KINDS.get(event.kind)
        if roles is None or (role not in roles and role != Role.koordinator):
            continue
        items.append(DatedItem(event.kind, event.number, event.on_date, event.at_time, "cohort", event.id, event.source))
        if event.kind == "lokakarya":
            lokakarya[event.number] = event
    overrides: dict[int, Event] = {}
    for event in own_events:
        if event.kind == "pi":
            overrides[event.number] = event
        elif event.kind in PERSON_KINDS:
            items.append(DatedItem(event.kind, event.number, event.on_date, event.at_time, "person", event.id, event.source))
    if role == Role.cgp:
        before = timedelta(days=content.calendar.pi_days_before_lokakarya)
        for number in sorted(set(lokakarya) | set(overrides)):
            if number in overrides:
                event = overrides[number]
                items.append(DatedItem("pi", number, event.on_date, event.at_time, "person", event.id, event.source))
            elif 1 <= number <= content.calendar.pi_count:  # Orientasi (0) has no PI before it
                event = lokakarya[number]
                items.append(DatedItem("pi", number, event.on_date - before, None, "person", event.id, "derived"))
    if role in PSP_ROLES:
        workshops = {(e.on_date.year, e.on_date.month): e for e in cohort_events if e.kind == "lokakarya_psp"}
        for item in pmo_items(content, today):
            workshop = workshops.get((item.on_date.year, item.on_date.month))
            if workshop is not None:  # the PMO review happens at that month's workshop
                item = replace(item, on_date=workshop.on_date, at_time=workshop.at_time, event_id=workshop.id, source=workshop.source)
            items.append(item)
    items.sort(key=lambda i: (i.on_date, i.at_time or time(0), i.kind, i.number))
    return items


class SharedItems:
    """build_items for the people of one batch, their cohorts' events loaded once: people without events of their own
    share one list per role, cohort and local date. The lists are shared: read them, do not change them."""

    def __init__(self, content: Content, cohort_events: dict[int, list[Event]]) -> None:
        self._content, self._cohort_events = content, cohort_events
        self._shared: dict[tuple, list[DatedItem]] = {}

    def of(self, person: Person, own_events: Sequence[Event], today: date) -> list[DatedItem]:
        if own_events:
            return build_items(self._content, person, self._cohort_events.get(person.cohort_id, []), own_events, today)
        key = (person.role, person.cohort_id, today)
        items = self._shared.get(key)
        if items is None:
            items = self._shared[key] = build_items(self._content, person, self._cohort_events.get(person.cohort_id, []),
                                                    (), today)
        return items


async def cohort_events(session: AsyncSession, cohort_ids: Iterable[int]) -> dict[int, list[Event]]:
    """Cohort-level events by cohort id."""
    ids = sorted({c for c in cohort_ids if c is not None})
    out: dict[int, list[Event]] = {c: [] for c in ids}
    if ids:
        rows = await session.execute(select(Event).where(Event.cohort_id.in_(ids), Event.person_id.is_(None)))
        for event in rows.scalars():
            out[event.cohort_id].append(event)
    return out


async def person_events(session: AsyncSession, person_ids: Iterable[int]) -> dict[int, list[Event]]:
    """Person-level events (PI overrides, RPP dates) by person id."""
    ids = sorted(set(person_ids))
    out: dict[int, list[Event]] = {p: [] for p in ids}
    if ids:
        rows = await session.execute(select(Event).where(Event.person_id.in_(ids)))
        for event in rows.scalars():
            out[event.person_id].append(event)
    return out


async def events_for(session: AsyncSession, content: Content, person: Person, clock: Clock | None = None) -> list[DatedItem]:
    """All dated items of a person, past and future, in date order.

    A PP or FSP also sees the person-level dates of their mentees (PI dates they set, RPP
    dates), each marked with the mentee's name.
    """
    today = local_today(person, content.default_tz, clock or SystemClock())
    own = Event.person_id == person.id
    wanted = own if person.cohort_id is None else or_(own, and_(Event.cohort_id == person.cohort_id, Event.person_id.is_(None)))
    events = (await session.scalars(select(Event).where(wanted))).all()  # one statement: it runs on every /refleksi
    items = build_items(content, person, [e for e in events if e.person_id is None], [e for e in events if e.person_id is not None], today)
    if Role(person.role) in (Role.pp, Role.fsp):
        mentees = (await session.execute(select(Person.id, Person.name).where(Person.mentor_id == person.id, Person.participating))).all()
        names = dict(mentees)
        for pid, events in (await person_events(session, names)).items():
            for event in events:
                if event.kind in PERSON_KINDS:
                    items.append(DatedItem(event.kind, event.number, event.on_date, event.at_time, "person",
                                           event.id, event.source, about_id=pid, about_name=names[pid]))
        items.sort(key=lambda i: (i.on_date, i.at_time or time(0), i.kind, i.number))
    return items

"""Expand reminder rules into outbox rows, idempotently and in bounded batches of people.

plan() walks the people in id order, BATCH_SIZE at a time. For each batch it loads, in one query
each, the cohort and person events, acknowledgements, flow runs, pauses and the batch's existing
planned rows, computes every occurrence (rule × person × dated item or unfinished run × offset ×
repeat) near the window and then converges the outbox on it:
- a new occurrence due within [now - LOOKBACK, now + horizon] is inserted (ON CONFLICT DO NOTHING);
- a pending row due since now - RECONCILE_BACK whose occurrence is gone (event moved, person
  left, blocked the bot or removed, acknowledged, submitted, mentor changed) is cancelled; one still in the
  future whose time or text changed is updated;
- a cancelled row whose occurrence is back (e.g. a reactivated person) is pending again.
Memory is bounded by the batch, never by the number of pending rows.

Who receives a rule (audience): "self" → the person concerned; "mentor" → their mentor (for
person-level items and unfinished flows; cohort items such as Lokakarya use role names);
a role name → the person concerned when they have that role, or their mentor when the mentor
has it (so an RPP rule for ["cgp", "pp"] reaches the CGP and their PP).

Days off (program.holidays): a reminder due on the recipient's day off moves to the working day before
or after, or stays, as its rule says (ReminderRule.holiday_policy); its dedupe key does not change, so a
day off added later moves a pending row, and one pulled into the past by it is sent at once. Two
reminders of one occurrence that land on the same day are sent once.

Pacing (Planning): a process reconciles everyone at its first pass and then every RECONCILE_EVERY (a safety net, and
how rows entering the horizon are added: they are due some 20 days on); every EVERYONE_EVERY it hands everyone to
the planners after it (Planning.planned = None: the session guides); the passes in between re-plan only the people
whose row changed since about the pass before
(Planning._changes_since; every handled update, roster change, block or join touches the row) and their mentees. Changes that touch no
person row re-plan at once where they are made: dates (services.calendar_dates, calendar import), days off
(services.libur); new content comes with a new process.

Pauses ("Ada kendala"): the planner neither creates nor moves a paused person's nudges due
before the pause ends (stops.py deferred the pending ones), and for PAUSE_MEMORY after a pause
never pulls a deferred nudge earlier.
"""
from __future__ import annotations

import itertools
import logging
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, fields, replace
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import Update, and_, bindparam, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from core.clock import Clock
from core.content.schema import Content, ReminderRule
from core.dates import format_date, format_time, month_name
from core.zones import abbreviation, local_datetime, zone_name, zone_of
from program.calendar import (
    COHORT_KINDS, DatedItem, build_items, cohort_events, item_title, lokakarya_info, person_events, pmo_topics,
)
from program.holidays import MAX_SHIFT_DAYS, HolidayCalendar
from scheduler import rules as R
from scheduler.callbacks import reminder_buttons
from scheduler.stops import escalate
from store.outbox import OUTBOX, insert_rows, mark_written
from store.models import Acknowledgement, FlowRun, OutboxStatus, Pause, Person, Role, RunStatus, utcnow

log = logging.getLogger(__name__)

BATCH_SIZE = 500
HORIZON_DAYS = 21  # rows are planned this far ahead
PAUSE_MEMORY = timedelta(days=30)  # nudges deferred by a pause that ended this recently stay deferred
LOOKBACK = timedelta(hours=12)
# Pending rows due longer ago are left alone (e.g. waiting for someone to join); acknowledgement,
# submission and deactivation still cancel them directly.
RECONCILE_BACK = timedelta(days=7)  # a reminder that fell due this recently is still sent (planner or bot was down)
OWN_PREFIXES = ("r:", "esc:", "digest:")
NO_PMO_TOPIC = "content.pmo.tanpa_topik"  # text shown for a PMO month without topics
PMO_WORKSHOP = "content.pmo.lokakarya"  # {lokakarya} of a PMO month whose workshop is dated
NO_PMO_WORKSHOP = "content.pmo.tanpa_lokakarya"  # {lokakarya} of a PMO month without one
# By the injected clock. What time alone brings the planners after this one (services.companion's session guides, due
# at 07:00 local three days before a PI) waits for a pass that hands them everyone; so under 7 hours, such a pass
# comes between a zone's midnight and 07:00.
EVERYONE_EVERY = timedelta(hours=6)
# Everyone's rows compared with the rules (a safety net) and the rows that entered the horizon since added; well under
# HORIZON_DAYS, so that a row is planned weeks before it is due.
RECONCILE_EVERY = timedelta(hours=24)
COMMIT_MARGIN = timedelta(minutes=5)  # a person's change committed up to this long after it was made is still seen


@dataclass
class PlanStats:
    people: int = 0
    inserted: int = 0
    updated: int = 0
    cancelled: int = 0
    escalations: int = 0

    def add(self, other: PlanStats) -> None:
        for f in fields(self):
            setattr(self, f.name, getattr(self, f.name) + getattr(other, f.name))


class Planning:
    """One process's reminder planning (see the module's docstring): everyone reconciled on the first pass and every
    RECONCILE_EVERY; everyone handed on every EVERYONE_EVERY; in between, only the people changed since about the
    pass before."""

    def __init__(self, everyone_every: timedelta = EVERYONE_EVERY, reconcile_every: timedelta = RECONCILE_EVERY,
                 commit_margin: timedelta = COMMIT_MARGIN) -> None:
        self.everyone_every, self.reconcile_every, self.commit_margin = everyone_every, reconcile_every, commit_margin
        self.reconciled_at: datetime | None = None  # by the injected clock
        self.everyone_at: datetime | None = None  # when a pass last handed everyone on
        self.looked_at: datetime | None = None  # when the last pass began, wall time (as people.updated_at)
        self.looked_before: datetime | None = None  # when the pass before it began
        self.planned: list[int] | None = None  # whom the last pass planned; None: everyone

    async def run(self, session: AsyncSession, content: Content, clock: Clock) -> PlanStats:
        now, looking = clock.now(), utcnow()
        if self.looked_at is None or not _within(self.reconciled_at, self.reconcile_every, now):
            stats, self.planned = await plan(session, content, clock), None
            self.reconciled_at = self.everyone_at = now
        else:
            self.planned = await changed_people(session, self._changes_since())
            stats = await plan_changed(session, content, clock, self.planned)
            if not _within(self.everyone_at, self.everyone_every, now):
                self.everyone_at, self.planned = now, None
        self.looked_at, self.looked_before = looking, self.looked_at
        return stats

    def _changes_since(self) -> datetime:
        """Changes made before the last pass began but committed after it are seen: up to commit_margin or one
        interval between passes, whichever is shorter (a simulation runs its passes seconds apart)."""
        since = self.looked_at - self.commit_margin
        return since if self.looked_before is None else max(since, self.looked_before)


def _within(start: datetime | None, length: timedelta, now: datetime) -> bool:
    return start is not None and start <= now < start + length


@dataclass(frozen=True)
class Occurrence:
    """One rule hanging on one dated item (or unfinished run) of one person."""

    rule: ReminderRule
    event_key: str
    base_date: date  # the event date, or the day the run started
    number: int | None
    item: DatedItem | None = None
    flow_id: str | None = None


@dataclass
class Planned:
    key: str
    recipient: Any  # a people row (id, name, role, timezone, …)
    subject: Any
    occurrence: Occurrence
    due_at: datetime
    for_mentor: bool
    unmoved_at: datetime | None = None  # when a day off moved it: the time it had before


@dataclass
class Batch:
    """What plan() knows about one batch of people."""

    people: Sequence[Any]
    lo: int
    hi: int | None
    holidays: HolidayCalendar
    rules: dict[str, list[RuleSpan]]
    mentors: dict[int, Any] = field(default_factory=dict)
    cohort_events: dict[int, list] = field(default_factory=dict)
    own_events: dict[int, list] = field(default_factory=dict)
    acks: dict[int, set[str]] = field(default_factory=lambda: defaultdict(set))
    runs: dict[int, list] = field(default_factory=lambda: defaultdict(list))
    paused_until: dict[int, datetime] = field(default_factory=dict)  # latest recent pause end per person
    subjects: set[int] | None = None  # plan_people(): only rows about these people, not the id range
    item_occurrences: dict[tuple, list[Occurrence]] = field(default_factory=dict)  # see _item_occurrences


PEOPLE_COLUMNS = (Person.id, Person.name, Person.role, Person.cohort_id, Person.mentor_id, Person.timezone,
                  Person.province, Person.participating.label("participating"))


async def plan(session: AsyncSession, content: Content, clock: Clock, horizon_days: int = HORIZON_DAYS,
               batch_size: int = BATCH_SIZE) -> PlanStats:
    """Bring the outbox in line with the reminder rules for rows due within the horizon."""
    now = clock.now()
    stats = PlanStats(cancelled=await cancel_for_inactive(session))
    holidays = await HolidayCalendar.load(session, content)
    await _everyone(session, content, now, (now - LOOKBACK, now + timedelta(days=horizon_days)), holidays, stats,
                    batch_size)
    stats.escalations = await escalate(session, content, clock, holidays)
    log.info("planned: %s", stats)
    return stats


async def _everyone(session: AsyncSession, content: Content, now: datetime, window: tuple[datetime, datetime],
                    holidays: HolidayCalendar, stats: PlanStats, batch_size: int) -> None:
    rules = RuleSpan.by_kind(content.rules)
    last_id = 0
    while True:
        people = (await session.execute(
            select(*PEOPLE_COLUMNS).where(Person.id > last_id).order_by(Person.id).limit(batch_size)
        )).all()
        if not people:
            return
        batch = Batch(people, lo=last_id + 1, hi=people[-1].id if len(people) == batch_size else None, holidays=holidays,
                      rules=rules)
        await _converge(session, content, batch, now, window, stats)
        stats.people += sum(1 for p in people if p.participating)
        last_id = people[-1].id


async def plan_people(session: AsyncSession, content: Content, clock: Clock, person_ids: Iterable[int],
                      horizon_days: int = HORIZON_DAYS, batch_size: int = BATCH_SIZE,
                      holidays: HolidayCalendar | None = None) -> PlanStats:
    """Re-plan only the reminders about these people (and their mentors' copies), e.g. after a date moved."""
    now = clock.now()
    window = (now - LOOKBACK, now + timedelta(days=horizon_days))
    stats = PlanStats()
    ids = sorted(set(person_ids))
    holidays = holidays or await HolidayCalendar.load(session, content)
    rules = RuleSpan.by_kind(content.rules)
    for start in range(0, len(ids), batch_size):
        chunk = ids[start:start + batch_size]
        people = (await session.execute(select(*PEOPLE_COLUMNS).where(Person.id.in_(chunk)).order_by(Person.id))).all()
        if not people:
            continue
        batch = Batch(people, lo=chunk[0], hi=chunk[-1], holidays=holidays, rules=rules, subjects=set(chunk))
        await _converge(session, content, batch, now, window, stats)
        stats.people += sum(1 for p in people if p.participating)
    log.info("re-planned %d people: %s", len(ids), stats)
    return stats


async def changed_people(session: AsyncSession, since: datetime) -> list[int]:
    """The people whose row changed since `since` (wall time), and their mentees."""
    changed = select(Person.id).where(Person.updated_at >= since)
    return list((await session.execute(
        select(Person.id).where(or_(Person.id.in_(changed), Person.mentor_id.in_(changed))))).scalars())


async def plan_changed(session: AsyncSession, content: Content, clock: Clock, people: list[int]) -> PlanStats:
    """A pass between full ones: rows of people who left or blocked cancelled, these people re-planned,
    escalations checked."""
    stats = PlanStats(cancelled=await cancel_for_inactive(session))
    holidays = await HolidayCalendar.load(session, content)
    if people:
        stats.add(await plan_people(session, content, clock, people, holidays=holidays))
    stats.escalations = await escalate(session, content, clock, holidays)
    return stats


async def cancel_for_inactive(session: AsyncSession) -> int:
    """Cancel pending planned rows (reminders, escalations, digests) to people who left or blocked the bot, and
    their mentors' copies of reminders about them."""
    inactive = select(Person.id).where(~Person.participating)
    result = await session.execute(
        update(OUTBOX)
        .where(OUTBOX.c.status == OutboxStatus.pending.value,
               or_(OUTBOX.c.person_id.in_(inactive), OUTBOX.c.subject_id.in_(inactive)),
               or_(*(OUTBOX.c.dedupe_key.like(p + "%") for p in OWN_PREFIXES)))
        .values(status=OutboxStatus.cancelled.value, last_error="person inactive")
    )
    return result.rowcount or 0


async def _load(session: AsyncSession, content: Content, batch: Batch, now: datetime) -> None:
    ids = [p.id for p in batch.people]
    mentor_ids = {p.mentor_id for p in batch.people if p.mentor_id}
    if mentor_ids:
        rows = await session.execute(select(*PEOPLE_COLUMNS).where(Person.id.in_(mentor_ids)))
        batch.mentors = {m.id: m for m in rows}
    batch.cohort_events = await cohort_events(session, (p.cohort_id for p in batch.people))
    batch.own_events = await person_events(session, ids)
    for pid, key in await session.execute(select(Acknowledgement.person_id, Acknowledgement.key).where(Acknowledgement.person_id.in_(ids))):
        batch.acks[pid].add(key)
    flows = {f for rule in content.rules for f in R.stop_flows(rule) | ({rule.flow} if rule.flow else set())}
    if flows:
        rows = await session.execute(
            select(FlowRun.id, FlowRun.person_id, FlowRun.subject_id, FlowRun.flow_id, FlowRun.status, FlowRun.started_at,
                   FlowRun.submitted_at)
            .where(or_(FlowRun.person_id.in_(ids), FlowRun.subject_id.in_(ids)), FlowRun.flow_id.in_(flows))
        )
        mine = set(ids)
        for run in rows:
            if run.person_id in mine:
                batch.runs[run.person_id].append(run)
            if run.subject_id in mine and run.status == RunStatus.submitted:  # a mentor's flow about them stops theirs
                batch.runs[run.subject_id].append(run)
    rows = await session.execute(
        select(Pause.person_id, func.max(Pause.until)).where(Pause.person_id.in_(ids), Pause.until > now - PAUSE_MEMORY)
        .group_by(Pause.person_id)
    )
    batch.paused_until = {pid: until for pid, until in rows}


@dataclass(frozen=True)
class RuleSpan:
    """A rule and the days from its item's date to its first and last reminder (repeats included)."""

    rule: ReminderRule
    first: int
    last: int

    @classmethod
    def by_kind(cls, rules: list[ReminderRule]) -> dict[str, list[RuleSpan]]:
        """The rules by the kind of item they hang on ("flow_unfinished": on unfinished runs)."""
        out: dict[str, list[RuleSpan]] = defaultdict(list)
        for rule in rules:
            repeats = rule.repeat.every_days * (rule.repeat.max_times - 1) if rule.repeat else 0
            out["flow_unfinished" if rule.on == "flow_unfinished" else rule.on.kind].append(
                cls(rule, rule.offsets_days[0], rule.offsets_days[-1] + repeats))
        return dict(out)


def _run_occurrences(rules: dict[str, list[RuleSpan]], person: Any, runs: list, default_tz: str) -> Iterable[Occurrence]:
    """The person's unfinished flow runs that rules hang on."""
    for span in rules.get("flow_unfinished", ()):
        rule = span.rule
        zone = zone_of(person, default_tz)
        for run in runs:
            if run.flow_id == rule.flow and run.status == RunStatus.draft:
                yield Occurrence(rule, f"run{run.id}", run.started_at.astimezone(zone).date(), None, flow_id=rule.flow)


def _item_occurrences(content: Content, person: Any, batch: Batch, today: date,
                      reach: tuple[date, date]) -> list[Occurrence]:
    """The occurrences of the person's dated items that may reach the dates (a cheap bound: _reaches decides, after a
    PMO month has moved off a day off). The same for everyone in the batch with the person's role, cohort and local
    date and no events of their own: computed once for them."""
    own = batch.own_events.get(person.id, [])
    shared = None if own else (person.role, person.cohort_id, today, reach)
    if shared is not None and (known := batch.item_occurrences.get(shared)) is not None:
        return known
    items = build_items(content, person, batch.cohort_events.get(person.cohort_id, []), own, today)
    lo = reach[0].toordinal() - PAUSE_MEMORY.days - MAX_SHIFT_DAYS
    hi = reach[1].toordinal() + MAX_SHIFT_DAYS
    found = []
    for item in items:
        spans = batch.rules.get(item.kind)
        if not spans:
            continue
        day = item.on_date.toordinal()
        for span in spans:
            rule = span.rule
            if (rule.on.number is None or rule.on.number == item.number) and day + span.first <= hi and day + span.last >= lo:
                found.append(Occurrence(rule, item.key, item.on_date, item.number, item=item, flow_id=rule.flow))
    if shared is not None:
        batch.item_occurrences[shared] = found
    return found


def _reaches(occ: Occurrence, reach: tuple[date, date], paused: bool) -> bool:
    """Tell whether any reminder day of the occurrence falls within the reach (local dates)."""
    rule = occ.rule
    first = occ.base_date + timedelta(days=rule.offsets_days[0])
    last = occ.base_date + timedelta(days=rule.offsets_days[-1] + (rule.repeat.every_days * (rule.repeat.max_times - 1) if rule.repeat else 0))
    if paused and R.is_pausable(rule):
        last += PAUSE_MEMORY
    return first <= reach[1] and last >= reach[0]


def _stopped(content: Content, occ: Occurrence, person: Any, batch: Batch) -> bool:
    ack = R.ack_key(occ.rule, occ.number)
    if ack and ack in batch.acks.get(person.id, ()):
        return True
    if occ.rule.stop_on_submit:
        zone = zone_of(person, content.default_tz)
        for run in batch.runs.get(person.id, ()):
            if (run.flow_id == occ.rule.stop_on_submit and run.status == RunStatus.submitted and run.submitted_at
                    and R.submission_stops(content, occ.rule, occ.item.on_date if occ.item else None,
                                           run.submitted_at.astimezone(zone).date())):
                return True
    return False


def _recipients(rule: ReminderRule, person: Any, mentor: Any | None, occ: Occurrence) -> list[tuple[Any, bool]]:
    """(recipient, is_mentor) pairs for one occurrence, without repeats."""
    personal = occ.item is None or occ.item.scope == "person"
    out: list[tuple[Any, bool]] = []
    for audience in rule.audience:
        if audience == "self" or audience == Role(person.role).value:
            target = (person, False)
        elif personal and mentor is not None and (audience == "mentor" or audience == Role(mentor.role).value):
            target = (mentor, True)
        else:
            continue
        if target not in out:
            out.append(target)
    return out


def desired_rows(content: Content, person: Any, batch: Batch, today: date, reach: tuple[date, date]) -> dict[str, Planned]:
    """Every reminder of every occurrence reaching the given local dates for one person, by dedupe key."""
    if not person.participating or Role(person.role) == Role.koordinator:
        return {}
    mentor = batch.mentors.get(person.mentor_id) if person.mentor_id else None
    if mentor is not None and not mentor.participating:
        mentor = None
    paused = person.id in batch.paused_until
    if batch.holidays.active:  # a day off may move a reminder from just outside the reach into it
        shift = timedelta(days=MAX_SHIFT_DAYS)
        reach = (reach[0] - shift, reach[1] + shift)
    out: dict[str, Planned] = {}
    occurrences = itertools.chain(_run_occurrences(batch.rules, person, batch.runs.get(person.id, []), content.default_tz),
                                  _item_occurrences(content, person, batch, today, reach))
    for occ in occurrences:
        occ = _on_working_day(occ, batch.holidays, person)
        if not _reaches(occ, reach, paused) or _stopped(content, occ, person, batch):
            continue
        rule = occ.rule
        times, step = (rule.repeat.max_times, rule.repeat.every_days) if rule.repeat else (1, 0)
        for recipient, for_mentor in _recipients(rule, person, mentor, occ):
            zone = zone_of(recipient, content.default_tz)
            days: set[date] = set()
            for offset in rule.offsets_days:
                for i in range(times):
                    planned_day = occ.base_date + timedelta(days=offset + i * step)
                    day = batch.holidays.move(planned_day, rule.holiday_policy, recipient)
                    if day in days:
                        continue  # moved onto a day that already has this reminder
                    days.add(day)
                    key = str(R.ReminderKey(rule.id, person.id, occ.event_key, offset,
                                            i if rule.repeat else None, recipient.id if for_mentor else None))
                    unmoved = local_datetime(planned_day, rule.time, zone) if day != planned_day else None
                    out[key] = Planned(key, recipient, person, occ, local_datetime(day, rule.time, zone), for_mentor, unmoved)
    return out


def _on_working_day(occ: Occurrence, holidays: HolidayCalendar, person: Any) -> Occurrence:
    """A PMO month without a dated workshop hangs on the 1st; on a day off, on the day its rule moves days off to
    (a dated workshop's day is the koordinator's choice and stays). Its dedupe keys keep the 1st."""
    item = occ.item
    if item is None or item.kind != "pmo_month" or item.event_id is not None:
        return occ
    day = holidays.move(occ.base_date, occ.rule.holiday_policy, person)
    return occ if day == occ.base_date else replace(occ, base_date=day)


def rule_values(content: Content, planned: Planned) -> dict[str, object]:
    """The placeholder values of a planned reminder (see scheduler.rules)."""
    occ, item = planned.occurrence, planned.occurrence.item
    zone = zone_of(planned.recipient, content.default_tz)
    due_day = planned.due_at.astimezone(zone).date()
    flow = content.flows.get(occ.flow_id or "")
    values: dict[str, object] = {
        "nama": planned.recipient.name,
        "mentee": planned.subject.name,
        "subjek": planned.subject.name,
        "tanggal": format_date(occ.base_date),
        "kapan": R.kapan(content, (occ.base_date - due_day).days),
        "nomor": occ.number if occ.number is not None else "",
        "judul": flow.title if flow else "",
        "kegiatan": item_title(content, item) if item else (flow.title if flow else ""),
        "topik": "",
        "lokakarya": "",
        "persiapan": "",
        "jam": format_time(item.at_time) if item and item.at_time else "",
        "zona": abbreviation(zone_name(planned.recipient, content.default_tz)),
    }
    if item is not None and item.kind in (*COHORT_KINDS, "pi"):
        lokakarya = lokakarya_info(content, item.number)
        if lokakarya is not None:
            values["judul"] = lokakarya.title
            values["persiapan"] = "\n".join(f"- {p}" for p in lokakarya.prepare)
        if item.kind == "pi":
            pi_flow = next((f for f in content.flows.values() if f.event and f.event.kind == "pi" and f.event.number == item.number), None)
            values["topik"] = (pi_flow.theme or pi_flow.title) if pi_flow else ""
    elif item is not None and item.kind == "pmo_month":
        topics = pmo_topics(content, item.number, "\n• ")
        values["topik"] = f"• {topics}" if topics else content.texts.get(NO_PMO_TOPIC, "").format(bulan=month_name(item.number))
        # Never a workshop that is not planned: without a dated one, say so instead of naming the 1st.
        workshop = PMO_WORKSHOP if item.event_id is not None else NO_PMO_WORKSHOP
        values["lokakarya"] = content.texts.get(workshop, "").format(bulan=month_name(item.number),
                                                                     tanggal=format_date(occ.base_date))
        values["judul"] = values["judul"] or values["kegiatan"]
    elif item is not None:
        values["judul"] = values["judul"] or values["kegiatan"]
    return values


def _row(content: Content, planned: Planned, now: datetime) -> dict[str, Any]:
    rule, occ = planned.occurrence.rule, planned.occurrence
    ack = R.ack_key(rule, occ.number)
    return {
        "dedupe_key": planned.key,
        "person_id": planned.recipient.id,
        "subject_id": planned.subject.id,
        "kind": "nudge" if rule.on == "flow_unfinished" else "reminder",
        "rule_id": rule.id,
        "broadcast_id": None,
        "event_id": occ.item.event_id if occ.item else None,
        "text": R.render(rule.text, rule_values(content, planned)),
        "buttons": reminder_buttons(content, rule, ack, planned.for_mentor),
        "attachments": None,
        "silent": rule.priority == "low",
        "respect_quiet_hours": True,
        "status": OutboxStatus.pending.value,
        "due_at": planned.due_at,
        "attempts": 0,
        "created_at": now,
    }


def _frozen(planned: Planned, batch: Batch, now: datetime) -> bool:
    """A paused person's nudge due before the pause ends: left as stops.py deferred it."""
    until = batch.paused_until.get(planned.subject.id)
    return until is not None and until > now and R.is_pausable(planned.occurrence.rule) and planned.due_at < until


def _deferred(planned: Planned, batch: Batch, due_at: datetime) -> bool:
    """A pending nudge later than planned after a recent pause: stops.py moved it; keep it there."""
    return (planned.subject.id in batch.paused_until and R.is_pausable(planned.occurrence.rule)
            and due_at > planned.due_at)


def _pulled_back(planned: Planned, due_at: datetime, now: datetime) -> bool:
    """A pending row still at its future time that a day off added since moved into the past."""
    return planned.unmoved_at is not None and now < planned.unmoved_at <= due_at


async def _existing(session: AsyncSession, batch: Batch, since: datetime, window_start: datetime) -> list[tuple[Any, R.ReminderKey]]:
    """Recent planned rows about the people this batch covers, whoever they went to: pending since `since`;
    cancelled, sent or on their way since `window_start` (those could be planned again)."""
    about = (OUTBOX.c.subject_id.in_(batch.subjects) if batch.subjects is not None
             else OUTBOX.c.subject_id >= batch.lo if batch.hi is None
             else OUTBOX.c.subject_id.between(batch.lo, batch.hi))  # a range: rows about someone removed too
    rows = await session.execute(
        select(OUTBOX.c.id, OUTBOX.c.dedupe_key, OUTBOX.c.status, OUTBOX.c.due_at, OUTBOX.c.text, OUTBOX.c.buttons)
        .where(about, OUTBOX.c.due_at >= min(since, window_start),  # the index's range: months of sent rows behind
               or_(and_(OUTBOX.c.status == OutboxStatus.pending.value, OUTBOX.c.due_at >= since),
                   and_(OUTBOX.c.status != OutboxStatus.pending.value, OUTBOX.c.due_at >= window_start)))
    )
    return [(row, key) for row in rows if (key := R.parse_key(row.dedupe_key)) is not None]


async def _converge(session: AsyncSession, content: Content, batch: Batch, now: datetime,
                    window: tuple[datetime, datetime], stats: PlanStats) -> None:
    """Bring the batch's existing rows in line (cancel, move, re-render, revive), then insert the desired rows due
    within the window.

    The rows are read before what they are planned from (events, runs, acknowledgements), and each change is made
    only where the row still holds what was read: a pass that read dates a concurrent change (a Lokakarya moved, and
    its rows re-planned in the same transaction) has since replaced never undoes that change. Read the other way
    round, a pass could see the re-planned rows but the old dates, and put the old rows back."""
    since = now - RECONCILE_BACK
    existing = await _existing(session, batch, since, window[0])
    await _load(session, content, batch, now)
    reach = (since.date() - timedelta(days=1), window[1].date() + timedelta(days=1))  # ±1 day: local dates
    desired: dict[str, Planned] = {}
    for person in batch.people:
        today = now.astimezone(zone_of(person, content.default_tz)).date()
        desired.update(desired_rows(content, person, batch, today, reach))
    for planned in desired.values():
        if planned.unmoved_at is not None and planned.due_at <= now < planned.unmoved_at:
            planned.due_at = now  # a day off added since moved it into the past: send it now
    seen = await _reconcile(session, content, batch, now, existing, window, desired, stats)
    new = [p for k, p in desired.items()
           if k not in seen and window[0] <= p.due_at <= window[1] and not _frozen(p, batch, now)]
    stats.inserted += await insert_rows(session, [_row(content, p, now) for p in new])


async def _reconcile(session: AsyncSession, content: Content, batch: Batch, now: datetime,
                     existing: list[tuple[Any, R.ReminderKey]],
                     window: tuple[datetime, datetime], desired: dict[str, Planned], stats: PlanStats) -> set[str]:
    """Bring the batch's recent rows in line with the desired ones; return the keys of the rows that exist."""
    seen: set[str] = set()
    cancel: list[dict[str, Any]] = []
    changes: list[dict[str, Any]] = []
    for row, _key in existing:
        seen.add(row.dedupe_key)
        if row.status not in (OutboxStatus.pending.value, OutboxStatus.cancelled.value):
            continue  # sent, or the sender's already: neither rendered nor inserted again
        planned = desired.get(row.dedupe_key)
        if planned is None:
            if row.status == OutboxStatus.pending.value:
                cancel.append(_as_read(row))
            continue
        if _frozen(planned, batch, now):
            continue
        if row.status == OutboxStatus.cancelled.value:
            if window[0] <= planned.due_at <= window[1]:
                changes.append(_change(content, row, planned, now))
            continue
        if planned.due_at <= now and not _pulled_back(planned, row.due_at, now):
            continue  # its time has come: the sender owns it now (and may have deferred it for quiet hours)
        if _deferred(planned, batch, row.due_at):
            planned.due_at = row.due_at
        fresh = _change(content, row, planned, now)
        if row.due_at != planned.due_at or row.text != fresh["b_text"] or row.buttons != fresh["b_buttons"]:
            changes.append(fresh)
    if cancel:
        await session.execute(_still_as_read(update(OUTBOX)).values(status=OutboxStatus.cancelled.value,
                                                                     last_error="replanned"), cancel)
        stats.cancelled += len(cancel)
    if changes:
        await session.execute(
            _still_as_read(update(OUTBOX))
            .values(status=OutboxStatus.pending.value, due_at=bindparam("b_due"), text=bindparam("b_text"),
                    buttons=bindparam("b_buttons"), last_error=None),
            changes,
        )
        mark_written(session)  # a row may now be due sooner than the sender is sleeping for
        stats.updated += len(changes)
    return seen


def _still_as_read(statement: Update) -> Update:
    """An update of the row read, only if nobody changed it since (see _converge)."""
    return statement.where(OUTBOX.c.id == bindparam("b_id"), OUTBOX.c.status == bindparam("b_was_status"),
                           OUTBOX.c.due_at == bindparam("b_was_due"), OUTBOX.c.text == bindparam("b_was_text"))


def _as_read(row: Any) -> dict[str, Any]:
    return {"b_id": row.id, "b_was_status": row.status, "b_was_due": row.due_at, "b_was_text": row.text}


def _change(content: Content, read: Any, planned: Planned, now: datetime) -> dict[str, Any]:
    row = _row(content, planned, now)
    return {**_as_read(read), "b_due": row["due_at"], "b_text": row["text"], "b_buttons": row["buttons"]}

"""Where people stand in their flows: done, being filled, late or not yet, for /ringkasan, nudges and reports.

A flow tied to a numbered program event (PI 3, Lokakarya 2) is due on that event's date on the person's
calendar (program.calendar: a PI moved by the PP counts); not submitted by then, it is late. Flows with no
date on the calendar are never late. A mentor's flows about a mentee (jurnal, penilaian) are due on the
mentee's date for the same event.
"""
from __future__ import annotations

import asyncio
import enum
from collections import defaultdict
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import date, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from core.content.schema import Content, Flow
from core.dates import format_date
from program.calendar import build_items, cohort_events, person_events
from reports import charts
from reports.charts import Cell
from store.models import FlowRun, Person, Role, RunStatus

CURRENT_AHEAD = timedelta(days=7)  # an event this close counts as the current one
CHART_NAME = "ringkasan.png"

# matplotlib is not thread-safe: every chart is drawn in this one worker, off the event loop.
_DRAWER = ThreadPoolExecutor(max_workers=1, thread_name_prefix="charts")


class Mark(enum.StrEnum):
    done = "done"
    draft = "draft"
    late = "late"
    open = "open"


@dataclass
class Standing:
    """One person's marks per flow (their own flows, then a mentor's flows about them), in program order."""

    person: Person
    marks: dict[str, Mark] = field(default_factory=dict)
    due: dict[str, date] = field(default_factory=dict)

    @property
    def joined(self) -> bool:
        return self.person.tg_chat_id is not None

    def late(self) -> list[str]:
        return [flow_id for flow_id, mark in self.marks.items() if mark == Mark.late]

    def current(self, today: date) -> list[str]:
        """The flows of the latest event dated up to a week ahead (or the next one), in program order."""
        dates = sorted(set(self.due.values()))
        if not dates:
            return []
        near = [d for d in dates if d <= today + CURRENT_AHEAD]
        on = near[-1] if near else dates[0]
        return [flow_id for flow_id in self.marks if self.due.get(flow_id) == on]


def own_flows(content: Content, role: Role) -> list[Flow]:
    """The flows a person of this role fills about themselves, in program order."""
    return sorted((f for f in content.flows_for(role.value) if f.subject == "self"), key=lambda f: f.program_order)


def about_flows(content: Content, mentor: Person) -> list[Flow]:
    """The flows a mentor fills about each mentee, in program order."""
    return sorted((f for f in content.flows_for(mentor.role.value) if f.subject == "mentee"), key=lambda f: f.program_order)


async def standings(session: AsyncSession, content: Content, people: Sequence[Person], today: date,
                    mentor: Person | None = None) -> list[Standing]:
    """Each person's standing; with `mentor`, the mentor's flows about them are included after their own."""
    ids = [p.id for p in people]
    if not ids:
        return []
    statuses: dict[tuple[int, str], set[RunStatus]] = defaultdict(set)
    rows = await session.execute(select(FlowRun.person_id, FlowRun.flow_id, FlowRun.status)
                                 .where(FlowRun.person_id.in_(ids), FlowRun.subject_id.is_(None)))
    for person_id, flow_id, status in rows:
        statuses[(person_id, flow_id)].add(status)
    about: list[Flow] = []
    if mentor is not None:
        about = about_flows(content, mentor)
        rows = await session.execute(select(FlowRun.subject_id, FlowRun.flow_id, FlowRun.status)
                                     .where(FlowRun.person_id == mentor.id, FlowRun.subject_id.in_(ids)))
        for subject_id, flow_id, status in rows:
            statuses[(subject_id, flow_id)].add(status)
    cohorts = await cohort_events(session, (p.cohort_id for p in people))
    own = await person_events(session, ids)
    out = []
    for person in people:
        dated = {(i.kind, i.number): i.on_date
                 for i in build_items(content, person, cohorts.get(person.cohort_id, []), own[person.id], today)}
        standing = Standing(person)
        for flow in own_flows(content, person.role) + about:
            on = dated.get((flow.event.kind, flow.event.number)) if flow.event and flow.event.number is not None else None
            if on is not None:
                standing.due[flow.id] = on
            given = statuses.get((person.id, flow.id), set())
            if RunStatus.submitted in given:
                standing.marks[flow.id] = Mark.done
            elif on is not None and on < today:
                standing.marks[flow.id] = Mark.late
            else:
                standing.marks[flow.id] = Mark.draft if given else Mark.open
        out.append(standing)
    return out


@dataclass(frozen=True)
class Group:
    """A PP's mentees or a district's people: who joined, each column's completion, who is late."""

    key: int  # the PP's id, or the id of the district's first person (stands for the district in buttons)
    name: str
    members: tuple[Standing, ...]
    cells: tuple[Cell, ...]

    @property
    def joined(self) -> int:
        return sum(1 for s in self.members if s.joined)

    @property
    def late(self) -> tuple[Standing, ...]:
        return tuple(s for s in self.members if s.late())

    @property
    def never_joined(self) -> tuple[Standing, ...]:
        return tuple(s for s in self.members if not s.joined)


def columns_of(content: Content, found: Sequence[Standing], today: date) -> list[Flow]:
    """The flows already due for someone, in program order: the columns of a koordinator's table."""
    due = {flow_id for s in found for flow_id, on in s.due.items() if on <= today}
    return sorted((content.flows[f] for f in due), key=lambda f: f.program_order)


def group(found: Sequence[Standing], columns: Sequence[Flow], key_of, name_of) -> list[Group]:
    """Groups by key_of(person) (None: left out), ordered by name; each column counts the people the flow applies to."""
    members: dict[object, list[Standing]] = defaultdict(list)
    for s in found:
        k = key_of(s.person)
        if k is not None:
            members[k].append(s)
    groups = []
    for k, these in members.items():
        cells = []
        for flow in columns:
            applies = [s for s in these if flow.id in s.marks]
            cells.append(Cell(sum(1 for s in applies if s.marks[flow.id] == Mark.done), len(applies)))
        groups.append(Group(these[0].person.id if not isinstance(k, int) else k, name_of(k), tuple(these), tuple(cells)))
    return sorted(groups, key=lambda g: g.name.lower())

# -- shared by /ringkasan and the weekly report ------------------------------------------------------

def pct(part: int, whole: int) -> str:
    return f"{round(100 * part / whole)}%" if whole else "–"


def label(content: Content, flow_id: str) -> str:
    """A flow's short name: its event ("PI 3") for a participant's own flow, else its title."""
    flow = content.flows[flow_id]
    key = f"insight.event.{flow.event.kind}" if flow.event else ""
    if flow.subject == "self" and flow.event and flow.event.number is not None and key in content.texts:
        return content.text(key, n=flow.event.number)
    return flow.title


async def participants(session: AsyncSession, koordinator: Person, roles: Sequence[Role] = (Role.cgp,)) -> list[Person]:
    """The people of these roles the koordinator sees (their cohort, or all), still in the program, by name."""
    stmt = select(Person).where(Person.role.in_(roles), Person.left_at.is_(None)).order_by(Person.name, Person.id)
    if koordinator.cohort_id is not None:
        stmt = stmt.where(Person.cohort_id == koordinator.cohort_id)
    return list((await session.scalars(stmt)).all())


async def mentor_names(session: AsyncSession, people: Sequence[Person]) -> dict[int, str]:
    ids = {p.mentor_id for p in people if p.mentor_id}
    rows = await session.execute(select(Person.id, Person.name).where(Person.id.in_(ids))) if ids else []
    return {pid: name for pid, name in rows}


def groups_of(content: Content, found: Sequence[Standing], columns, mentors: dict[int, str]) -> tuple[list[Group], list[Group]]:
    """By PP group and by district, ordered by name."""
    by_pp = group(found, columns, lambda p: p.mentor_id or 0,
                  lambda k: mentors.get(k) or content.text("insight.koordinator.no_mentor"))
    no_district = content.text("insight.koordinator.no_district")
    by_district = group(found, columns, lambda p: (p.district or "").strip() or no_district, str)
    return by_pp, by_district


async def chart(content: Content, columns, by_pp: list[Group], by_district: list[Group], today: date) -> charts.Chart:
    """Completion per flow by PP group (or by district when there is one PP group), the most behind first;
    the first page (more flows than fit across go on pages the text's table still lists)."""
    groups, title = (by_pp, "chart.title.completion_pp") if len(by_pp) > 1 or len(by_district) <= 1 else \
        (by_district, "chart.title.completion_district")
    table = charts.CompletionTable(tuple(label(content, f.id) for f in columns),
                                   tuple(charts.CompletionRow(g.name, g.cells) for g in groups))
    texts = charts.ChartTexts.from_texts(content.texts)
    subtitle = content.text("chart.subtitle.behind_first", tanggal=format_date(today))
    drawn = await asyncio.get_running_loop().run_in_executor(
        _DRAWER, lambda: charts.completion_charts(table, texts, title=content.text(title), subtitle=subtitle))
    return drawn[0]


async def progress_over_time(session: AsyncSession, content: Content, people: Sequence[Person], columns: Sequence[Flow],
                             today: date, weeks: int = 8) -> charts.Chart | None:
    """Submissions so far of the latest due flows (at most six lines), week by week up to today; None without any."""
    shown = list(columns)[-len(charts.LINE_COLOURS):]
    if not shown or not people:
        return None
    zone = ZoneInfo(content.default_tz)
    rows = await session.execute(select(FlowRun.flow_id, FlowRun.submitted_at).where(
        FlowRun.person_id.in_([p.id for p in people]), FlowRun.subject_id.is_(None),
        FlowRun.status == RunStatus.submitted, FlowRun.flow_id.in_([f.id for f in shown])))
    days: dict[str, list[date]] = defaultdict(list)
    for flow_id, at in rows:
        if at is not None:
            days[flow_id].append(at.astimezone(zone).date())
    dates = tuple(today - timedelta(weeks=n) for n in range(weeks, -1, -1))
    lines = tuple(charts.ProgressLine(label(content, f.id), tuple(sum(1 for d in days[f.id] if d <= on) for on in dates))
                  for f in shown)
    series = charts.ProgressSeries(dates, lines, total=len(people))
    texts = charts.ChartTexts.from_texts(content.texts)
    subtitle = content.text("chart.subtitle.as_of", tanggal=format_date(today))
    return await asyncio.get_running_loop().run_in_executor(
        _DRAWER, lambda: charts.progress_chart(series, texts, title=content.text("chart.title.progress"), subtitle=subtitle))


async def delivery(content: Content, number: int, counts: charts.DeliveryCounts, today: date) -> charts.Chart:
    """One broadcast's delivery: sent, waiting, failed, blocked, not joined."""
    texts = charts.ChartTexts.from_texts(content.texts)
    subtitle = content.text("chart.subtitle.as_of", tanggal=format_date(today))
    return await asyncio.get_running_loop().run_in_executor(
        _DRAWER, lambda: charts.delivery_chart(counts, texts, title=content.text("chart.title.delivery", nomor=number),
                                               subtitle=subtitle))

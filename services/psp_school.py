"""A Sekolah Penggerak school's PMO state: one per school, not one per person.

Derived from what the school's kepala sekolah and guru submitted in the current PMO round (PMO 1–3 from
August, PMO 4–6 from February: the months of calendar.yaml whose PMO number starts a round) and from the
FSP's monitoring records about the school (flow pmo_monitoring, about its kepala sekolah). Used by the PMO
gate (services/psp.py) and by the FSP's and pengawas' /ringkasan (services/ringkasan_sekolah.py).
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timezone

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from core.answers import by_question, format_answer
from core.content.schema import Content, PmoStep
from core.dates import format_date
from core.ui import Button, Reply
from flows.render import pack
from store.models import FlowRun, Person, Role, RunStatus, School, SchoolMember

UPDATE_FLOW = "pmo_update"
MONITORING_FLOW = "pmo_monitoring"
STAFF = (Role.kepsek, Role.guru)  # who answers for the school and is counted as responding
ROUND_STARTS = (1, 4)  # PMO 1 (August) and PMO 4 (February) open a round
KB_PREFIX = "kb1_"


@dataclass
class SchoolState:
    school: School
    staff: list[Person] = field(default_factory=list)  # kepala sekolah and guru, in the program
    step: PmoStep | None = None  # the furthest PMO step the school submitted this round
    step_run: FlowRun | None = None
    step_by: Person | None = None
    subtopic: str | None = None
    update_run: FlowRun | None = None  # the latest monthly update (pmo_update)
    monitoring: FlowRun | None = None  # the FSP's latest monitoring record
    status: str | None = None  # option id of the newest status: sesuai_rencana | perlu_bantuan
    last_update: datetime | None = None
    not_responded: list[Person] = field(default_factory=list)
    kb_done: int = 0
    kb_total: int = 0

    @property
    def kepsek(self) -> Person | None:
        return next((p for p in self.staff if p.role is Role.kepsek), None)


def round_start(content: Content, today: date) -> date:
    """The first day of the PMO round containing today (1 August or 1 February with the shipped calendar)."""
    firsts: dict[int, int] = {}  # PMO number → its first month
    for month in content.calendar.pmo_months:
        if month.pmo in ROUND_STARTS:
            firsts.setdefault(month.pmo, month.month)
    months = sorted(firsts.values()) or [1]
    earlier = [m for m in months if m <= today.month]
    return date(today.year, earlier[-1], 1) if earlier else date(today.year - 1, months[-1], 1)


def step_flows(content: Content) -> dict[str, PmoStep]:
    """PMO step flow id → its step (1–4, from pmo.yaml)."""
    return {s.flow: s for s in content.pmo.steps if s.flow} if content.pmo else {}


async def school_of(session: AsyncSession, person: Person) -> list[School]:
    """The schools a person belongs to (several for a pengawas)."""
    query = (select(School).join(SchoolMember, SchoolMember.school_id == School.id)
             .where(SchoolMember.person_id == person.id).order_by(School.district, School.name))
    return list(await session.scalars(query))


async def schools_for(session: AsyncSession, viewer: Person) -> list[School]:
    """The schools the viewer follows: an FSP those they facilitate, a pengawas those they cover."""
    if viewer.role is Role.fsp:
        return list(await session.scalars(select(School).where(School.fsp_id == viewer.id)
                                          .order_by(School.district, School.name)))
    if viewer.role is Role.pengawas:
        return await school_of(session, viewer)
    return []


async def may_follow(session: AsyncSession, viewer: Person, school_id: int | None) -> School | None:
    """The school, if the viewer follows it."""
    return next((s for s in await schools_for(session, viewer) if s.id == school_id), None)


async def school_states(session: AsyncSession, content: Content, schools: Sequence[School], today: date) -> list[SchoolState]:
    """Each school's PMO state in this round, in the order given."""
    states = {s.id: SchoolState(s) for s in schools}
    if not states:
        return []
    members = await session.execute(
        select(SchoolMember.school_id, Person).join(Person, Person.id == SchoolMember.person_id)
        .where(SchoolMember.school_id.in_(list(states)), Person.role.in_(STAFF), Person.participating)
        .order_by(Person.role, Person.name))
    school_of_person: dict[int, int] = {}
    for school_id, person in members:
        states[school_id].staff.append(person)
        school_of_person[person.id] = school_id
    people = {p.id: p for state in states.values() for p in state.staff}
    since = datetime.combine(round_start(content, today), time(0), tzinfo=timezone.utc)
    steps = step_flows(content)
    kb_flows = [f for f in content.flows if f.startswith(KB_PREFIX)]
    school_flows = [*steps, UPDATE_FLOW, *kb_flows]
    runs = await session.scalars(
        select(FlowRun).where(FlowRun.status == RunStatus.submitted, FlowRun.submitted_at.is_not(None),
                              ((FlowRun.person_id.in_(list(people)) & FlowRun.flow_id.in_(school_flows))
                               | (FlowRun.subject_id.in_(list(people)) & (FlowRun.flow_id == MONITORING_FLOW))))
        .order_by(FlowRun.submitted_at, FlowRun.id)) if people else []
    responded: dict[int, set[int]] = {s: set() for s in states}
    kb: dict[int, set[str]] = {s: set() for s in states}
    for run in runs:
        if run.flow_id == MONITORING_FLOW:
            state = states[school_of_person[run.subject_id]]
            state.monitoring = run
            _status(state, run)
            continue
        state = states[school_of_person[run.person_id]]
        if run.flow_id in kb_flows:
            kb[state.school.id].add(run.flow_id)
            continue
        if run.submitted_at < since:
            continue
        responded[state.school.id].add(run.person_id)
        if run.flow_id == UPDATE_FLOW:
            state.update_run = run
            _status(state, run)
        else:
            step = steps[run.flow_id]
            if state.step is None or step.number >= state.step.number:
                state.step, state.step_run, state.step_by = step, run, people[run.person_id]
            subtopic = by_question(run.answers).get("subtopik")
            if subtopic:
                state.subtopic = str(subtopic)
            state.last_update = run.submitted_at
    for state in states.values():
        state.not_responded = [p for p in state.staff if p.id not in responded[state.school.id]]
        state.kb_done, state.kb_total = len(kb[state.school.id]), len(kb_flows)
    return [states[s.id] for s in schools]


def _status(state: SchoolState, run: FlowRun) -> None:
    """Take the run's status answer (if any) as the school's newest."""
    status = by_question(run.answers).get("status")
    if status:
        state.status = str(status)
    state.last_update = run.submitted_at


# -- text --------------------------------------------------------------------------------------


def status_text(content: Content, state: SchoolState) -> str:
    return content.text(f"psp.status.{state.status}" if state.status in ("sesuai_rencana", "perlu_bantuan")
                        else "psp.status.none")


def step_text(content: Content, state: SchoolState) -> str:
    if state.step is None:
        return content.text("psp.state.no_step", jumlah=len(content.pmo.steps) if content.pmo else 4)
    return content.text("psp.state.step", nomor=state.step.number, jumlah=len(content.pmo.steps), judul=state.step.title)


def last_update_text(content: Content, state: SchoolState) -> str:
    return format_date(state.last_update.date()) if state.last_update else content.text("psp.state.never")


def describe(content: Content, state: SchoolState, *, answers: bool) -> str:
    """The school's state; with `answers`, the answers of the latest step, update and monitoring record."""
    school = state.school
    lines = [content.text("psp.state.heading", sekolah=school.name, kabupaten=school.district or "-")]
    if school.npsn:
        lines[0] += content.text("psp.state.npsn", npsn=school.npsn)
    lines.append(step_text(content, state))
    if state.step_by is not None:
        lines.append(content.text("psp.state.step_by", nama=state.step_by.name,
                                  tanggal=format_date(state.step_run.submitted_at.date())))
    if state.subtopic:
        lines.append(content.text("psp.state.subtopic", subtopik=state.subtopic))
    lines.append(content.text("psp.state.status", status=status_text(content, state), tanggal=last_update_text(content, state)))
    if answers:
        for key, run in (("psp.state.step_answers", state.step_run), ("psp.state.update_answers", state.update_run),
                         ("psp.state.monitoring_answers", state.monitoring)):
            if run is not None:
                lines += ["", content.text(key, tanggal=format_date(run.submitted_at.date())), *_answer_lines(content, run)]
    if state.not_responded:
        lines.append(content.text("psp.state.not_responded", nama=", ".join(p.name for p in state.not_responded)))
    elif state.staff:
        lines.append(content.text("psp.state.all_responded"))
    return "\n".join(lines)


def _answer_lines(content: Content, run: FlowRun) -> list[str]:
    flow = content.flows.get(run.flow_id)
    if flow is None:
        return []
    values = by_question(run.answers)
    return [content.text("psp.state.answer", pertanyaan=q.text.strip(), jawaban=format_answer(content, q, values[q.id]))
            for q in flow.questions() if q.id in values and q.kind != "media"]


def as_replies(lines: list[str], buttons: list[list[Button]] | None = None) -> list[Reply]:
    """Lines as messages within Telegram's length limit, the buttons under the last one."""
    parts = [text for text, _ in pack(lines, sep="\n")]
    return [Reply(text, buttons if i == len(parts) - 1 and buttons else []) for i, text in enumerate(parts)]

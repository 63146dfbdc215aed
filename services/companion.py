"""The PP's companion: the session guide before each mentee's PI, the jurnal drafted from the mentee's
answers, and the jurnal's Word documents and LMS text once it is sent.

    c:g:<mentee b36>:<pi>   the guide to PI n for one mentee: short in chat, complete as a .docx

The guide comes on demand (a button under the mentee's answers in /ringkasan) and by itself a few days
before the mentee's own PI date (`plan_guides`, run with the reminder planning). A mentee's PI reflection,
once sent, brings the PP a button to the jurnal of that PI about them, drafted from the answers
(flows/prefill.py); the PP's sent jurnal brings the documents and stops the reminders to write it.
"""
from __future__ import annotations

import logging
import re
from collections.abc import Collection
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from core.answers import by_question, date_value, format_answer
from core.callbacks import B36, CallbackData, Namespace
from core.clock import Clock
from core.content.schema import Content, Flow, Section
from core.ui import Button, Reply
from core.zones import local_datetime, local_today, zone_of
from flows.callbacks import OpenForMentee
from flows.prefill import latest_answers
from flows.render import pack
from flows.submit import Submitted
from program.calendar import DatedItem, SharedItems, cohort_events, events_for, item_title, person_events
from reports import documents as D
from scheduler import stops
from services.context import Deps
from services.turn import Acting, Outcome, Turn, act
from store.models import Acknowledgement, FlowRun, OutboxMessage, Person, Role, RunStatus
from store.outbox import insert_rows
from store.people import mentees_of

log = logging.getLogger(__name__)

GUIDE_DAYS_BEFORE = 3  # the guide reaches the PP this many days before the mentee's PI
GUIDE_TIME = time(7, 0)  # local time of day it is due
GUIDE_BATCH = 500  # PPs planned together
RTL_SECTION = "rtl"  # the jurnal section whose answers are the follow-up plan
F360_BEFORE = {3: "feedback360_pi3", 6: "feedback360_pi6"}  # the CGP's acknowledgement of the feedback 360 due before PI n
AGREED_KINDS = ("rpp_submit", "rpp_return", "rpp_revision", "observation")


@dataclass(frozen=True)
class GuideDoc(CallbackData, prefix="c:g"):
    mentee_id: B36
    pi: int


COMPANION = Namespace("c", GuideDoc)


# The guide -------------------------------------------------------------------------------------------


async def press(deps: Deps, turn: Turn, value: GuideDoc | None) -> Outcome:
    """A "g:" button: the guide to a PI for one of the PP's mentees; stale or forged data is refused."""
    return await act(deps, turn, lambda acting: _guide_press(acting, value))


async def _guide_press(acting: Acting, value: GuideDoc | None) -> list[Reply]:
    mentee = await acting.session.get(Person, value.mentee_id) if value is not None else None
    if mentee is None or mentee.mentor_id != acting.person.id or f"pi{value.pi}" not in acting.content.flows:
        return acting.reply("companion.refused")
    guide = await session_guide(acting.session, acting.content, acting.person, mentee, value.pi, acting.clock)
    word = (_file_name("panduan", value.pi, mentee.name), D.guide_docx(acting.content, guide)) if acting.content.templates else None
    return [Reply(D.guide_chat_text(acting.content, guide), file=word)]


async def guide_buttons(acting: Acting, mentee: Person) -> list[list[Button]]:
    """Under a mentee's answers: the guide to their next PI, for their own PP."""
    if mentee.mentor_id != acting.person.id or mentee.role != Role.cgp:
        return []
    today = local_today(acting.person, acting.content.default_tz, acting.clock)
    number = next_pi(await _pi_dates(acting.session, acting.content, mentee, acting.clock), today, acting.content)
    if number is None:
        return []
    return [[Button(acting.content.text("companion.guide_button", nomor=number), GuideDoc(mentee.id, number).pack())]]


def next_pi(dates: dict[int, date], today: date, content: Content) -> int | None:
    """The mentee's next PI (today's included); after the last, the last; without dates, PI 1."""
    upcoming = sorted((on, n) for n, on in dates.items() if on >= today)
    if upcoming:
        return upcoming[0][1]
    if dates:
        return max(dates)
    return 1 if "pi1" in content.flows else None


async def _pi_dates(session: AsyncSession, content: Content, mentee: Person, clock: Clock) -> dict[int, date]:
    return _pi_days(content, await events_for(session, content, mentee, clock))


def _pi_days(content: Content, items: list[DatedItem]) -> dict[int, date]:
    """PI number → its day, for the PIs that have a reflection flow."""
    return {i.number: i.on_date for i in items if i.kind == "pi" and f"pi{i.number}" in content.flows}


async def session_guide(session: AsyncSession, content: Content, pp: Person, mentee: Person, pi: int,
                        clock: Clock) -> D.SessionGuide:
    """The guide to PI n with this mentee's context."""
    items = await events_for(session, content, mentee, clock)
    on = next((i.on_date for i in items if i.kind == "pi" and i.number == pi), None)
    flow = content.flows[f"pi{pi}"]
    reflection, sent = await _reflection(session, content, flow, mentee)
    aksi = []
    if flow.carry_forward is not None:
        earlier = await latest_answers(session, content, flow.carry_forward.from_flow, pp.id, mentee.id) or {}
        asked = {q.id: q for q in content.flows[flow.carry_forward.from_flow].questions()}
        aksi = [D.Entry(asked[qid].text, format_answer(content, asked[qid], earlier[qid]))
                for qid in flow.carry_forward.questions if qid in asked and earlier.get(qid) not in (None, "", [])]
    last_rtl = []
    if f"jurnal_pi{pi - 1}" in content.flows:
        earlier = await latest_answers(session, content, f"jurnal_pi{pi - 1}", pp.id, mentee.id)
        last_rtl = rtl_items(content.flows[f"jurnal_pi{pi - 1}"], earlier or {})
    f360 = None
    if pi in F360_BEFORE:
        acked = await session.scalar(select(Acknowledgement.id).where(
            Acknowledgement.person_id == mentee.id, Acknowledgement.key == F360_BEFORE[pi]))
        f360 = "done" if acked else "pending"
    agreed = [D.Dated(item_title(content, i), i.on_date, i.at_time) for i in items if i.kind in AGREED_KINDS]
    context = D.MenteeContext(
        name=mentee.name, school=mentee.school, reflection=reflection, reflection_sent=sent, last_rtl=last_rtl,
        aksi_nyata=aksi, feedback_360=f360, agreed_dates=agreed,
    )
    return D.session_guide(content, flow, context, on=on)


async def _reflection(session: AsyncSession, content: Content, flow: Flow,
                      mentee: Person) -> tuple[list[D.AnswerSection], date | None]:
    run = await session.scalar(
        select(FlowRun).where(FlowRun.person_id == mentee.id, FlowRun.flow_id == flow.id, FlowRun.subject_id.is_(None),
                              FlowRun.status == RunStatus.submitted)
        .order_by(FlowRun.submitted_at.desc(), FlowRun.id.desc()).limit(1))
    if run is None:
        return [], None
    sent = run.submitted_at.astimezone(zone_of(mentee, content.default_tz)).date()
    return answer_sections(content, flow, by_question(run.answers)), sent


def answer_sections(content: Content, flow: Flow, given: dict[str, Any], skip: tuple[str, ...] = ()) -> list[D.AnswerSection]:
    """The answered questions of a flow by section (sub-sections as their own), leaving out sections in `skip`."""
    out = []
    for top in flow.sections:
        if top.id in skip:
            continue
        for section in top.walk():
            entries = [D.Entry(q.text, format_answer(content, q, given[q.id]), q.awaiting_official)
                       for q in section.questions if q.kind != "media" and q.id in given]
            if entries:
                out.append(D.AnswerSection(section.title, entries))
    return out


def rtl_items(flow: Flow, given: dict[str, Any]) -> list[D.Dated]:
    """The follow-up plan of a jurnal: one item per line of the RTL section's texts; a date answer dates the
    items of the text question just before it ("Sampai tanggal berapa tindak lanjut tersebut …")."""
    section: Section | None = next((s for s in flow.sections if s.id == RTL_SECTION), None)
    if section is None:
        return []
    groups: list[list[str]] = []
    dates: dict[int, tuple] = {}
    for q in section.questions:
        if q.kind == "text":
            groups.append([line.strip(" •-\t") for line in str(given.get(q.id) or "").splitlines() if line.strip(" •-\t")])
        elif q.kind == "date" and given.get(q.id) and groups:
            dates[len(groups) - 1] = date_value(given[q.id])
    return [D.Dated(line, *dates.get(n, (None, None))) for n, lines in enumerate(groups) for line in lines]


# The guide before each PI, planned with the reminders ------------------------------------------------


# What deciding which guides are due reads of a PP or a mentee (whole rows only for the guides built).
GUIDE_COLUMNS = (Person.id, Person.role, Person.cohort_id, Person.mentor_id, Person.timezone)


async def plan_guides(session: AsyncSession, content: Content, clock: Clock, batch_size: int = GUIDE_BATCH,
                      people: Collection[int] | None = None) -> int:
    """Queue the guide to each mentee's coming PI for their PP, GUIDE_DAYS_BEFORE days ahead; idempotent.

    A few statements per `batch_size` PPs whatever their mentees' number, and a guide is built only when its
    row is not queued yet. `people`: only the PPs among them and those of the mentees among them (the planning
    passes between full ones, scheduler.planner.Planning); None: every PP."""
    now = clock.now()
    inserted, last_id = 0, 0
    if people is not None and not people:
        return 0
    chosen = (Person.role == Role.pp, Person.participating)
    if people is not None:
        chosen += (or_(Person.id.in_(people), Person.id.in_(select(Person.mentor_id).where(Person.id.in_(people)))),)
    while pps := (await session.execute(select(*GUIDE_COLUMNS).where(*chosen, Person.id > last_id)
                                        .order_by(Person.id).limit(batch_size))).all():
        last_id = pps[-1].id
        inserted += await _plan_guides_of(session, content, clock, {pp.id: pp for pp in pps}, now)
    log.info("session guides: %d queued", inserted)
    return inserted


async def _plan_guides_of(session: AsyncSession, content: Content, clock: Clock, pps: dict[int, Any],
                          now: datetime) -> int:
    """`pps`: rows of GUIDE_COLUMNS; the few whose guide is built are loaded whole."""
    mentees = (await session.execute(select(*GUIDE_COLUMNS).where(
        Person.mentor_id.in_(pps), Person.participating, Person.role == Role.cgp))).all()
    items_of = SharedItems(content, await cohort_events(session, (m.cohort_id for m in mentees)))
    own = await person_events(session, (m.id for m in mentees))
    due: dict[str, tuple[Any, Any, int, date]] = {}
    for mentee in mentees:
        pp = pps[mentee.mentor_id]
        today = local_today(pp, content.default_tz, clock)
        items = items_of.of(mentee, own.get(mentee.id, []), local_today(mentee, content.default_tz, clock))
        for number, on in _pi_days(content, items).items():
            if today <= on <= today + timedelta(days=GUIDE_DAYS_BEFORE):
                due[f"guide:{mentee.id}:pi{number}@{on.isoformat()}"] = (pp, mentee, number, on)
    if due:
        queued = set((await session.scalars(select(OutboxMessage.dedupe_key).where(OutboxMessage.dedupe_key.in_(due)))).all())
        for key in queued:
            del due[key]
    wanted = {row.id for pp, mentee, _, _ in due.values() for row in (pp, mentee)}
    whole = {p.id: p for p in (await session.scalars(select(Person).where(Person.id.in_(wanted)))).all()} if due else {}
    rows = []
    for key, (pp_row, mentee_row, number, on) in due.items():
        pp, mentee = whole[pp_row.id], whole[mentee_row.id]
        guide = await session_guide(session, content, pp, mentee, number, clock)
        at = max(now, local_datetime(on - timedelta(days=GUIDE_DAYS_BEFORE), GUIDE_TIME, zone_of(pp, content.default_tz)))
        rows.append(_notice(key, pp.id, D.guide_chat_text(content, guide), [[{
            "text": content.text("companion.guide_doc_button"), "data": GuideDoc(mentee.id, number).pack()}]], at, now))
    return await insert_rows(session, rows) if rows else 0


def _notice(key: str, person_id: int, text: str, buttons: list | None, due: datetime, now: datetime) -> dict[str, Any]:
    return {
        "dedupe_key": key, "person_id": person_id, "kind": "notice", "rule_id": None, "text": text, "buttons": buttons,
        "attachments": None, "silent": False, "respect_quiet_hours": True, "status": "pending", "due_at": due,
        "attempts": 0, "created_at": now,
    }


async def plan(deps: Deps, people: Collection[int] | None = None) -> int:
    """The guides' planning as its own unit of work (with the reminder planning; `people` as plan_guides')."""
    async with deps.db.session() as session:
        return await plan_guides(session, deps.content, deps.clock, people=people)


# After a submission ----------------------------------------------------------------------------------


async def after_submit(acting: Acting, submitted: Submitted) -> list[Reply]:
    """A mentee's PI reflection: the PP is offered the drafted jurnal. A PP's jurnal: its documents."""
    flow_id = submitted.flow_id
    flow = acting.content.flows.get(flow_id)
    if flow is None or flow.event is None or flow.event.kind != "pi" or flow.event.number is None:
        return []
    number = flow.event.number
    if flow_id == f"pi{number}":
        await _offer_jurnal(acting, number, submitted.summary_to)
        return []
    if flow_id == f"jurnal_pi{number}":
        return await _jurnal_documents(acting, flow)
    return []


async def _offer_jurnal(acting: Acting, number: int, summary_to: list[Person]) -> None:
    mentee, content = acting.person, acting.content
    jurnal = content.flows.get(f"jurnal_pi{number}")
    mentor = next((p for p in summary_to if p.id == mentee.mentor_id), None)  # loaded already, usually
    if mentor is None and mentee.mentor_id:
        mentor = await acting.session.get(Person, mentee.mentor_id)
    if jurnal is None or mentor is None or not mentor.participating or mentor.role.value not in jurnal.audience:
        return
    now = acting.clock.now()
    text = content.text("companion.jurnal_ready", mentee=mentee.name, nomor=number)
    button = [[{"text": content.text("companion.jurnal_button", nomor=number),
                "data": OpenForMentee(jurnal.id, mentee.id).pack()}]]
    # With the mentee's summary: both wait for the end of the mentor's quiet hours.
    await insert_rows(acting.session, [_notice(f"jurnal_draft:{mentee.id}:pi{number}", mentor.id, text, button, now, now)])


async def _jurnal_documents(acting: Acting, flow: Flow) -> list[Reply]:
    session, content, pp = acting.session, acting.content, acting.person
    run = await session.scalar(
        select(FlowRun).where(FlowRun.person_id == pp.id, FlowRun.flow_id == flow.id, FlowRun.status == RunStatus.submitted)
        .order_by(FlowRun.submitted_at.desc(), FlowRun.id.desc()).limit(1))
    mentee = await session.get(Person, run.subject_id) if run is not None and run.subject_id else None
    if mentee is None:
        return []
    await stops.on_flow_submitted(session, content, mentee, flow.id, acting.clock)
    number = flow.event.number
    doc = await jurnal_doc(session, content, pp, mentee, flow, by_question(run.answers), acting.clock)
    # The LMS text in messages under Telegram's limit, broken between its paragraphs.
    lms = [Reply(text) for text, _ in pack([content.text("companion.lms_intro"), *D.jurnal_text(content, doc).split("\n\n")])]
    if not content.templates:  # content without Word templates: the LMS text only
        return lms
    group = await group_doc(session, content, pp, flow, acting.clock)
    return [
        Reply(content.text("companion.jurnal_doc", mentee=mentee.name, nomor=number),
              file=(_file_name("jurnal", number, mentee.name), D.jurnal_docx(content, doc))),
        *lms,
        Reply(content.text("companion.group_doc", nomor=number, done=len(group.jurnals),
                           total=len(group.jurnals) + len(group.missing)),
              file=(_file_name("jurnal", number, "kelompok"), D.group_jurnal_docx(content, group))),
    ]


async def jurnal_doc(session: AsyncSession, content: Content, pp: Person, mentee: Person, flow: Flow,
                     given: dict[str, Any], clock: Clock) -> D.JurnalDoc:
    """One mentee's jurnal for the documents: the answers by section, the RTL apart, the day of the PI."""
    number = flow.event.number
    pi = content.flows.get(f"pi{number}")
    on = (await _pi_dates(session, content, mentee, clock)).get(number)
    return D.JurnalDoc(
        pp=pp.name, mentee=mentee.name, pi=number, sections=answer_sections(content, flow, given, skip=(RTL_SECTION,)),
        rtl=rtl_items(flow, given), school=mentee.school, cohort=mentee.cohort.name if mentee.cohort else None,
        theme=pi.theme if pi else None, on=on, provisional=flow.awaiting_official,
    )


async def group_doc(session: AsyncSession, content: Content, pp: Person, flow: Flow, clock: Clock) -> D.GroupJurnalDoc:
    """The PP's group for PI n: each mentee's latest sent jurnal, and who has none yet."""
    jurnals, missing = [], []
    for mentee in await mentees_of(session, pp):
        if not mentee.participating:
            continue
        given = await latest_answers(session, content, flow.id, pp.id, mentee.id)
        if given is None:
            missing.append(mentee.name)
        else:
            jurnals.append(await jurnal_doc(session, content, pp, mentee, flow, given, clock))
    pi = content.flows.get(f"pi{flow.event.number}")
    return D.GroupJurnalDoc(
        pp=pp.name, pi=flow.event.number, as_of=local_today(pp, content.default_tz, clock), jurnals=jurnals,
        missing=missing, cohort=pp.cohort.name if pp.cohort else None, theme=pi.theme if pi else None,
        provisional=flow.awaiting_official,
    )


def _file_name(kind: str, number: int, name: str) -> str:
    return f"{kind}_pi{number}_{re.sub(r'[^a-z0-9]+', '_', name.lower()).strip('_') or 'cgp'}.docx"

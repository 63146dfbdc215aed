"""The questionnaire engine's entry points: /refleksi menu, updates inside a run, /batal."""
from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date

from sqlalchemy import exists, select
from sqlalchemy.ext.asyncio import AsyncSession

from core.answers import attachments_of, by_question, format_answer
from core.clock import Clock
from core.content.schema import Content, Flow
from core.dates import format_date
from core.ui import Button, Incoming, Reply
from flows import availability, prefill, runs
from flows.callbacks import REVIEW_QUESTION, FlowPress, OpenFlow, OpenForMentee, RunAction
from flows.render import Walk
from flows.steps import Step
from flows.submit import Submitted, submit, summary_parts
from store.models import FlowRun, Person, RunStatus
from store.people import mentees_of

log = logging.getLogger(__name__)

NEW, SUBMITTED = "new", "submitted"


@dataclass
class Handled:
    """What one update did to the person's flows: the replies, and the run it submitted, if any."""

    replies: list[Reply]
    submitted: Submitted | None = None  # its reminders stop (the caller applies that in the same unit of work)


async def open_menu(session: AsyncSession, content: Content, person: Person, clock: Clock) -> list[Reply]:
    """/refleksi: the flows open to the person's role with their status, one button each."""
    flows = content.flows_for(person.role.value)
    if not flows:
        return [Reply(content.text("flow.menu.empty"))]
    statuses = await _statuses(session, person.id)
    mentees = await mentees_of(session, person) if any(f.subject == "mentee" for f in flows) else []
    closed = await availability.closed_until(session, content, person, clock, flows)
    lines, rows, later = [content.text("flow.menu.title")], [], []
    for flow in flows:
        title = menu_title(content, flow)
        if flow.id in closed and not any(key[0] == flow.id for key in statuses):
            later.append(content.text("flow.menu.later_line", title=title, date=format_date(closed[flow.id])))
        elif flow.subject == "mentee":
            done = sum(statuses.get((flow.id, m.id)) == SUBMITTED for m in mentees)
            lines.append(content.text("flow.menu.mentee_line", title=title, done=done, total=len(mentees)))
            rows.append([Button(title, OpenFlow(flow.id).pack())])
        else:
            status = statuses.get((flow.id, None), NEW)
            mark = content.text(f"flow.mark.{status}")
            lines.append(content.text("flow.menu.line", mark=mark, title=title, status=content.text(f"flow.status.{status}")))
            rows.append([Button(f"{mark} {title}", OpenFlow(flow.id).pack())])
    if any(f.awaiting_official for f in flows):
        lines += ["", content.text("flow.provisional.menu_note")]
    if later:
        lines += ["", content.text("flow.menu.later_title"), *later]
    if not rows:
        lines[0] = content.text("flow.menu.none_open")
    return [Reply("\n".join(lines), rows)]


def menu_title(content: Content, flow: Flow) -> str:
    """The flow's title in the menu, marked when its questions are provisional (awaiting_official)."""
    return content.text("flow.provisional.title", title=flow.title) if flow.awaiting_official else flow.title


async def cancel(session: AsyncSession, content: Content, person: Person, clock: Clock) -> list[Reply]:
    """/batal: leave the current run; its answers stay as a draft to resume from /refleksi."""
    run = await runs.claimed_active_run(session, person.id)
    if run is None:
        return [Reply(content.text("flow.cancel_none"))]
    _pause(run)
    await session.flush()
    flow = content.flows.get(run.flow_id)
    return [Reply(content.text("flow.cancelled", title=flow.title if flow else run.flow_id))]


async def handle(session: AsyncSession, content: Content, person: Person, incoming: Incoming, clock: Clock) -> Handled | None:
    """Apply a message to the person's active run; None when they have none."""
    run = await runs.claimed_walking(session, person.id)  # Core statements: the path of every typed answer
    if run is None:
        return None
    step = await _step(session, content, person, clock, run)
    replies = _flow_gone(content, run) if step is None else step.on_input(incoming)
    await runs.write(session, run)
    return Handled(replies)


async def press(session: AsyncSession, content: Content, person: Person, value: FlowPress | None, clock: Clock) -> Handled:
    """Apply an "f:" button; for stale or forged data (None), say so and show where the person stands."""
    if value is None:
        handled = Handled(await _stale(session, content, person, clock))
    elif isinstance(value, RunAction):
        handled = await _on_run_press(session, content, person, clock, value)
    else:
        handled = Handled(await _open(session, content, person, clock, value))
    await session.flush()
    return handled


async def current_prompt(session: AsyncSession, content: Content, person: Person, clock: Clock) -> list[Reply]:
    """Where the person stands: their active run's question or review; nothing outside a flow."""
    run = await runs.active_run(session, person.id)
    step = None if run is None else await _step(session, content, person, clock, run)
    return [] if step is None else step.prompt()


async def _statuses(session: AsyncSession, person_id: int) -> dict[tuple[str, int | None], str]:
    """(flow, subject) → new / draft / submitted for the person's runs."""
    rows = await session.execute(select(FlowRun.flow_id, FlowRun.subject_id, FlowRun.status).where(FlowRun.person_id == person_id))
    grouped: dict[tuple[str, int | None], list[RunStatus]] = {}
    for flow_id, subject_id, status in rows:
        grouped.setdefault((flow_id, subject_id), []).append(status)
    return {key: runs.fold_status(statuses) for key, statuses in grouped.items()}


def _pause(run: FlowRun | runs.Walking) -> None:
    run.state = {**run.state, "mode_before": run.mode}
    run.mode = runs.PAUSED


def _flow_gone(content: Content, run: FlowRun | runs.Walking) -> list[Reply]:
    _pause(run)
    return [Reply(content.text("flow.flow_gone"))]


async def quote_of(session: AsyncSession, content: Content, flow: Flow, run: FlowRun | runs.Walking) -> str | None:
    """The run's carry-forward quote: taken when the run starts or resumes and kept with it ("" for none),
    so answering needs no lookup of the earlier run."""
    if flow.carry_forward is None:
        return None
    if run.quote is None:
        run.quote = await carry_quote(session, content, flow, run) or ""
    return run.quote or None


async def carry_quote(session: AsyncSession, content: Content, flow: Flow, run: FlowRun | runs.Walking) -> str | None:
    """The person's own answers from their latest submitted run of the carry-forward source."""
    source = content.flows.get(flow.carry_forward.from_flow) if flow.carry_forward else None
    if source is None:
        return None
    stmt = select(FlowRun).where(
        FlowRun.person_id == run.person_id, FlowRun.flow_id == source.id, FlowRun.status == RunStatus.submitted,
        FlowRun.subject_id.is_(None) if run.subject_id is None else FlowRun.subject_id == run.subject_id,
    ).order_by(FlowRun.submitted_at.desc(), FlowRun.id.desc()).limit(1)
    earlier = await session.scalar(stmt)
    if earlier is None:
        return None
    given = by_question(earlier.answers)
    by_id = {q.id: q for q in source.questions()}
    quotes = [
        content.text("flow.quote_item", question=by_id[qid].text, answer=format_answer(content, by_id[qid], given[qid]))
        for qid in flow.carry_forward.questions
        if qid in by_id and given.get(qid) not in (None, "", [])
    ]
    return "\n".join(quotes) or None


async def _step(session: AsyncSession, content: Content, person: Person, clock: Clock,
                run: FlowRun | runs.Walking) -> Step | None:
    flow = content.flows.get(run.flow_id)
    if flow is None:
        return None
    walk = Walk(content, flow, run, quote=await quote_of(session, content, flow, run))
    step = Step(walk, person, clock)
    if run.mode in (runs.ASKING, runs.EDITING) and walk.question(run.cursor) is None:
        log.info("run %s: question %s no longer in flow %s; showing the review", run.id, run.cursor, flow.id)
        run.mode, run.cursor, run.state = runs.REVIEW, None, {}
    return step


async def _open(session: AsyncSession, content: Content, person: Person, clock: Clock,
                press: OpenFlow | OpenForMentee) -> list[Reply]:
    flow = content.flows.get(press.flow_id)
    if flow is None:
        return [Reply(content.text("flow.menu.unknown"))]
    if person.role.value not in flow.audience:
        return [Reply(content.text("flow.menu.not_for_role"))]
    if (opens := await _opens_later(session, content, person, clock, flow)) is not None:
        return [Reply(content.text("flow.menu.not_open_yet", title=flow.title, date=format_date(opens)))]
    if flow.subject == "self":
        return await _start_or_resume(session, content, person, clock, flow, None)
    if isinstance(press, OpenFlow):
        return await _mentee_picker(session, content, person, flow)
    mentee = await session.get(Person, press.mentee_id)
    if mentee is None or mentee.mentor_id != person.id:
        log.warning("person %s asked for flow %s about non-mentee %s", person.id, flow.id, press.mentee_id)
        return [Reply(content.text("flow.menu.not_your_mentee"))]
    return await _start_or_resume(session, content, person, clock, flow, mentee)


async def _opens_later(session: AsyncSession, content: Content, person: Person, clock: Clock, flow: Flow) -> date | None:
    """The day the flow opens, if it has not yet and the person has no run of it to go back to."""
    closed = await availability.closed_until(session, content, person, clock, [flow])
    if flow.id not in closed or await session.scalar(
            select(exists().where(FlowRun.person_id == person.id, FlowRun.flow_id == flow.id))):
        return None
    return closed[flow.id]


async def _mentee_picker(session: AsyncSession, content: Content, person: Person, flow: Flow) -> list[Reply]:
    mentees = await mentees_of(session, person)
    if not mentees:
        return [Reply(content.text("flow.menu.no_mentees"))]
    statuses = await _statuses(session, person.id)
    rows = []
    for mentee in mentees:
        mark = content.text(f"flow.mark.{statuses.get((flow.id, mentee.id), NEW)}")
        rows.append([Button(f"{mark} {mentee.name}", OpenForMentee(flow.id, mentee.id).pack())])
    return [Reply(content.text("flow.menu.pick_mentee", title=flow.title), rows)]


async def _start_or_resume(session: AsyncSession, content: Content, person: Person, clock: Clock,
                           flow: Flow, subject: Person | None) -> list[Reply]:
    """Resume the draft of this flow (about this subject), or start a new run if allowed."""
    await runs.lock_person(session, person.id)
    subject_id = subject.id if subject else None
    existing = await runs.runs_of(session, person.id, flow.id, subject_id)
    draft = next((run_id for run_id, status in existing if status == RunStatus.draft), None)
    if draft is None and existing and not flow.repeatable:
        submitted = await runs.run_by_id(session, existing[0][0])
        return await _already_submitted(session, content, person, clock, flow, submitted, subject)
    while (active := await runs.claimed_walking(session, person.id)) is not None and active.id != draft:
        _pause(active)
        await runs.write(session, active)
    if draft is not None:
        run = await runs.claimed_run(session, draft)
        run.quote = None  # taken again on resuming: the earlier flow may have been sent since
        if run.mode == runs.PAUSED:
            run.mode = run.state.get("mode_before", runs.ASKING)
            run.state = {k: v for k, v in run.state.items() if k != "mode_before"}
        step = await _step(session, content, person, clock, run)
        await session.flush()
        return step.prompt(note=content.text("flow.resume", title=flow.title))
    now = clock.now()
    await runs.ensure_snapshot(session, content, now)
    first = flow.questions()[0]
    run = await runs.start_walking(session, person.id, flow.id, subject_id, first.id, content.version, now)
    drafted = await prefill.drafts(session, content, flow, person.id, subject_id) if subject_id else {}
    for question_id, draft in drafted.items():
        runs.save_answer(run, question_id, draft, content.version, now)
    step = await _step(session, content, person, clock, run)
    step.enter(first)
    await runs.write(session, run)
    log.info("person %s started flow %s (run %s)", person.id, flow.id, run.id)
    intro = [content.text("flow.start", title=flow.title)]
    if flow.awaiting_official:
        intro.append(content.text("flow.provisional.start"))
    if subject is not None:
        intro.append(content.text("flow.about", name=subject.name))
    if flow.intro:
        intro.append(flow.intro.strip())
    if drafted:
        intro.append(content.text("companion.drafted", jumlah=len(drafted)))
    return step.ask(first, note="\n".join(intro))


async def _already_submitted(session: AsyncSession, content: Content, person: Person, clock: Clock,
                             flow: Flow, run: FlowRun, subject: Person | None) -> list[Reply]:
    """A final run cannot change: say so and show what was sent."""
    walk = Walk(content, flow, run, quote=await quote_of(session, content, flow, run))
    replies = [Reply(content.text("flow.already_submitted", title=flow.title))]
    for text, items in summary_parts(walk, by_question(run.answers), person, subject, own=True):
        replies.append(Reply(text, attachments=attachments_of(items)))
    return replies


async def _on_run_press(session: AsyncSession, content: Content, person: Person, clock: Clock,
                        press: RunAction) -> Handled:
    # The active run's buttons (nearly every press) read and write it with Core statements, as a typed
    # answer does; an older message's button loads the run it names.
    run = await runs.claimed_walking(session, person.id)
    if run is None or run.id != press.run_id:
        run = await runs.claimed_run(session, press.run_id)
        if run is None or run.person_id != person.id or run.status != RunStatus.draft or run.mode == runs.PAUSED:
            return Handled(await _stale(session, content, person, clock))
    handled = await _apply_press(session, content, person, clock, run, press)
    if isinstance(run, runs.Walking):
        await runs.write(session, run)
    return handled


async def _apply_press(session: AsyncSession, content: Content, person: Person, clock: Clock,
                       run: FlowRun | runs.Walking, press: RunAction) -> Handled:
    step = await _step(session, content, person, clock, run)
    if step is None:
        return Handled(_flow_gone(content, run))
    if press.question_id == REVIEW_QUESTION and press.action == "s" and run.mode == runs.REVIEW:
        missing = step.missing()
        if missing:
            return Handled(step.ask_missing(missing))
        replies, submitted = await submit(session, step)
        return Handled(replies, submitted)
    replies = step.on_press(press.question_id, press.action)
    if replies is None:
        log.info("stale press %s on run %s at %s/%s", press.action, run.id, run.mode, run.cursor)
        return Handled(step.prompt(note=content.text("flow.stale")))
    return Handled(replies)


async def _stale(session: AsyncSession, content: Content, person: Person, clock: Clock) -> list[Reply]:
    """A press from an old message: say so and show where the active run stands, if any."""
    run = await runs.claimed_active_run(session, person.id)
    step = await _step(session, content, person, clock, run) if run is not None else None
    if step is None:
        return [Reply(f"{content.text('flow.stale')}\n{content.text('flow.stale_hint')}")]
    return step.prompt(note=content.text("flow.stale"))

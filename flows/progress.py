"""/ringkasan: mentees' progress per flow for a PP or FSP, a cohort's completion for a koordinator."""
from __future__ import annotations

import logging

from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from core.consent import agreed
from core.content.schema import Content, Flow
from flows import runs
from flows.callbacks import MenteeAnswers
from core.answers import attachments_of, by_question, media_items
from flows.render import Walk, pack
from core.ui import Button, Reply
from store.models import MENTOR_ROLES, Cohort, FlowRun, Person, Role, RunStatus
from store.people import may_see, mentees_of

log = logging.getLogger(__name__)

def _mentee_flows(content: Content, viewer: Person, mentee: Person) -> list[Flow]:
    """The mentee's own flows, then the flows the viewer fills about them."""
    own = [f for f in content.flows_for(mentee.role.value) if f.subject == "self"]
    about = [f for f in content.flows_for(viewer.role.value) if f.subject == "mentee"]
    return own + about


async def overview(session: AsyncSession, content: Content, viewer: Person) -> list[Reply]:
    """The viewer's overview: mentees with per-flow status, or per-cohort completion."""
    if viewer.role in MENTOR_ROLES:
        return await _mentees_overview(session, content, viewer)
    if viewer.role == Role.koordinator:
        return await _cohort_overview(session, content, viewer)
    return [Reply(content.text("progress.not_allowed"))]


async def _mentees_overview(session: AsyncSession, content: Content, viewer: Person) -> list[Reply]:
    mentees = await mentees_of(session, viewer)
    if not mentees:
        return [Reply(content.text("progress.no_mentees"))]
    ids = [m.id for m in mentees]
    rows = await session.execute(select(FlowRun.person_id, FlowRun.subject_id, FlowRun.flow_id, FlowRun.status).where(or_(
        FlowRun.person_id.in_(ids), (FlowRun.person_id == viewer.id) & FlowRun.subject_id.in_(ids),
    )))
    grouped: dict[tuple[int, str], list[RunStatus]] = {}
    for person_id, subject_id, flow_id, status in rows:
        about = subject_id if person_id == viewer.id else person_id
        grouped.setdefault((about, flow_id), []).append(status)
    blocks = [content.text("progress.mentees_title")]
    for mentee in mentees:
        lines = [
            content.text("progress.flow_line", mark=content.text(f"flow.mark.{runs.fold_status(grouped.get((mentee.id, f.id), []))}"), title=f.title)
            for f in _mentee_flows(content, viewer, mentee)
        ]
        block = "progress.mentee_block_left" if mentee.left else "progress.mentee_block"
        waiting = mentee.joined and not agreed(content, mentee.consent_version, mentee.role.value)
        unconsented = content.text("privacy.not_consented_mark") if waiting else ""
        blocks.append(content.text(block, name=mentee.name + unconsented, lines="\n".join(lines)))
    replies = [Reply(text) for text, _ in pack(blocks)]
    replies[-1].buttons = [[Button(m.name, MenteeAnswers(m.id).pack())] for m in mentees]
    return replies


async def _cohort_overview(session: AsyncSession, content: Content, viewer: Person) -> list[Reply]:
    stmt = select(Cohort).order_by(Cohort.code)
    if viewer.cohort_id is not None:
        stmt = stmt.where(Cohort.id == viewer.cohort_id)
    cohorts = list((await session.scalars(stmt)).all())
    if not cohorts:
        return [Reply(content.text("progress.no_cohorts"))]
    blocks = []
    for cohort in cohorts:
        everyone = list((await session.scalars(select(Person).where(Person.cohort_id == cohort.id))).all())
        people = [p for p in everyone if not p.left]
        roles = {p.id: p.role.value for p in people}
        done = await session.execute(select(FlowRun.flow_id, FlowRun.person_id, FlowRun.subject_id).where(
            FlowRun.status == RunStatus.submitted, FlowRun.person_id.in_(roles),
        ))
        submitted: dict[str, set[int]] = {}
        for flow_id, person_id, subject_id in done:
            submitted.setdefault(flow_id, set()).add(subject_id or person_id)
        lines = [content.text("progress.cohort_title", name=cohort.name)]
        for flow in content.flows.values():
            if flow.subject == "self":
                audience = {p.id for p in people if p.role.value in flow.audience}
            else:
                audience = {p.id for p in people if p.mentor_id and roles.get(p.mentor_id) in flow.audience}
            if audience:
                count = len(submitted.get(flow.id, set()) & audience)
                lines.append(content.text("progress.cohort_line", title=flow.title, done=count, total=len(audience)))
        if len(people) < len(everyone):
            lines.append(content.text("progress.cohort_left", count=len(everyone) - len(people)))
        if waiting := sum(p.joined and not agreed(content, p.consent_version, p.role.value) for p in people):
            lines.append(content.text("privacy.cohort_not_consented", jumlah=waiting))
        blocks.append("\n".join(lines))
    return [Reply(text) for text, _ in pack(blocks)]


async def mentee_answers(session: AsyncSession, content: Content, viewer: Person, target_id: int | None) -> list[Reply]:
    """One person's answers per flow (an "r:" button), if the viewer may see them; None for stale or forged data."""
    target = await session.get(Person, target_id) if target_id is not None else None
    if target is None or target.id == viewer.id or not may_see(viewer, target):
        log.warning("person %s refused the answers of person %s", viewer.id, target_id)
        return [Reply(content.text("progress.refused"))]
    about = FlowRun.subject_id == target.id
    if viewer.role != Role.koordinator:
        about = about & (FlowRun.person_id == viewer.id)
    found = list((await session.scalars(select(FlowRun).where(or_(FlowRun.person_id == target.id, about)).order_by(FlowRun.id))).all())
    order = {fid: n for n, fid in enumerate(content.flows)}
    found = sorted((r for r in found if r.flow_id in content.flows), key=lambda r: (order[r.flow_id], r.id))
    if not found:
        return [Reply(f"{content.text('progress.mentee_title', name=target.name)}\n{content.text('progress.nothing')}")]
    authors = {p.id: p.name for p in (await session.scalars(select(Person).where(Person.id.in_({r.person_id for r in found})))).all()}
    blocks, media = [content.text("progress.mentee_title", name=target.name)], {}
    for run in found:
        walk = Walk(content, content.flows[run.flow_id], run)
        mark = content.text(f"flow.mark.{run.status.value}")
        if run.person_id == target.id:
            blocks.append(content.text("progress.run_title", mark=mark, title=walk.flow.title))
        else:
            blocks.append(content.text("progress.run_about", mark=mark, title=walk.flow.title, author=authors[run.person_id]))
        given = by_question(run.answers)
        for q in walk.questions:
            if q.id in given:
                blocks.append(content.text("flow.summary.item", question=walk.question_text(q), answer=walk.answer_text(q, given[q.id])))
                if q.kind == "media":
                    media[len(blocks) - 1] = given[q.id]
    return [
        Reply(text, attachments=[a for i in members for a in attachments_of(media_items(media.get(i)))])
        for text, members in pack(blocks)
    ]

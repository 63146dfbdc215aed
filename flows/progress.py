"""One person's answers per flow, for those who may see them (the "r:" button under /ringkasan)."""
from __future__ import annotations

import logging

from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from core.content.schema import Content
from core.answers import attachments_of, by_question, media_items
from flows.render import Walk, pack
from core.ui import Reply
from store.models import FlowRun, Person, Role
from store.people import may_see

log = logging.getLogger(__name__)


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

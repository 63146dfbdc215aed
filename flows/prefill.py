"""Drafts of a mentor's answers about a mentee, made from earlier answers (a question's `prefill_from`).

A source flow the mentee answers gives the mentee's latest submitted run; a flow about the mentee gives
the mentor's own latest submitted run about them (their earlier notes). A draft is the answers of the
listed questions, one per line, cut to the question's `max_length`.
"""
from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from core.answers import by_question, format_answer
from core.content.schema import Content, Flow
from store.models import FlowRun, RunStatus


async def latest_answers(session: AsyncSession, content: Content, flow_id: str, mentor_id: int,
                         mentee_id: int) -> dict[str, Any] | None:
    """The answers of the latest submitted run of a flow by the mentee, or by the mentor about them."""
    source = content.flows.get(flow_id)
    if source is None:
        return None
    if source.subject == "self":
        who = (FlowRun.person_id == mentee_id) & FlowRun.subject_id.is_(None)
    else:
        who = (FlowRun.person_id == mentor_id) & (FlowRun.subject_id == mentee_id)
    run = await session.scalar(
        select(FlowRun).where(who, FlowRun.flow_id == flow_id, FlowRun.status == RunStatus.submitted)
        .order_by(FlowRun.submitted_at.desc(), FlowRun.id.desc()).limit(1)
    )
    return None if run is None else by_question(run.answers)


async def drafts(session: AsyncSession, content: Content, flow: Flow, mentor_id: int, mentee_id: int) -> dict[str, str]:
    """Question id → draft text for the flow's questions with `prefill_from` that have answers to draw on."""
    sources: dict[str, dict[str, Any] | None] = {}
    out = {}
    for q in flow.questions():
        lines = []
        for source in q.prefill_from:
            if source.flow not in sources:
                sources[source.flow] = await latest_answers(session, content, source.flow, mentor_id, mentee_id)
            given = sources[source.flow] or {}
            asked = {sq.id: sq for sq in content.flows[source.flow].questions()}
            lines += [format_answer(content, asked[qid], given[qid]) for qid in source.questions
                      if qid in asked and given.get(qid) not in (None, "", [])]
        if lines:
            out[q.id] = "\n".join(lines)[:q.max_length]
    return out

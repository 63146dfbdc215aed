"""Reminders stop on submission; ignored nudges escalate (the buttons: tests/services/test_reminders.py)."""
from __future__ import annotations

from sqlalchemy import update

from core.clock import FrozenClock
from scheduler.planner import plan
from scheduler.stops import on_flow_submitted
from store.models import FlowRun, OutboxMessage, OutboxStatus, Person, RunStatus
from tests.scheduler.planning_support import WITA, cgp_with_pp, draft_run, plan_content, rows, utc  # noqa: F401


async def test_unfinished_flow_is_nudged_every_two_days_up_to_three_times(db, plan_content):
    _, cgp = await cgp_with_pp(db, WITA)
    run = await draft_run(db, cgp, utc(2025, 5, 1, 3))  # 1 May, 11:00 WITA
    async with db.session() as s:
        await plan(s, plan_content, FrozenClock(utc(2025, 5, 1, 4)))
        got = await rows(s, rule_id="refleksi_belum")
    assert [r.due_at for r in got] == [utc(2025, 5, 2, 23), utc(2025, 5, 4, 23), utc(2025, 5, 6, 23)]  # 3, 5, 7 May 07:00 WITA
    assert [r.dedupe_key for r in got] == [f"r:refleksi_belum:{cgp.id}:run{run.id}:2:{i}" for i in range(3)]
    assert got[0].kind == "nudge" and [b["data"] for b in got[0].buttons[0]] == ["s:f:refleksi_pi3", "s:kendala"]


async def test_submission_cancels_pending_nudges(db, plan_content):
    _, cgp = await cgp_with_pp(db)
    run = await draft_run(db, cgp, utc(2025, 5, 1))
    clock = FrozenClock(utc(2025, 5, 1, 4))
    async with db.session() as s:
        await plan(s, plan_content, clock)
    async with db.session() as s:
        await s.execute(update(FlowRun).where(FlowRun.id == run.id).values(status=RunStatus.submitted, submitted_at=clock.now()))
        cancelled = await on_flow_submitted(s, plan_content, await s.get(Person, cgp.id), "refleksi_pi3", clock)
    assert cancelled == 3
    async with db.session() as s:
        await plan(s, plan_content, clock)
        assert await rows(s, rule_id="refleksi_belum") == []


async def test_the_mentor_is_told_once_after_two_ignored_nudges(db, plan_content):
    pp, cgp = await cgp_with_pp(db)
    await draft_run(db, cgp, utc(2025, 5, 1))
    clock = FrozenClock(utc(2025, 5, 1, 4))
    async with db.session() as s:
        await plan(s, plan_content, clock)
    async with db.session() as s:
        nudges = await rows(s, rule_id="refleksi_belum")
        await s.execute(update(OutboxMessage).where(OutboxMessage.id == nudges[0].id).values(status=OutboxStatus.sent, sent_at=utc(2025, 5, 3)))
        assert (await plan(s, plan_content, clock)).escalations == 0  # one ignored nudge is not enough
        await s.execute(update(OutboxMessage).where(OutboxMessage.id == nudges[1].id).values(status=OutboxStatus.sent, sent_at=utc(2025, 5, 5)))
        clock.set(utc(2025, 5, 5, 1))
        assert (await plan(s, plan_content, clock)).escalations == 1
        assert (await plan(s, plan_content, clock)).escalations == 0
        got = await rows(s, kind="escalation")
    assert [(r.person_id, r.text) for r in got] == [(pp.id, "Bu PP, Pak CGP belum menyelesaikan refleksi PI 3.")]


async def test_no_escalation_once_the_flow_is_submitted(db, plan_content):
    _, cgp = await cgp_with_pp(db)
    run = await draft_run(db, cgp, utc(2025, 5, 1))
    clock = FrozenClock(utc(2025, 5, 1, 4))
    async with db.session() as s:
        await plan(s, plan_content, clock)
        await s.execute(update(OutboxMessage).where(OutboxMessage.rule_id == "refleksi_belum")
                        .values(status=OutboxStatus.sent, sent_at=utc(2025, 5, 3)))
        await s.execute(update(FlowRun).where(FlowRun.id == run.id).values(status=RunStatus.submitted, submitted_at=utc(2025, 5, 4)))
        assert (await plan(s, plan_content, clock)).escalations == 0

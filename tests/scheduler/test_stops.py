"""Reminders stop on 'Sudah selesai' and on submission; ignored nudges escalate; 'Ada kendala' pauses."""
from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import select, update

from core.clock import FrozenClock
from scheduler.buttons import handle_callback
from program.calendar import set_lokakarya_date
from scheduler.planner import plan
from scheduler.stops import handle_button, on_flow_submitted
from store.models import Acknowledgement, FlowRun, OutboxMessage, OutboxStatus, Pause, Person, RunStatus
from tests.factories import make_cohort, make_person
from tests.scheduler.planning_support import WIB, WITA, plan_content, rows, utc  # noqa: F401


async def _cgp(db, tz: str = WIB):
    async with db.session() as s:
        cohort = await make_cohort(s)
        pp = await make_person(s, "pp", cohort=cohort, name="Bu PP")
        cgp = await make_person(s, "cgp", cohort=cohort, mentor=pp, timezone=tz, name="Pak CGP")
        await set_lokakarya_date(s, cohort, 3, date(2025, 5, 19))
    return pp, cgp


async def _draft(db, cgp, started):
    async with db.session() as s:
        run = FlowRun(person_id=cgp.id, flow_id="refleksi_pi3", content_version="t", started_at=started)
        s.add(run)
    return run


async def test_sudah_selesai_records_the_ack_and_stops_the_reminder(db, plan_content):
    _, cgp = await _cgp(db)
    clock = FrozenClock(utc(2025, 5, 1))
    async with db.session() as s:
        await plan(s, plan_content, clock)
    async with db.session() as s:
        person = await s.get(Person, cgp.id)
        first = await handle_callback(s, plan_content, person, "s:done:feedback360:pi3", clock)
        again = await handle_button(s, plan_content, person, "s:done:feedback360:pi3", clock)
    assert first[0].text == plan_content.text("reminder.done_ok")
    assert again[0].text == plan_content.text("reminder.done_again")
    async with db.session() as s:
        assert await s.scalar(select(Acknowledgement.key)) == "feedback360:pi3"
        assert await rows(s, rule_id="feedback360_pi3") == []
        assert len(await rows(s, status=OutboxStatus.cancelled, rule_id="feedback360_pi3")) == 1
        assert len(await rows(s, rule_id="pi_upcoming")) == 1  # other reminders go on
        await plan(s, plan_content, clock)
        assert await rows(s, rule_id="feedback360_pi3") == []  # the planner does not bring it back


async def test_an_unknown_ack_is_refused(db, plan_content):
    _, cgp = await _cgp(db)
    async with db.session() as s:
        replies = await handle_button(s, plan_content, await s.get(Person, cgp.id), "s:done:nope", FrozenClock(utc(2025, 5, 1)))
        assert replies[0].text == plan_content.text("reminder.unknown_button")
        assert await s.scalar(select(Acknowledgement.id)) is None


async def test_unfinished_flow_is_nudged_every_two_days_up_to_three_times(db, plan_content):
    _, cgp = await _cgp(db, WITA)
    run = await _draft(db, cgp, utc(2025, 5, 1, 3))  # 1 May, 11:00 WITA
    async with db.session() as s:
        await plan(s, plan_content, FrozenClock(utc(2025, 5, 1, 4)))
        got = await rows(s, rule_id="refleksi_belum")
    assert [r.due_at for r in got] == [utc(2025, 5, 2, 23), utc(2025, 5, 4, 23), utc(2025, 5, 6, 23)]  # 3, 5, 7 May 07:00 WITA
    assert [r.dedupe_key for r in got] == [f"r:refleksi_belum:{cgp.id}:run{run.id}:2:{i}" for i in range(3)]
    assert got[0].kind == "nudge" and [b["data"] for b in got[0].buttons[0]] == ["f:s:refleksi_pi3", "s:kendala"]


async def test_submission_cancels_pending_nudges(db, plan_content):
    _, cgp = await _cgp(db)
    run = await _draft(db, cgp, utc(2025, 5, 1))
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
    pp, cgp = await _cgp(db)
    await _draft(db, cgp, utc(2025, 5, 1))
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
    _, cgp = await _cgp(db)
    run = await _draft(db, cgp, utc(2025, 5, 1))
    clock = FrozenClock(utc(2025, 5, 1, 4))
    async with db.session() as s:
        await plan(s, plan_content, clock)
        await s.execute(update(OutboxMessage).where(OutboxMessage.rule_id == "refleksi_belum")
                        .values(status=OutboxStatus.sent, sent_at=utc(2025, 5, 3)))
        await s.execute(update(FlowRun).where(FlowRun.id == run.id).values(status=RunStatus.submitted, submitted_at=utc(2025, 5, 4)))
        assert (await plan(s, plan_content, clock)).escalations == 0


async def test_ada_kendala_pauses_nudges_and_tells_the_mentor(db, plan_content):
    pp, cgp = await _cgp(db)
    await _draft(db, cgp, utc(2025, 5, 1))
    clock = FrozenClock(utc(2025, 5, 2, 3))  # Fri 2 May, 10:00 WIB
    async with db.session() as s:
        await plan(s, plan_content, clock)
        before = [r.due_at for r in await rows(s, rule_id="refleksi_belum")]
    async with db.session() as s:
        person = await s.get(Person, cgp.id)
        ask = await handle_button(s, plan_content, person, "s:kendala", clock)
        assert [row[0].data for row in ask[0].buttons] == ["s:kr:sakit", "s:kr:sinyal", "s:kr:sekolah", "s:kr:lainnya"]
        how_long = await handle_button(s, plan_content, person, "s:kr:sakit", clock)
        assert [b.data for b in how_long[0].buttons[0]] == ["s:kd:sakit:3", "s:kd:sakit:7", "s:kd:sakit:14"]
        done = await handle_button(s, plan_content, person, "s:kd:sakit:7", clock)
    assert "Jumat, 9 Mei 2025" in done[0].text
    async with db.session() as s:
        pause = (await s.execute(select(Pause))).scalar_one()
        assert (pause.reason, pause.until) == ("sakit", utc(2025, 5, 9, 0))  # 9 May 07:00 WIB
        after = [r.due_at for r in await rows(s, rule_id="refleksi_belum")]
        assert after == [d + (pause.until - clock.now()) for d in before] and min(after) >= pause.until
        notice = await rows(s, person_id=pp.id, kind="notice")
        assert len(notice) == 1 and "Pak CGP" in notice[0].text and plan_content.text("kendala.reason.sakit") in notice[0].text
        stats = await plan(s, plan_content, clock)  # the planner leaves the deferred nudges alone
        assert (stats.inserted, stats.updated, stats.cancelled) == (0, 0, 0)
        clock.set(pause.until + timedelta(hours=1))
        await plan(s, plan_content, clock)
        assert [r.due_at for r in await rows(s, rule_id="refleksi_belum")] == after


async def test_a_bad_kendala_button_is_refused(db, plan_content):
    _, cgp = await _cgp(db)
    async with db.session() as s:
        replies = await handle_button(s, plan_content, await s.get(Person, cgp.id), "s:kd:sakit:99", FrozenClock(utc(2025, 5, 1)))
        assert replies[0].text == plan_content.text("reminder.unknown_button")
        assert await s.scalar(select(Pause.id)) is None

"""Reminder buttons as use cases: 'Sudah selesai' records the ack and stops the reminder; 'Ada kendala' pauses."""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from core.clock import FrozenClock
from scheduler.callbacks import REMINDERS
from scheduler.planner import plan
from services import reminders
from store.models import Acknowledgement, OutboxStatus, Pause, Person
from tests.scheduler.planning_support import cgp_with_pp, draft_run, plan_content, rows, utc  # noqa: F401
from tests.services.conftest import turn_of


async def press(deps, person: Person, data: str):
    """The person presses a reminder button with this data; the replies."""
    return (await reminders.press(deps, turn_of(person, ("button", data)), REMINDERS.unpack(data))).replies


async def test_sudah_selesai_records_the_ack_and_stops_the_reminder(db, plan_content, deps_for):
    _, cgp = await cgp_with_pp(db)
    clock = FrozenClock(utc(2025, 5, 1))
    async with db.session() as s:
        await plan(s, plan_content, clock)
    deps = deps_for(plan_content, clock)
    first = await press(deps, cgp, "s:done:feedback360:pi3")
    again = await press(deps, cgp, "s:done:feedback360:pi3")
    assert first[0].text == plan_content.text("reminder.done_ok")
    assert again[0].text == plan_content.text("reminder.done_again")
    async with db.session() as s:
        assert await s.scalar(select(Acknowledgement.key)) == "feedback360:pi3"
        assert await rows(s, rule_id="feedback360_pi3") == []
        assert len(await rows(s, status=OutboxStatus.cancelled, rule_id="feedback360_pi3")) == 1
        assert len(await rows(s, rule_id="pi_upcoming")) == 1  # other reminders go on
        await plan(s, plan_content, clock)
        assert await rows(s, rule_id="feedback360_pi3") == []  # the planner does not bring it back


async def test_an_unknown_ack_is_refused(db, plan_content, deps_for):
    _, cgp = await cgp_with_pp(db)
    replies = await press(deps_for(plan_content, FrozenClock(utc(2025, 5, 1))), cgp, "s:done:nope")
    assert replies[0].text == plan_content.text("reminder.unknown_button")
    async with db.session() as s:
        assert await s.scalar(select(Acknowledgement.id)) is None


async def test_ada_kendala_pauses_nudges_and_tells_the_mentor(db, plan_content, deps_for):
    pp, cgp = await cgp_with_pp(db)
    await draft_run(db, cgp, utc(2025, 5, 1))
    clock = FrozenClock(utc(2025, 5, 2, 3))  # Fri 2 May, 10:00 WIB
    async with db.session() as s:
        await plan(s, plan_content, clock)
        before = [r.due_at for r in await rows(s, rule_id="refleksi_belum")]
    deps = deps_for(plan_content, clock)
    ask = await press(deps, cgp, "s:kendala")
    assert [row[0].data for row in ask[0].buttons] == ["s:kr:sakit", "s:kr:sinyal", "s:kr:sekolah", "s:kr:lainnya"]
    how_long = await press(deps, cgp, "s:kr:sakit")
    assert [b.data for b in how_long[0].buttons[0]] == ["s:kd:sakit:3", "s:kd:sakit:7", "s:kd:sakit:14"]
    done = await press(deps, cgp, "s:kd:sakit:7")
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


async def test_a_bad_kendala_button_is_refused(db, plan_content, deps_for):
    _, cgp = await cgp_with_pp(db)
    replies = await press(deps_for(plan_content, FrozenClock(utc(2025, 5, 1))), cgp, "s:kd:sakit:99")
    assert replies[0].text == plan_content.text("reminder.unknown_button")
    async with db.session() as s:
        assert await s.scalar(select(Pause.id)) is None

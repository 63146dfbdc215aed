"""Reminders, nudges, escalations and digests keep off days off; a day off added later moves what is pending."""
from __future__ import annotations

from datetime import date

from sqlalchemy import update

from core.clock import FrozenClock
from scheduler.digest import plan_digests
from scheduler.planner import plan
from store.models import DayOffScope, Event, ExtraDay, FlowRun, OutboxMessage, OutboxStatus, RunStatus
from tests.factories import make_cohort, make_person
from tests.scheduler.planning_support import (  # noqa: F401
    WIB, WIT, holiday_content, holidays_content, plan_content, rows, utc,
)

PLANNED_AT = utc(2026, 8, 10, 3)  # Monday 10 August 2026, 10:00 WIB


async def _pair(db, rpp_on: date | None = None, pp_province: str | None = None, cgp_tz: str = WIB):
    async with db.session() as s:
        cohort = await make_cohort(s)
        pp = await make_person(s, "pp", cohort=cohort, name="Bu PP", province=pp_province)
        cgp = await make_person(s, "cgp", cohort=cohort, mentor=pp, name="Pak CGP", timezone=cgp_tz, province="Jawa Barat")
        if rpp_on is not None:
            s.add(Event(kind="rpp_submit", number=0, person_id=cgp.id, on_date=rpp_on, source="flow"))
    return pp, cgp


async def test_a_reminder_due_on_17_august_comes_on_saturday_the_15th(db, holidays_content):
    pp, cgp = await _pair(db, date(2026, 8, 20))  # Thursday: H-3 is Monday 17 August
    async with db.session() as s:
        await plan(s, holidays_content, FrozenClock(PLANNED_AT))
        mine = await rows(s, rule_id="rpp_submit", person_id=cgp.id)
    assert [r.due_at for r in mine] == [utc(2026, 8, 15, 0), utc(2026, 8, 19, 0), utc(2026, 8, 20, 0)]  # 07:00 WIB
    assert mine[0].dedupe_key == f"r:rpp_submit:{cgp.id}:rpp_submit0@2026-08-20:-3"  # the key keeps its offset
    assert "Pak CGP" in mine[0].text


async def test_with_saturday_off_it_comes_on_friday_the_14th(db, tmp_path):
    content = holiday_content(tmp_path / "content", "weekly_days_off: [saturday, sunday]\n")
    _, cgp = await _pair(db, date(2026, 8, 20))
    async with db.session() as s:
        await plan(s, content, FrozenClock(PLANNED_AT))
        assert (await rows(s, rule_id="rpp_submit", person_id=cgp.id))[0].due_at == utc(2026, 8, 14, 0)


async def test_each_rule_moves_earlier_later_or_not_at_all(db, holidays_content):
    _, cgp = await _pair(db, date(2026, 8, 20))
    async with db.session() as s:
        await plan(s, holidays_content, FrozenClock(PLANNED_AT))
        later = await rows(s, rule_id="rpp_later", person_id=cgp.id)
        keep = await rows(s, rule_id="rpp_keep", person_id=cgp.id)
    assert [r.due_at for r in later] == [utc(2026, 8, 18, 0)]
    assert later[0].text == "Pengumpulan RPP 2 hari lagi."  # {kapan} counts from the day it arrives
    assert [r.due_at for r in keep] == [utc(2026, 8, 17, 0)]


async def test_without_holidays_content_nothing_moves(db, plan_content):
    _, cgp = await _pair(db, date(2026, 8, 20))
    async with db.session() as s:
        await plan(s, plan_content, FrozenClock(PLANNED_AT))
        assert (await rows(s, rule_id="rpp_submit", person_id=cgp.id))[0].due_at == utc(2026, 8, 17, 0)


async def test_replanning_is_idempotent(db, holidays_content):
    await _pair(db, date(2026, 8, 20))
    async with db.session() as s:
        first = await plan(s, holidays_content, FrozenClock(PLANNED_AT))
    async with db.session() as s:
        again = await plan(s, holidays_content, FrozenClock(PLANNED_AT))
    assert first.inserted == 8  # rpp_submit × 3 for the CGP and the PP, rpp_later, rpp_keep
    assert (again.inserted, again.updated, again.cancelled) == (0, 0, 0)


async def test_the_mentors_copy_follows_the_mentors_province(db, holidays_content):
    pp, cgp = await _pair(db, date(2026, 8, 20), pp_province="Bali")  # H-1, Wednesday 19th, is a Bali day off
    async with db.session() as s:
        await plan(s, holidays_content, FrozenClock(PLANNED_AT))
        mine = [r.due_at for r in await rows(s, rule_id="rpp_submit", person_id=cgp.id)]
        theirs = [r.due_at for r in await rows(s, rule_id="rpp_submit", person_id=pp.id)]
    assert mine == [utc(2026, 8, 15, 0), utc(2026, 8, 19, 0), utc(2026, 8, 20, 0)]
    assert theirs == [utc(2026, 8, 15, 0), utc(2026, 8, 18, 0), utc(2026, 8, 20, 0)]


async def test_two_reminders_moved_onto_one_day_arrive_once(db, holidays_content):
    _, cgp = await _pair(db, date(2026, 8, 18))  # H-3 Saturday 15th; H-1 is the 17th and moves onto the 15th
    async with db.session() as s:
        await plan(s, holidays_content, FrozenClock(PLANNED_AT))
        mine = await rows(s, rule_id="rpp_submit", person_id=cgp.id)
    assert [r.due_at for r in mine] == [utc(2026, 8, 15, 0), utc(2026, 8, 18, 0)]
    assert [r.dedupe_key.rsplit(":", 1)[1] for r in mine] == ["-3", "0"]


async def test_a_day_off_added_later_moves_the_pending_reminder(db, holidays_content):
    pp, cgp = await _pair(db, date(2026, 9, 10))  # Thursday: H-1 on Wednesday 9th
    now = utc(2026, 8, 24, 3)
    async with db.session() as s:
        await plan(s, holidays_content, FrozenClock(now))
        before = {r.dedupe_key: r.due_at for r in await rows(s, rule_id="rpp_submit", person_id=cgp.id)}
        s.add(ExtraDay(on_date=date(2026, 9, 9), name="Libur tambahan", scope=DayOffScope.national, created_by=pp.id))
    async with db.session() as s:
        stats = await plan(s, holidays_content, FrozenClock(now))
        after = {r.dedupe_key: r.due_at for r in await rows(s, rule_id="rpp_submit", person_id=cgp.id)}
    assert stats.updated == 2 and stats.inserted == 0  # the CGP's and the PP's H-1
    assert before.keys() == after.keys()
    key = f"r:rpp_submit:{cgp.id}:rpp_submit0@2026-09-10:-1"
    assert (before[key], after[key]) == (utc(2026, 9, 9, 0), utc(2026, 9, 8, 0))


async def test_a_day_off_added_today_for_tomorrow_sends_tomorrows_reminder_now(db, holidays_content):
    _, cgp = await _pair(db, date(2026, 9, 10))
    now = utc(2026, 9, 8, 3)  # Tuesday 8th, 10:00 WIB: H-1 (Wednesday 07:00) moves to this morning, already past
    key = f"r:rpp_submit:{cgp.id}:rpp_submit0@2026-09-10:-1"
    async with db.session() as s:
        await plan(s, holidays_content, FrozenClock(now))
        assert [r.due_at for r in await rows(s, rule_id="rpp_submit", person_id=cgp.id) if r.dedupe_key == key] == [utc(2026, 9, 9, 0)]
        s.add(ExtraDay(on_date=date(2026, 9, 9), name="Libur tambahan", scope=DayOffScope.national))
    async with db.session() as s:
        await plan(s, holidays_content, FrozenClock(now))
        (row,) = [r for r in await rows(s, rule_id="rpp_submit", person_id=cgp.id) if r.dedupe_key == key]
        assert row.due_at == now and "Pak CGP" in row.text
        later = FrozenClock(utc(2026, 9, 8, 4))
        assert (await plan(s, holidays_content, later)).updated == 0  # due now: the sender's from here on
        (row,) = [r for r in await rows(s, rule_id="rpp_submit", person_id=cgp.id) if r.dedupe_key == key]
        assert row.due_at == now


async def test_a_nudge_due_on_a_holiday_waits_for_the_next_working_day(db, holidays_content):
    _, cgp = await _pair(db)
    async with db.session() as s:  # nudges 2, 4 and 6 days after: Saturday 15th, Monday 17th, Wednesday 19th
        s.add(FlowRun(person_id=cgp.id, flow_id="refleksi_pi3", content_version="t", started_at=utc(2026, 8, 13, 3)))
    async with db.session() as s:
        await plan(s, holidays_content, FrozenClock(PLANNED_AT))
        got = await rows(s, rule_id="refleksi_belum", person_id=cgp.id)
    assert [r.due_at for r in got] == [utc(2026, 8, 15, 0), utc(2026, 8, 18, 0), utc(2026, 8, 19, 0)]


async def test_no_escalation_on_the_mentors_day_off(db, holidays_content):
    pp, cgp = await _pair(db)
    async with db.session() as s:
        s.add(FlowRun(person_id=cgp.id, flow_id="refleksi_pi3", content_version="t", started_at=utc(2026, 8, 10, 3)))
    async with db.session() as s:
        await plan(s, holidays_content, FrozenClock(PLANNED_AT))
        await s.execute(update(OutboxMessage).where(OutboxMessage.rule_id == "refleksi_belum")
                        .values(status=OutboxStatus.sent, sent_at=utc(2026, 8, 14)))
        for sunday_or_holiday in (utc(2026, 8, 16, 3), utc(2026, 8, 17, 3)):
            assert (await plan(s, holidays_content, FrozenClock(sunday_or_holiday))).escalations == 0
        assert (await plan(s, holidays_content, FrozenClock(utc(2026, 8, 18, 3)))).escalations == 1
        (escalation,) = await rows(s, kind="escalation")
    assert escalation.person_id == pp.id


async def test_no_digest_on_a_day_off_and_the_next_one_catches_up(db, holidays_content):
    pp, cgp = await _pair(db, date(2026, 8, 20))
    async with db.session() as s:
        for submitted in (utc(2026, 8, 14, 2), utc(2026, 8, 15, 2)):  # Friday and Saturday, 09:00 WIB
            s.add(FlowRun(person_id=cgp.id, flow_id="refleksi_pi3", content_version="t", status=RunStatus.submitted,
                          started_at=submitted, submitted_at=submitted))
    async with db.session() as s:
        for day in (16, 17):  # Sunday, and 17 August
            assert await plan_digests(s, holidays_content, FrozenClock(utc(2026, 8, day, 0, 30))) == 0
        assert await plan_digests(s, holidays_content, FrozenClock(utc(2026, 8, 18, 0, 30))) == 1
        (digest,) = await rows(s, kind="digest")
    assert digest.dedupe_key == f"digest:{pp.id}:2026-08-18"
    assert digest.text.count("Pak CGP — Refleksi PI 3") == 1  # Saturday's; Friday's was in Saturday's digest


async def test_a_reminder_moved_past_a_long_closure_is_kept_while_its_day_lies_far_behind(db, tmp_path):
    closure = "days_off:\n  - date: 2026-09-01\n    until: 2026-09-12\n    name: Sekolah ditutup\n"
    content = holiday_content(tmp_path / "content", closure)
    _, cgp = await _pair(db, date(2026, 9, 4))  # rpp_later's H-3, 1 September, moves to Monday 14th
    async with db.session() as s:
        await plan(s, content, FrozenClock(utc(2026, 8, 25, 3)))
        assert [r.due_at for r in await rows(s, rule_id="rpp_later", person_id=cgp.id)] == [utc(2026, 9, 14, 0)]
    async with db.session() as s:  # 1 September is now further back than the planner re-plans
        assert (await plan(s, content, FrozenClock(utc(2026, 9, 11, 3)))).cancelled == 0
        assert [r.due_at for r in await rows(s, rule_id="rpp_later", person_id=cgp.id)] == [utc(2026, 9, 14, 0)]

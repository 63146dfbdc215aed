"""Reminder rules expand into outbox rows at the right instant in each person's zone, exactly once."""
from __future__ import annotations

import os
from datetime import date, timedelta

import pytest
from sqlalchemy import delete, func, select, update

from core.clock import FrozenClock
from core.content.loader import load_content
from core.content.schema import REMINDER_PLACEHOLDERS
from scheduler import rules as R
from program.calendar import set_lokakarya_date, set_pi_date
from scheduler import planner
from scheduler.planner import plan
from services.calendar_dates import replan_cohort
from store.models import Cohort, Event, OutboxMessage, OutboxStatus, Person
from tests.factories import make_cohort, make_person
from tests.scheduler.planning_support import SHIPPED, WIB, WIT, WITA, plan_content, rows, utc  # noqa: F401


async def _group(db, lokakarya: dict[int, date] | None = None):
    async with db.session() as s:
        cohort = await make_cohort(s)
        pp = await make_person(s, "pp", cohort=cohort, timezone=WIB, name="Bu PP")
        cgps = [await make_person(s, "cgp", cohort=cohort, mentor=pp, timezone=tz, name=f"CGP {tz}") for tz in (WIB, WITA, WIT)]
        for number, on in ({3: date(2025, 5, 19)} if lokakarya is None else lokakarya).items():
            await set_lokakarya_date(s, cohort, number, on)
    return cohort, pp, cgps


async def test_feedback360_before_pi3_is_due_at_seven_local_in_each_zone(db, plan_content):
    _, pp, cgps = await _group(db)  # Lokakarya 3 on Mon 19 May → PI 3 on 12 May → reminder 5 May
    async with db.session() as s:
        await plan(s, plan_content, FrozenClock(utc(2025, 5, 1)))
    async with db.session() as s:
        got = {r.person_id: r for r in await rows(s, rule_id="feedback360_pi3")}
    assert {pid: r.due_at for pid, r in got.items()} == {
        cgps[0].id: utc(2025, 5, 5, 0, 0),   # 07:00 WIB
        cgps[1].id: utc(2025, 5, 4, 23, 0),  # 07:00 WITA
        cgps[2].id: utc(2025, 5, 4, 22, 0),  # 07:00 WIT
    }
    row = got[cgps[1].id]
    assert "Senin, 12 Mei 2025" in row.text and "CGP Asia/Makassar" in row.text
    assert row.kind == "reminder" and row.dedupe_key == f"r:feedback360_pi3:{cgps[1].id}:pi3@2025-05-12:-7"
    assert [b["data"] for b in row.buttons[0]] == ["s:done:feedback360:pi3", "s:kendala"]


async def test_feedback360_before_pi6_follows_the_pi_date_the_pp_set(db, plan_content):
    _, _, cgps = await _group(db, {6: date(2025, 9, 15)})
    async with db.session() as s:
        await set_pi_date(s, await s.get(Person, cgps[2].id), 6, date(2025, 9, 10))
    async with db.session() as s:
        await plan(s, plan_content, FrozenClock(utc(2025, 8, 25)))
    async with db.session() as s:
        got = {r.person_id: r.due_at for r in await rows(s, rule_id="feedback360_pi6")}
    assert got == {
        cgps[0].id: utc(2025, 9, 1, 0, 0),   # PI 6 = 8 Sep (Lokakarya 6 − 7 days), minus 7 days
        cgps[1].id: utc(2025, 8, 31, 23, 0),
        cgps[2].id: utc(2025, 9, 2, 22, 0),  # own PI 6 on 10 Sep → 3 Sep 07:00 WIT
    }


async def test_people_of_one_batch_follow_their_own_cohorts_dates(db, plan_content):
    """Two cohorts in one batch, their Lokakarya 3 a week apart: each CGP's reminder follows their own cohort."""
    _, _, cgps = await _group(db)  # Lokakarya 3 on 19 May → PI 3 on 12 May → reminder 5 May 07:00
    async with db.session() as s:
        later = await make_cohort(s, "B2")
        await set_lokakarya_date(s, later, 3, date(2025, 5, 26))
        other = await make_person(s, "cgp", cohort=later, timezone=WIB)
    async with db.session() as s:
        await plan(s, plan_content, FrozenClock(utc(2025, 5, 1)))
    async with db.session() as s:
        got = {r.person_id: r.due_at for r in await rows(s, rule_id="feedback360_pi3")}
    assert got[cgps[0].id] == utc(2025, 5, 5, 0, 0) and got[other.id] == utc(2025, 5, 12, 0, 0)


async def test_rpp_dates_reach_the_cgp_and_their_pp_on_h3_h1_and_h(db, plan_content):
    _, pp, cgps = await _group(db, {})
    async with db.session() as s:
        s.add(Event(kind="rpp_submit", number=0, person_id=cgps[1].id, on_date=date(2025, 5, 20), source="rpp_agreement"))
    async with db.session() as s:
        await plan(s, plan_content, FrozenClock(utc(2025, 5, 10)))
    async with db.session() as s:
        mine = [r.due_at for r in await rows(s, rule_id="rpp_submit", person_id=cgps[1].id)]
        theirs = await rows(s, rule_id="rpp_submit", person_id=pp.id)
    assert mine == [utc(2025, 5, 16, 23), utc(2025, 5, 18, 23), utc(2025, 5, 19, 23)]  # 07:00 WITA on 17, 19, 20 May
    assert [r.due_at for r in theirs] == [utc(2025, 5, 17, 0), utc(2025, 5, 19, 0), utc(2025, 5, 20, 0)]  # 07:00 WIB
    assert all("CGP Asia/Makassar" in r.text and r.text.startswith("Bu PP") for r in theirs)
    assert all(r.dedupe_key.endswith(f":m{pp.id}") and r.buttons is None for r in theirs)


async def test_cohort_events_reach_each_role_once_and_pis_follow_lokakarya(db, plan_content):
    _, pp, cgps = await _group(db)
    async with db.session() as s:
        await plan(s, plan_content, FrozenClock(utc(2025, 5, 1)))
    async with db.session() as s:
        lokakarya = await rows(s, rule_id="lokakarya_soon")
        pi = await rows(s, rule_id="pi_upcoming", person_id=cgps[0].id)
    assert sorted(r.person_id for r in lokakarya) == sorted([pp.id] + [c.id for c in cgps])
    assert {r.due_at for r in lokakarya if r.person_id == pp.id} == {utc(2025, 5, 16, 1)}  # 16 May 08:00 WIB
    assert [(r.due_at, r.silent) for r in pi] == [(utc(2025, 5, 11, 9), True)]  # 11 May 16:00 WIB, low priority
    assert "Pembelajaran berdiferensiasi" in pi[0].text  # {topik}: the PI 3 flow's theme


async def test_pmo_months_reach_school_roles_with_the_topics(db, plan_content):
    async with db.session() as s:
        cohort = await make_cohort(s, "PSP1")
        fsp = await make_person(s, "fsp", cohort=cohort)
        kepsek = await make_person(s, "kepsek", cohort=cohort, mentor=fsp, timezone=WITA)
        await make_person(s, "guru", cohort=cohort, mentor=fsp)
    async with db.session() as s:
        await plan(s, plan_content, FrozenClock(utc(2025, 8, 20)))
    async with db.session() as s:
        got = await rows(s, rule_id="pmo_bulanan")
    assert [(r.person_id, r.due_at) for r in got] == [(kepsek.id, utc(2025, 8, 31, 23))]  # 1 Sep 07:00 WITA
    assert got[0].text == "PMO bulan ini:\n• Refleksi pembelajaran murid"


async def test_planning_twice_inserts_nothing_new(db, plan_content):
    await _group(db)
    clock = FrozenClock(utc(2025, 5, 1))
    async with db.session() as s:
        first = await plan(s, plan_content, clock)
    async with db.session() as s:
        second = await plan(s, plan_content, clock)
        total = await s.scalar(select(func.count()).select_from(OutboxMessage))
    assert first.inserted > 0 and first.inserted == total
    assert (second.inserted, second.updated, second.cancelled) == (0, 0, 0)


async def test_rows_already_sent_are_not_rendered_again(db, plan_content, monkeypatch):
    """Replanning costs nothing for reminders the sender has taken: they are neither rendered nor inserted again."""
    await _group(db)
    clock = FrozenClock(utc(2025, 5, 1))
    async with db.session() as s:
        first = await plan(s, plan_content, clock)
        await s.execute(update(OutboxMessage).values(status=OutboxStatus.sent, due_at=clock.now()))
    rendered, real_row = [], planner._row
    monkeypatch.setattr(planner, "_row", lambda *args: rendered.append(args) or real_row(*args))
    async with db.session() as s:
        second = await plan(s, plan_content, clock)
        statuses = set((await s.scalars(select(OutboxMessage.status))).all())
    assert first.inserted > 0 and (second.inserted, second.updated, second.cancelled) == (0, 0, 0)
    assert rendered == [] and statuses == {OutboxStatus.sent}


async def test_only_rows_within_the_horizon_are_created(db, plan_content):
    await _group(db, {3: date(2025, 5, 19), 6: date(2025, 9, 15)})
    async with db.session() as s:
        await plan(s, plan_content, FrozenClock(utc(2025, 5, 1)), horizon_days=21)
        assert await rows(s, rule_id="feedback360_pi6") == []
        assert await s.scalar(select(func.max(OutboxMessage.due_at))) <= utc(2025, 5, 22)


async def test_moving_a_lokakarya_replans_its_pending_rows(db, plan_content):
    cohort, _, cgps = await _group(db)
    clock = FrozenClock(utc(2025, 5, 1))
    async with db.session() as s:
        await plan(s, plan_content, clock)
    async with db.session() as s:
        await set_lokakarya_date(s, cohort, 3, date(2025, 5, 26))
        stats = await plan(s, plan_content, clock)
    async with db.session() as s:
        pending = await rows(s, rule_id="feedback360_pi3", person_id=cgps[0].id)
        cancelled = await rows(s, status=OutboxStatus.cancelled, rule_id="feedback360_pi3", person_id=cgps[0].id)
    assert [r.due_at for r in pending] == [utc(2025, 5, 12, 0)]  # PI 3 now 19 May
    assert [r.due_at for r in cancelled] == [utc(2025, 5, 5, 0)]
    assert stats.cancelled > 0 and stats.inserted > 0


@pytest.mark.parametrize("state", ["left_at", "blocked_at"])
async def test_leaving_or_blocking_cancels_theirs_and_their_mentors_copies(db, plan_content, state):
    _, pp, cgps = await _group(db, {})
    async with db.session() as s:
        s.add(Event(kind="rpp_submit", number=0, person_id=cgps[0].id, on_date=date(2025, 5, 20)))
    clock = FrozenClock(utc(2025, 5, 10))
    async with db.session() as s:
        await plan(s, plan_content, clock)
        setattr(await s.get(Person, cgps[0].id), state, clock.now())
    async with db.session() as s:
        await plan(s, plan_content, clock)
        assert await rows(s, rule_id="rpp_submit") == []
        assert len(await rows(s, status=OutboxStatus.cancelled, rule_id="rpp_submit")) == 6
        setattr(await s.get(Person, cgps[0].id), state, None)
    async with db.session() as s:  # back on the roster, or unblocked: their reminders are back
        stats = await plan(s, plan_content, clock)
        assert len(await rows(s, rule_id="rpp_submit")) == 6 and stats.updated


async def test_removing_a_person_cancels_their_mentors_copies(db, plan_content):
    _, pp, cgps = await _group(db, {})
    async with db.session() as s:
        s.add(Event(kind="rpp_submit", number=0, person_id=cgps[1].id, on_date=date(2025, 5, 20)))
    clock = FrozenClock(utc(2025, 5, 10))
    async with db.session() as s:
        await plan(s, plan_content, clock)
    async with db.session() as s:
        await s.execute(delete(OutboxMessage).where(OutboxMessage.person_id == cgps[1].id))
        await s.execute(delete(Event).where(Event.person_id == cgps[1].id))
        await s.execute(delete(Person).where(Person.id == cgps[1].id))
    async with db.session() as s:
        await plan(s, plan_content, clock, batch_size=1)
        assert await rows(s, rule_id="rpp_submit", person_id=pp.id) == []


async def test_a_changed_time_zone_moves_pending_rows(db, plan_content):
    _, _, cgps = await _group(db)
    clock = FrozenClock(utc(2025, 5, 1))
    async with db.session() as s:
        await plan(s, plan_content, clock)
        (await s.get(Person, cgps[0].id)).timezone = WIT
    async with db.session() as s:
        stats = await plan(s, plan_content, clock)
        got = await rows(s, rule_id="feedback360_pi3", person_id=cgps[0].id)
    assert [r.due_at for r in got] == [utc(2025, 5, 4, 22)] and stats.updated >= 1


def test_renderer_fills_every_placeholder_content_may_use():
    assert REMINDER_PLACEHOLDERS <= R.PLACEHOLDERS


async def test_every_shipped_rule_renders(db, tmp_path):
    content = load_content(SHIPPED)
    async with db.session() as s:
        pgp, psp = await make_cohort(s, "PGP"), await make_cohort(s, "PSP")
        pp = await make_person(s, "pp", cohort=pgp)
        cgp = await make_person(s, "cgp", cohort=pgp, mentor=pp, timezone=WITA)
        fsp = await make_person(s, "fsp", cohort=psp)
        for role in ("kepsek", "guru", "pengawas"):
            await make_person(s, role, cohort=psp, mentor=fsp, timezone=WIT)
        start = date(2025, 8, 4)
        for lk in content.calendar.lokakarya:
            await set_lokakarya_date(s, pgp, lk.number, start + timedelta(days=28 * lk.number))
        for month in {m.month for m in content.calendar.pmo_months}:
            await set_lokakarya_date(s, psp, month, date(2025 + (month < 8), month, 20), kind="lokakarya_psp")
        for i, kind in enumerate(("rpp_submit", "rpp_return", "rpp_revision", "observation")):
            s.add(Event(kind=kind, number=0, person_id=cgp.id, on_date=start + timedelta(days=90 + 3 * i)))
    rendered = 0
    async with db.session() as s:
        day = utc(2025, 7, 20)
        while day < utc(2026, 8, 1):
            await plan(s, content, FrozenClock(day), horizon_days=30)
            day += timedelta(days=28)
        for row in await rows(s, status=None):
            assert "{" not in row.text, (row.rule_id, row.text)
            rendered += 1
    assert rendered > 0


async def test_a_due_row_the_sender_deferred_is_left_alone(db, plan_content):
    _, _, cgps = await _group(db)
    clock = FrozenClock(utc(2025, 5, 1))
    async with db.session() as s:
        await plan(s, plan_content, clock)
        (row,) = await rows(s, rule_id="feedback360_pi3", person_id=cgps[0].id)
        row.due_at = utc(2025, 5, 5, 3)  # e.g. deferred past the person's quiet hours
    clock.set(utc(2025, 5, 5, 1))
    async with db.session() as s:
        await plan(s, plan_content, clock)
        assert [r.due_at for r in await rows(s, rule_id="feedback360_pi3", person_id=cgps[0].id)] == [utc(2025, 5, 5, 3)]


@pytest.mark.parametrize("batch_size", [1, planner.BATCH_SIZE])
async def test_a_new_mentor_gets_the_copies_and_the_former_one_none(db, plan_content, batch_size):
    async with db.session() as s:
        cohort = await make_cohort(s)
        former = await make_person(s, "pp", cohort=cohort, timezone=WIB, name="Bu Lama")
        new = await make_person(s, "pp", cohort=cohort, timezone=WIB, name="Pak Baru")
        cgp = await make_person(s, "cgp", cohort=cohort, mentor=former, timezone=WIB)
        s.add(Event(kind="rpp_submit", number=0, person_id=cgp.id, on_date=date(2025, 5, 20)))
    clock = FrozenClock(utc(2025, 5, 10))
    async with db.session() as s:
        await plan(s, plan_content, clock, batch_size=batch_size)
        assert len(await rows(s, rule_id="rpp_submit", person_id=former.id)) == 3
        (await s.get(Person, cgp.id)).mentor_id = new.id
    async with db.session() as s:
        await plan(s, plan_content, clock, batch_size=batch_size)
        assert await rows(s, rule_id="rpp_submit", person_id=former.id) == []
        assert len(await rows(s, rule_id="rpp_submit", person_id=new.id)) == 3


@pytest.mark.skipif(not os.environ.get("TEST_DATABASE_URL", "").startswith("postgresql"),
                    reason="two planning passes at once need PostgreSQL; on SQLite each holds the write lock throughout")
async def test_a_pass_that_read_the_old_dates_never_undoes_a_date_change_made_meanwhile(db, plan_content, monkeypatch):
    cohort, pp, cgps = await _group(db)
    everyone = [pp.id] + [c.id for c in cgps]
    clock = FrozenClock(utc(2025, 5, 1))
    async with db.session() as s:
        await plan(s, plan_content, clock)
    read_dates = planner.cohort_events
    moved = False

    async def dates_then_a_koordinator_moves_one(session, cohort_ids):
        nonlocal moved
        events = await read_dates(session, cohort_ids)
        if not moved:  # the pass has read the dates; the move commits before it writes
            moved = True
            async with db.session() as other:
                await set_lokakarya_date(other, await other.get(Cohort, cohort.id), 3, date(2025, 5, 26))
                await replan_cohort(other, plan_content, clock, cohort.id)
        return events

    monkeypatch.setattr(planner, "cohort_events", dates_then_a_koordinator_moves_one)
    async with db.session() as s:
        await planner.plan_people(s, plan_content, clock, everyone)
    assert moved
    async with db.session() as s:
        pending = await rows(s, rule_id="feedback360_pi3", person_id=cgps[0].id)
        cancelled = await rows(s, status=OutboxStatus.cancelled, rule_id="feedback360_pi3", person_id=cgps[0].id)
    assert [r.due_at for r in pending] == [utc(2025, 5, 12, 0)]  # the move's rows stand: PI 3 now 19 May
    assert [r.due_at for r in cancelled] == [utc(2025, 5, 5, 0)]

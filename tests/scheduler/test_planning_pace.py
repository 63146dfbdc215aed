"""A process reconciles everyone at first and every RECONCILE_EVERY (rows entering the horizon come then), hands everyone
on every EVERYONE_EVERY; in between it plans only the people whose row changed (and their mentees)."""
from __future__ import annotations

from datetime import date, timedelta

from core.clock import FrozenClock
from program.calendar import set_lokakarya_date
from scheduler.planner import EVERYONE_EVERY, HORIZON_DAYS, RECONCILE_EVERY, Planning
from store.models import Event, OutboxStatus, Person
from tests.factories import make_cohort, make_person
from tests.scheduler.planning_support import WIB, WITA, plan_content, rows, utc  # noqa: F401


async def _group(db):
    """A PP with two CGPs, each with an RPP date on 20 May 2025, and Lokakarya 3 on 19 May."""
    async with db.session() as s:
        cohort = await make_cohort(s)
        pp = await make_person(s, "pp", cohort=cohort, timezone=WIB, name="Bu PP")
        cgps = [await make_person(s, "cgp", cohort=cohort, mentor=pp, timezone=WITA, name=f"CGP {n}") for n in (1, 2)]
        for cgp in cgps:
            s.add(Event(kind="rpp_submit", number=0, person_id=cgp.id, on_date=date(2025, 5, 20)))
        await set_lokakarya_date(s, cohort, 3, date(2025, 5, 19))
    return cohort, pp, cgps


# Changes within COMMIT_MARGIN before a pass are planned again at the next: here the whole test takes seconds.
async def _run(db, content, planning, clock):
    async with db.session() as s:
        return await planning.run(s, content, clock)


async def test_a_changed_person_is_replanned_at_the_next_pass_and_only_they(db, plan_content):
    _, pp, cgps = await _group(db)
    clock, planning = FrozenClock(utc(2025, 5, 10)), Planning(commit_margin=timedelta(0))
    first = await _run(db, plan_content, planning, clock)
    assert first.people == 3 and first.inserted
    async with db.session() as s:
        (await s.get(Person, cgps[0].id)).name = "Ibu Sari"
    clock.set(clock.now() + timedelta(minutes=15))
    stats = await _run(db, plan_content, planning, clock)
    assert stats.people == 1  # not the PP, not the other CGP
    async with db.session() as s:
        mine = await rows(s, rule_id="rpp_submit", person_id=cgps[0].id)
        mentors = [r for r in await rows(s, rule_id="rpp_submit", person_id=pp.id) if r.dedupe_key.split(":")[2] == str(cgps[0].id)]
    assert len(mine) == 3 and all("Ibu Sari" in r.text for r in mine)
    assert len(mentors) == 3 and all("Ibu Sari" in r.text for r in mentors)


async def test_a_mentor_changed_replans_their_mentees(db, plan_content):
    _, pp, cgps = await _group(db)
    clock, planning = FrozenClock(utc(2025, 5, 10)), Planning(commit_margin=timedelta(0))
    await _run(db, plan_content, planning, clock)
    async with db.session() as s:
        (await s.get(Person, pp.id)).name = "Pak Budi"
    clock.set(clock.now() + timedelta(minutes=15))
    stats = await _run(db, plan_content, planning, clock)
    async with db.session() as s:
        copies = await rows(s, rule_id="rpp_submit", person_id=pp.id)
    assert stats.people == 3 and len(copies) == 6 and all(r.text.startswith("Pak Budi") for r in copies)


async def test_a_person_who_left_loses_their_rows_and_their_mentors_copies_at_the_next_pass(db, plan_content):
    _, pp, cgps = await _group(db)
    clock, planning = FrozenClock(utc(2025, 5, 10)), Planning(commit_margin=timedelta(0))
    await _run(db, plan_content, planning, clock)
    async with db.session() as s:
        (await s.get(Person, cgps[1].id)).left_at = clock.now()
    clock.set(clock.now() + timedelta(minutes=15))
    await _run(db, plan_content, planning, clock)
    async with db.session() as s:
        left = {r.dedupe_key for r in await rows(s, status=OutboxStatus.cancelled, rule_id="rpp_submit")}
        kept = await rows(s, rule_id="rpp_submit")
    assert len(left) == 6 and all(key.split(":")[2] == str(cgps[1].id) for key in left)
    assert len(kept) == 6 and all(r.dedupe_key.split(":")[2] == str(cgps[0].id) for r in kept)


async def test_what_touches_no_person_is_reconciled_by_a_new_process_or_the_daily_pass(db, plan_content):
    cohort, _, cgps = await _group(db)
    clock, planning = FrozenClock(utc(2025, 5, 1)), Planning(commit_margin=timedelta(0))
    await _run(db, plan_content, planning, clock)

    async def feedback_days():
        async with db.session() as s:
            return sorted({r.due_at for r in await rows(s, rule_id="feedback360_pi3")})

    await _move_lokakarya_3(db, cohort, date(2025, 5, 26))  # not through services.calendar_dates, which re-plans
    clock.set(clock.now() + timedelta(minutes=15))
    light = await _run(db, plan_content, planning, clock)
    assert light.people == 0 and await feedback_days() == [utc(2025, 5, 4, 23)]  # 07:00 WITA, PI 3 still 12 May
    clock.set(clock.now() + timedelta(minutes=15))
    await _run(db, plan_content, Planning(), clock)  # a restarted process reconciles everyone first
    assert await feedback_days() == [utc(2025, 5, 11, 23)]
    await _move_lokakarya_3(db, cohort, date(2025, 6, 2))
    clock.set(planning.everyone_at + EVERYONE_EVERY)
    handed_on = await _run(db, plan_content, planning, clock)  # everyone to the session guides; planned rows left alone
    assert planning.planned is None and handed_on.people == 0 and await feedback_days() == [utc(2025, 5, 11, 23)]
    clock.set(planning.reconciled_at + RECONCILE_EVERY)
    full = await _run(db, plan_content, planning, clock)
    assert full.people == 3 and await feedback_days() == [utc(2025, 5, 18, 23)]


async def test_rows_entering_the_horizon_are_added_at_the_daily_reconcile(db, plan_content):
    cohort, _, cgps = await _group(db)
    start = utc(2025, 4, 27, 20)  # the reminder at 07:00 WITA on 19 May is 21 days and 3 hours ahead
    clock, planning = FrozenClock(start), Planning(commit_margin=timedelta(0))
    await _move_lokakarya_3(db, cohort, date(2025, 6, 2))  # PI 3 on 26 May, its feedback-360 reminder 7 days before
    await _run(db, plan_content, planning, clock)

    async def feedback():
        async with db.session() as s:
            return await rows(s, rule_id="feedback360_pi3", person_id=cgps[0].id)

    assert await feedback() == []
    for hours in (6, 12, 18):  # passes between, handing everyone on or not: only who changed is planned
        clock.set(start + timedelta(hours=hours) - timedelta(minutes=15))
        await _run(db, plan_content, planning, clock)
        clock.set(start + timedelta(hours=hours))
        await _run(db, plan_content, planning, clock)
    assert await feedback() == []
    clock.set(start + RECONCILE_EVERY)
    stats = await _run(db, plan_content, planning, clock)
    assert [r.due_at for r in await feedback()] == [utc(2025, 5, 18, 23)] and stats.updated == 0
    assert utc(2025, 5, 18, 23) >= clock.now() + timedelta(days=HORIZON_DAYS - 1)  # still some 20 days ahead


async def _move_lokakarya_3(db, cohort, day):
    async with db.session() as s:
        await set_lokakarya_date(s, cohort, 3, day)


async def test_a_change_made_before_a_pass_but_committed_after_it_is_still_seen(db, plan_content):
    _, _, cgps = await _group(db)
    clock, planning = FrozenClock(utc(2025, 5, 10)), Planning()
    await _run(db, plan_content, planning, clock)
    async with db.session() as s:  # changed a minute before that pass began, committed only now
        person = await s.get(Person, cgps[0].id)
        person.name, person.updated_at = "Ibu Sari", planning.looked_at - timedelta(minutes=1)
    clock.set(clock.now() + timedelta(minutes=15))
    await _run(db, plan_content, planning, clock)
    async with db.session() as s:
        assert all("Ibu Sari" in r.text for r in await rows(s, rule_id="rpp_submit", person_id=cgps[0].id))


async def test_passes_seconds_apart_look_back_one_interval_not_the_whole_margin(db, plan_content):
    _, pp, cgps = await _group(db)
    clock, planning = FrozenClock(utc(2025, 5, 10)), Planning()  # the default margin: 5 minutes
    await _run(db, plan_content, planning, clock)
    for person in cgps:
        async with db.session() as s:
            (await s.get(Person, person.id)).name += " Sari"
        clock.set(clock.now() + timedelta(minutes=15))
        stats = await _run(db, plan_content, planning, clock)
    assert stats.people == 2  # the two CGPs changed since the pass before last began, not the PP made before it

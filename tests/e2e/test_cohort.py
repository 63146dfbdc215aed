"""A small cohort simulated end to end (bench.cohort) and judged by the oracle (bench.oracle): no mismatch allowed.

A few dozen people over a compressed calendar (a Lokakarya every 4 days, 52 simulated days), with people who
answer early, late or never, block the bot, leave and join late, a koordinator who moves a date and
broadcasts, 5xx and 429 answers, a hard kill of the bot in the middle of an outbox batch (due from day 30; it
comes with day 41's broadcast: nothing may be lost, and only rows flagged maybe_duplicate may arrive twice) and a
graceful restart (day 45); and a few Sekolah Penggerak people (an FSP, two schools' kepala
sekolah — one sends the monthly PMO update, one never — their guru, one of whom blocks the bot, and a pengawas)
over two PMO months. The bot's send budget is lifted (bench.cohort measures it).
"""
from __future__ import annotations

import asyncio
from datetime import timedelta

from bench import cohort
from bench.oracle import Judgement, Oracle, SimRecord
from core.ratelimit import RateBudget
from scheduler import stops
from services import joining


def unlimited() -> RateBudget:
    """The bot's send budget lifted: its rate only costs real time here (bench.cohort measures it)."""
    return RateBudget(rate=10**9, bulk_rate=10**9, chat_interval=0, min_gap=0)


async def judged(plan: cohort.Plan, db, content, emulator, faults: bool = True
                 ) -> tuple[Judgement, cohort.Figures, SimRecord]:
    sim = cohort.Simulation(plan, db, content, emulator, faults=faults, budget=unlimited(),
                            fault_every_days=15)
    try:
        record = await sim.run()
    finally:
        cohort.use_time_source(None)
    return Oracle(content, plan).judge(record), sim.figures, record


async def simulate(plan: cohort.Plan, db, content, emulator, faults: bool = True) -> list[str]:
    return (await judged(plan, db, content, emulator, faults))[0].mismatches


async def test_a_compressed_cohort_gets_exactly_what_the_rules_say(db, content, emulator):
    plan = cohort.generate(scale=0.0014, compressed=True)
    assert {m.answers for m in plan.members if m.role == "cgp"} == {"early", "late", "never"}
    assert any(m.blocks_at for m in plan.members) and any(m.leaves_at and m.leaves_at < plan.end for m in plan.members)
    # leavers are marked keluar at the koordinator's weekly roster upload, Monday 09:00 WIB
    assert {(m.leaves_at.weekday(), m.leaves_at.hour) for m in plan.members if m.leaves_at} == {(0, 2)}
    assert any(m.joins_at for m in plan.members) and any(m.kendala for m in plan.members)
    assert {m.role for m in plan.members} == {"cgp", "pp", "kepsek", "guru", "pengawas", "fsp"}
    assert {m.answers for m in plan.members if m.role == "kepsek"} == {"early", "never"}
    assert plan.workshops  # one PMO month on its workshop's day, the next on the 1st
    judgement, figures, record = await judged(plan, db, content, emulator)
    assert judgement.mismatches == []
    assert figures.hard_kills == 1 and figures.claimed_at_kills[0] > 0 and figures.restarts == 1
    # the process keeps no growing record: deliveries wait on disk, the emulator forgets what nobody will press
    kept = sum(len(chat.sent) for chat in emulator.world.chats.values())
    assert len(record.deliveries) > 1000 and kept < len(record.deliveries) / 20


async def test_the_oracle_catches_reminders_that_go_on_after_sudah_selesai(db, content, emulator, monkeypatch):
    async def forget(session, content, person, ack) -> bool:
        return True  # a planted bug: "Sudah selesai" is thanked for but neither recorded nor stops anything

    monkeypatch.setattr(stops, "acknowledge", forget)
    plan = cohort.generate(scale=0.0004, compressed=True, days=30)
    mismatches = await simulate(plan, db, content, emulator, faults=False)
    stopped_by_ack = {rule.id for rule in content.rules if rule.stop_on_ack}
    assert mismatches and {m.split()[1] for m in mismatches} <= stopped_by_ack, mismatches
    assert all(m.startswith("unexpected:") for m in mismatches), mismatches


async def test_a_block_is_recorded_and_the_mentor_told_before_the_clock_moves_on(db, content, emulator, monkeypatch):
    """The bot handles the block (my_chat_member) asynchronously, here slowly: the simulation must not jump
    to the next instant (00:00 WIB, the mentor's quiet hours) before the bot has recorded it."""
    handle = joining.membership

    async def slowly(*args, **kwargs) -> None:
        await asyncio.sleep(0.5)
        await handle(*args, **kwargs)

    monkeypatch.setattr(joining, "membership", slowly)
    plan = cohort.generate(scale=0.0004, compressed=True, days=8)
    for m in plan.members:
        m.joins_at = m.blocks_at = m.leaves_at = None
        m.kendala = False
    cgp = next(m for m in plan.members if m.role == "cgp")
    mentor = next(m for m in plan.members if m.external_id == cgp.mentor)
    cgp.blocks_at = cohort.local(plan.start.date() + timedelta(days=1), 20, mentor.zone)
    assert await simulate(plan, db, content, emulator, faults=False) == []


async def test_a_run_asked_to_end_stops_at_the_instant_reached_and_is_judged_up_to_it(db, content, emulator):
    plan = cohort.generate(scale=0.0014, compressed=True)
    whole = plan.end
    sim = cohort.Simulation(plan, db, content, emulator, budget=unlimited())
    sim.end_now()  # as SIGUSR1 does
    try:
        record = await sim.run()
    finally:
        cohort.use_time_source(None)
    assert plan.end < whole - timedelta(days=40)
    assert all(d.at <= plan.end for d in record.deliveries)
    assert Oracle(content, plan).judge(record).mismatches == []


async def test_a_run_asked_to_end_at_a_hard_kill_still_delivers_what_the_dead_bot_left_claimed(db, content, emulator,
                                                                                               monkeypatch):
    plan = cohort.generate(scale=0.0014, compressed=True)
    whole = plan.end
    kill = cohort.Simulation._kill_while_sending

    async def kill_then_end(sim) -> bool:
        killed = await kill(sim)
        if killed:
            sim.end_now()  # SIGUSR1 at the instant of the kill: the restarted bot has yet to take the claims over
        return killed

    monkeypatch.setattr(cohort.Simulation, "_kill_while_sending", kill_then_end)
    judgement, figures, record = await judged(plan, db, content, emulator)
    assert figures.hard_kills == 1 and figures.claimed_at_kills[0] > 0 and plan.end < whole
    assert judgement.mismatches == []

"""An idle outbox sender does no database work, yet wakes at once for rows written here, in other processes,
or falling due."""
from __future__ import annotations

import asyncio
import time
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import create_engine, event, insert, select, text

from core.clock import FrozenClock
from scheduler.sender import OutboxSender
from services.background import OutboxAlarm
from store import outbox
from store.db import sync_url
from store.models import OutboxMessage
from tests.factories import make_person
from tests.scheduler.sendkit import FakeSender, add_row, fast_budget, texts_content

NOON = datetime(2026, 3, 2, 3, 0, tzinfo=timezone.utc)


def statements(db) -> list[str]:
    """Statements this database object runs from now on."""
    seen: list[str] = []
    event.listen(db.engine.sync_engine, "before_cursor_execute", lambda *args: seen.append(args[2]))
    return seen


async def sent_within(fake: FakeSender, count: int, seconds: float) -> float:
    started = time.monotonic()
    while len(fake.calls) < count:
        assert time.monotonic() - started < seconds, f"{len(fake.calls)} of {count} sent after {seconds} s"
        await asyncio.sleep(0.01)
    return time.monotonic() - started


async def test_idle_sender_touches_no_database_and_wakes_for_a_committed_row(db):
    clock = FrozenClock(NOON)
    async with db.session() as s:
        person = await make_person(s)
    fake = FakeSender()
    stop = asyncio.Event()
    sender = OutboxSender(db, fake, texts_content(), clock, fast_budget(), "w1")
    async with sender, OutboxAlarm(db, clock) as alarm:
        task = asyncio.create_task(sender.run(stop, alarm))
        await asyncio.sleep(0.3)  # the first look at the outbox, then idle
        seen = statements(db)
        await asyncio.sleep(1.5)
        assert seen == []
        async with db.session() as s:
            await add_row(s, person, "baru", NOON)
        assert await sent_within(fake, 1, 0.5) < 0.5  # the commit rang the alarm, not a poll
        stop.set()
        await asyncio.wait_for(task, 5)
    assert [c.text for c in fake.calls] == ["pesan baru"]


async def test_a_row_written_by_another_process_wakes_the_sender(db):
    """PostgreSQL notifies (migration 0009's trigger); SQLite's data_version changes. Here: another engine."""
    clock = FrozenClock(NOON)
    async with db.session() as s:
        person = await make_person(s)
    fake = FakeSender()
    stop = asyncio.Event()
    sender = OutboxSender(db, fake, texts_content(), clock, fast_budget(), "w1")
    other = create_engine(sync_url(db.url))
    try:
        async with sender, OutboxAlarm(db, clock) as alarm:
            task = asyncio.create_task(sender.run(stop, alarm))
            await asyncio.sleep(0.3)

            def write() -> None:
                with other.begin() as connection:
                    connection.execute(insert(OutboxMessage.__table__).values(
                        dedupe_key="luar", person_id=person.id, kind="notice", text="dari luar", due_at=NOON))

            await asyncio.to_thread(write)
            assert await sent_within(fake, 1, 2.0) < 2.0  # the safety poll is 50 s away
            stop.set()
            await asyncio.wait_for(task, 5)
    finally:
        other.dispose()
    assert [c.text for c in fake.calls] == ["dari luar"]


async def test_sleeps_until_the_first_row_is_due_by_the_injected_clock(db):
    clock = FrozenClock(NOON)
    async with db.session() as s:
        person = await make_person(s)
        await add_row(s, person, "nanti", NOON + timedelta(hours=2))
    fake = FakeSender()
    stop = asyncio.Event()
    sender = OutboxSender(db, fake, texts_content(), clock, fast_budget(), "w1")
    async with sender, OutboxAlarm(db, clock) as alarm:
        task = asyncio.create_task(sender.run(stop, alarm))
        await asyncio.sleep(0.3)
        assert fake.calls == []
        seen = statements(db)
        clock.set(NOON + timedelta(hours=1))  # not yet: a look, and back to sleep
        await asyncio.sleep(0.3)
        assert fake.calls == [] and seen
        clock.set(NOON + timedelta(hours=2))
        await sent_within(fake, 1, 0.5)
        stop.set()
        await asyncio.wait_for(task, 5)


async def test_the_safety_poll_rings_even_when_nobody_announced_anything(db):
    clock = FrozenClock(NOON)
    async with OutboxAlarm(db, clock, safety_poll=0.3) as alarm:
        assert alarm.ringing()  # nothing looked at yet
        await asyncio.sleep(0.3)  # PostgreSQL: LISTEN started (that rings too)
        alarm.reset()
        alarm.set_for(None)
        assert not alarm.ringing()
        started = time.monotonic()
        await alarm.wait(5.0)
        assert alarm.ringing() and 0.25 <= time.monotonic() - started < 1.0


async def test_postgresql_listens_again_after_its_connection_dropped(db, monkeypatch):
    if db.is_sqlite:
        pytest.skip("LISTEN/NOTIFY is PostgreSQL's; SQLite's data_version needs no connection of its own")
    monkeypatch.setattr(outbox, "RELISTEN_PAUSE", 0.1)
    clock = FrozenClock(NOON)
    async with OutboxAlarm(db, clock) as alarm:
        await asyncio.sleep(0.5)
        async with db.session() as s:
            await s.execute(text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                                 "WHERE query = 'LISTEN outbox' AND pid <> pg_backend_pid()"))
        await asyncio.sleep(1.0)  # listening again
        alarm.reset()
        alarm.set_for(None)
        other = create_engine(sync_url(db.url))
        try:
            await asyncio.to_thread(_notify_from, other)
        finally:
            other.dispose()
        await alarm.wait(2.0)
        assert alarm.ringing()


def _notify_from(engine) -> None:
    with engine.begin() as connection:
        connection.execute(text("NOTIFY outbox"))


async def test_an_alarm_left_behind_by_a_closed_loop_does_not_break_a_commit(db):
    """A process's alarm that was never closed (its loop ended first) must not fail other units of work's commits."""
    clock = FrozenClock(NOON)

    async def forgotten() -> None:
        await OutboxAlarm(db, clock, safety_poll=3600).__aenter__()  # never exited

    await asyncio.to_thread(asyncio.run, forgotten())
    async with db.session() as s:
        person = await make_person(s)
    async with db.session() as s:  # its commit rings every alarm of this process
        await add_row(s, person, "baru", NOON)
    clock.set(NOON + timedelta(minutes=1))  # so does moving the clock
    async with db.session() as s:
        assert [r.text for r in (await s.scalars(select(OutboxMessage))).all()] == ["pesan baru"]


async def test_a_failing_written_callback_fails_neither_the_commit_nor_the_other_callbacks(db, caplog):
    async with db.session() as s:
        person = await make_person(s)
    rung: list[str] = []

    def broken() -> None:
        raise RuntimeError("a closed alarm")

    undo = [outbox.on_written(broken), outbox.on_written(lambda: rung.append("rung"))]
    try:
        async with db.session() as s:
            await add_row(s, person, "baru", NOON)
    finally:
        for u in undo:
            u()
    assert rung == ["rung"]
    assert "outbox-written callback failed" in caplog.text
    async with db.session() as s:
        assert await s.scalar(select(OutboxMessage.text)) == "pesan baru"

"""Crash safety: a SIGKILL mid-drain loses nothing, a restart resumes at once and repeats at most the rows
in flight, each marked maybe_duplicate; on PostgreSQL live senders never take each other's claims."""
from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
from collections import Counter
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from sqlalchemy import func, select, text, update

from core.clock import FrozenClock
from scheduler.sender import OutboxSender
from store.db import Database
from store.models import OutboxMessage, OutboxStatus, Person
from tests.scheduler.sendkit import FakeSender, fast_budget, texts_content

ROOT = Path(__file__).resolve().parents[2]
CONTENT = texts_content()
BATCH = 10

CHILD = """
import asyncio, os, sys
from core.clock import SystemClock
from core.ratelimit import RateBudget
from scheduler.sender import OutboxSender
from store.db import Database
from tests.scheduler.sendkit import texts_content

class FileSender:
    def __init__(self, path):
        self.out = open(path, "a", buffering=1)

    async def send_text(self, chat_id, text, buttons, silent, paid=False):
        await asyncio.sleep(0.003)
        self.out.write(text + "\\n")
        self.out.flush()
        os.fsync(self.out.fileno())
        return chat_id

    async def send_attachment(self, chat_id, attachment, silent, paid=False):
        raise AssertionError("no attachments here")

async def main(url, path):
    budget = RateBudget(rate=10_000, bulk_rate=10_000, chat_interval=0, min_gap=0)
    async with OutboxSender(Database(url), FileSender(path), texts_content(), SystemClock(), budget, "child",
                            batch_size=%d) as sender:
        await sender.drain_once()

asyncio.run(main(sys.argv[1], sys.argv[2]))
""" % BATCH


async def fill(db: Database, n: int, due: datetime) -> None:
    async with db.session() as s:
        await s.execute(Person.__table__.insert(), [
            {"id": i + 1, "name": f"P{i}", "role": "cgp", "tg_user_id": 500_000 + i, "tg_chat_id": 500_000 + i,
             "external_id": f"E{i}"} for i in range(n)])
        await s.execute(OutboxMessage.__table__.insert(), [
            {"dedupe_key": f"k{i}", "person_id": i + 1, "kind": "broadcast", "text": f"row {i}",
             "due_at": due, "respect_quiet_hours": False} for i in range(n)])


async def statuses(db: Database) -> Counter:
    async with db.session() as s:
        return Counter({OutboxStatus(k): v for k, v in (await s.execute(
            select(OutboxMessage.status, func.count()).group_by(OutboxMessage.status))).all()})


async def test_sigkill_mid_drain_loses_nothing_and_repeats_only_in_flight(db, database_url, tmp_path):
    total = 400
    started = datetime.now(timezone.utc)
    await fill(db, total, started - timedelta(minutes=1))
    log = tmp_path / "sent.txt"
    log.touch()
    child = subprocess.Popen([sys.executable, "-c", CHILD, database_url, str(log)], cwd=ROOT,
                             env={**os.environ, "PYTHONPATH": str(ROOT)})
    deadline = time.monotonic() + 30
    while len(log.read_text().splitlines()) < 120 and child.poll() is None and time.monotonic() < deadline:
        await asyncio.sleep(0.005)
    child.send_signal(signal.SIGKILL)
    child.wait()
    before = log.read_text().splitlines()
    counts = await statuses(db)
    assert 120 <= len(before) < total, "the child must die half-way"
    # Every row marked sent was really sent; sent-but-unmarked rows are at most two batches.
    assert counts[OutboxStatus.sent] <= len(set(before))
    assert len(set(before)) - counts[OutboxStatus.sent] <= 2 * BATCH
    assert counts[OutboxStatus.sending] <= 3 * BATCH

    # A restart takes the dead sender's claims over at once (before: after a 120 s lease).
    fake = FakeSender()
    async with OutboxSender(db, fake, CONTENT, FrozenClock(datetime.now(timezone.utc)), fast_budget(), "restart") as restarted:
        await restarted.drain_once()
    after = [c.text for c in fake.calls]
    assert await statuses(db) == Counter({OutboxStatus.sent: total})
    everything = Counter(before + after)
    assert set(everything) == {f"row {i}" for i in range(total)}  # nothing lost
    twice = {text for text, n in everything.items() if n > 1}
    assert len(twice) <= 2 * BATCH  # only what was in flight at the kill
    assert len(after) == len(set(after))
    async with db.session() as s:
        flagged = set((await s.execute(select(OutboxMessage.text).where(OutboxMessage.maybe_duplicate))).scalars())
    assert twice <= flagged, "every copy is counted"
    assert len(flagged) == counts[OutboxStatus.sending] <= 3 * BATCH


@pytest.mark.skipif(not os.environ.get("TEST_DATABASE_URL", "").startswith("postgresql"),
                    reason="concurrent senders need PostgreSQL (SKIP LOCKED); SQLite runs one sender")
async def test_live_senders_on_postgresql_keep_their_claims_and_a_dead_ones_are_taken_at_once(db, database_url):
    total = 600
    now = datetime.now(timezone.utc)
    await fill(db, total, now - timedelta(minutes=1))
    async with db.session() as s:  # claims of a sender that died: nobody holds its lock
        await s.execute(update(OutboxMessage).where(OutboxMessage.id <= 20).values(
            status=OutboxStatus.sending, claimed_by="host:1:dead", claimed_at=now))
    other = Database(database_url)
    fakes = [FakeSender(delay=0.002), FakeSender(delay=0.002)]
    senders = [OutboxSender(database, fake, CONTENT, FrozenClock(now), fast_budget(), f"w{i}", batch_size=7)
               for i, (database, fake) in enumerate(zip((db, other), fakes))]
    watcher = OutboxSender(other, FakeSender(), CONTENT, FrozenClock(now), fast_budget(), "watcher")
    try:
        async with senders[0], senders[1], watcher:
            assert (await statuses(db))[OutboxStatus.sending] == 0  # the dead one's, taken at the first start
            draining = asyncio.gather(*(s.drain_once() for s in senders))
            stolen = seen_claimed = 0
            while not draining.done():  # a live third sender looks for dead claimers all along
                seen_claimed += (await statuses(db))[OutboxStatus.sending] > 0
                stolen += await watcher.recover()
            results = await draining
    finally:
        await other.dispose()
    assert stolen == 0 and seen_claimed > 10
    texts = [c.text for fake in fakes for c in fake.calls]
    assert len(texts) == total and len(set(texts)) == total
    assert all(len(fake.calls) > total // 10 for fake in fakes), "both senders took part"
    assert sum(r.sent for r in results) == total
    assert await statuses(db) == Counter({OutboxStatus.sent: total})
    async with db.session() as s:
        flagged = (await s.execute(select(OutboxMessage.id).where(OutboxMessage.maybe_duplicate))).scalars().all()
    assert sorted(flagged) == list(range(1, 21))


@pytest.mark.skipif(not os.environ.get("TEST_DATABASE_URL", "").startswith("postgresql"),
                    reason="the claimer lock exists on PostgreSQL only")
async def test_a_sender_whose_lock_connection_dies_takes_a_new_lock(db):
    async def advisory_holders() -> list[int]:
        async with db.session() as s:
            return list((await s.execute(text(
                "SELECT pid FROM pg_locks WHERE locktype = 'advisory' AND granted AND pid <> pg_backend_pid() "
                "AND database = (SELECT oid FROM pg_database WHERE datname = current_database())"))).scalars())

    async with OutboxSender(db, FakeSender(), CONTENT, FrozenClock(datetime.now(timezone.utc)), fast_budget(),
                            "w") as sender:
        [holder] = await advisory_holders()
        async with db.session() as s:  # e.g. the database restarted
            await s.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": holder})
        while holder in await advisory_holders():
            await asyncio.sleep(0.01)
        await sender.recover()
        [new_holder] = await advisory_holders()
        assert new_holder != holder and sender.worker_id != "w"

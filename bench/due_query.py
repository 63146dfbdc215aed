"""Benchmark: the due-row query over a large outbox, and process memory at 10k vs N pending rows.

    .venv/bin/python -m bench.due_query [--rows 1000000] [--database-url URL ...]

For each database (default: a temporary SQLite file and postgresql://postgres@127.0.0.1:5432/test_sched,
whose schema is DROPPED and recreated) it migrates an empty schema, adds a cohort of people with
Lokakarya dates, then:
1. fills the outbox with 10,000 pending rows and measures RSS while planning and draining;
2. fills it up to --rows pending rows (COPY on PostgreSQL, one transaction on SQLite), checks with
   EXPLAIN that the due-row query uses the partial index ix_outbox_pending_due, times it
   (median / p95 over --samples runs, plain and as the sender issues it) and measures RSS again.
"Draining" here is the database side of the sender: take 50 due ids, mark them sent, repeat.
"""
from __future__ import annotations

import argparse
import asyncio
import gc
import io
import logging
import random
import sqlite3
import statistics
import tempfile
import time
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

import psutil
import psycopg
from sqlalchemy import make_url, text
from sqlalchemy import update as sql_update

from core.clock import FrozenClock
from core.content.loader import load_content
from core.settings import SHIPPED_CONTENT_DIR
from program.calendar import set_lokakarya_date
from store.outbox import OUTBOX
from scheduler.planner import plan
from scheduler.sender import due_rows_query
from store.db import Database, sync_url
from store.migrate import recreate
from store.models import Cohort, OutboxStatus, Person, Role

DEFAULT_PG = "postgresql://postgres@127.0.0.1:5432/test_sched"
DUE_QUERY = "SELECT id FROM outbox WHERE status = 'pending' AND due_at <= :now ORDER BY due_at LIMIT 50"
NOW = datetime(2025, 5, 1, tzinfo=timezone.utc)
PEOPLE = 2_000  # planned over each time; a PP for every 10 CGPs
DUE_SHARE = 0.02  # rows already due at NOW; the rest spread over the next 60 days
SMALL = 10_000
DRAIN_BATCHES = 40


def rss_mb() -> float:
    return psutil.Process().memory_info().rss / 2**20


async def add_people(db: Database) -> list[int]:
    """A cohort of PEOPLE joined people with Lokakarya dates around NOW; return their ids."""
    async with db.session() as s:
        cohort = Cohort(code="BENCH", name="Bench")
        s.add(cohort)
        await s.flush()
        pps = [Person(name=f"PP {i}", role=Role.pp, cohort_id=cohort.id, tg_user_id=10**6 + i, tg_chat_id=10**6 + i)
               for i in range(PEOPLE // 11)]
        s.add_all(pps)
        await s.flush()
        s.add_all(Person(name=f"CGP {i}", role=Role.cgp, cohort_id=cohort.id, mentor_id=pps[i % len(pps)].id,
                         timezone=("Asia/Jakarta", "Asia/Makassar", "Asia/Jayapura")[i % 3],
                         tg_user_id=2 * 10**6 + i, tg_chat_id=2 * 10**6 + i)
                  for i in range(PEOPLE - len(pps)))
        for number in range(0, 8):
            await set_lokakarya_date(s, cohort, number, date(2025, 5, 10) + timedelta(days=28 * (number - 2)))
    async with db.session() as s:
        return list((await s.execute(text("SELECT id FROM people ORDER BY id"))).scalars())


def _fake_rows(start: int, count: int, people: list[int]):
    rng = random.Random(start)
    created = NOW.replace(tzinfo=None).isoformat(sep=" ")
    for i in range(start, start + count):
        if rng.random() < DUE_SHARE:
            due = NOW - timedelta(minutes=rng.randrange(1, 600))
        else:
            due = NOW + timedelta(seconds=rng.randrange(1, 60 * 86400))
        yield (f"bench:{i}", rng.choice(people), "reminder", "Pengingat uji", due, created)


def fill(url: str, start: int, count: int, people: list[int]) -> float:
    """Insert `count` pending rows in bulk; return seconds taken."""
    began = time.perf_counter()
    if make_url(url).get_backend_name() == "postgresql":
        with psycopg.connect(sync_url(url).set(drivername="postgresql").render_as_string(hide_password=False)) as conn:
            with conn.cursor() as cur, cur.copy(
                "COPY outbox (dedupe_key, person_id, kind, text, due_at, created_at, silent, respect_quiet_hours, status, attempts)"
                " FROM STDIN"
            ) as copy:
                for key, person, kind, body, due, created in _fake_rows(start, count, people):
                    copy.write_row((key, person, kind, body, due, created + "+00", False, True, "pending", 0))
            conn.execute("ANALYZE outbox")
    else:
        conn = sqlite3.connect(make_url(url).database)
        with conn:
            conn.executemany(
                "INSERT INTO outbox (dedupe_key, person_id, kind, text, due_at, created_at, silent, respect_quiet_hours, status, attempts)"
                " VALUES (?, ?, ?, ?, ?, ?, 0, 1, 'pending', 0)",
                ((k, p, kind, body, due.replace(tzinfo=None).isoformat(sep=" "), created)
                 for k, p, kind, body, due, created in _fake_rows(start, count, people)),
            )
        conn.execute("ANALYZE")
        conn.close()
    return time.perf_counter() - began


async def explain(db: Database) -> str:
    async with db.session() as s:
        if db.is_sqlite:
            rows = await s.execute(text("EXPLAIN QUERY PLAN " + DUE_QUERY), {"now": NOW.replace(tzinfo=None).isoformat(sep=" ")})
            return " | ".join(str(r[-1]) for r in rows)
        rows = await s.execute(text("EXPLAIN " + DUE_QUERY), {"now": NOW})
        return " | ".join(r[0].strip() for r in rows)


async def time_query(db: Database, samples: int, sender: bool) -> tuple[float, float]:
    """Median and p95 milliseconds of the due query (plain, or the sender's own with its join and lock)."""
    now_param = NOW.replace(tzinfo=None).isoformat(sep=" ") if db.is_sqlite else NOW
    timings = []
    async with db.session() as s:
        for _ in range(samples):
            began = time.perf_counter()
            if sender:
                ids = (await s.execute(due_rows_query(NOW, 50))).scalars().all()
            else:
                ids = (await s.execute(text(DUE_QUERY), {"now": now_param})).scalars().all()
            timings.append((time.perf_counter() - began) * 1000)
            assert len(ids) == 50, len(ids)
        await s.rollback()
    timings.sort()
    return statistics.median(timings), timings[int(len(timings) * 0.95) - 1]


async def plan_and_drain(db: Database, content) -> tuple[float, int, float]:
    """Plan once, then drain DRAIN_BATCHES batches of 50 due rows; return peak RSS (MB), rows drained, plan seconds."""
    gc.collect()
    peak = rss_mb()
    began = time.perf_counter()
    async with db.session() as s:
        await plan(s, content, FrozenClock(NOW))
    planning = time.perf_counter() - began
    peak = max(peak, rss_mb())
    drained = 0
    for _ in range(DRAIN_BATCHES):
        async with db.session() as s:
            ids = (await s.execute(due_rows_query(NOW, 50))).scalars().all()
            if not ids:
                break
            await s.execute(sql_update(OUTBOX).where(OUTBOX.c.id.in_(ids)).values(status=OutboxStatus.sent.value, sent_at=NOW))
            drained += len(ids)
        peak = max(peak, rss_mb())
    return peak, drained, planning


async def run(url: str, rows: int, samples: int, content) -> None:
    name = make_url(url).get_backend_name()
    recreate(url)
    db = Database(url)
    try:
        people = await add_people(db)
        seconds = fill(url, 0, SMALL, people)
        small_rss, small_drained, small_plan = await plan_and_drain(db, content)
        if rows > SMALL:
            seconds += fill(url, SMALL, rows - SMALL, people)
        plan_text = await explain(db)
        plain = await time_query(db, samples, sender=False)
        sender = await time_query(db, samples, sender=True)
        big_rss, big_drained, big_plan = await plan_and_drain(db, content)
        async with db.session() as s:
            pending = await s.scalar(text("SELECT count(*) FROM outbox WHERE status = 'pending'"))
    finally:
        await db.dispose()
    uses_index = "ix_outbox_pending_due" in plan_text
    print(f"\n== {name}: {rows:,} rows inserted in {seconds:.1f} s; {pending:,} pending after planning and draining")
    print(f"   EXPLAIN: {plan_text}")
    print(f"   partial index ix_outbox_pending_due used: {'yes' if uses_index else 'NO'}")
    print(f"   due query (plain)   median {plain[0]:.2f} ms   p95 {plain[1]:.2f} ms   ({samples} runs, goal < 50 ms)")
    print(f"   due query (sender)  median {sender[0]:.2f} ms   p95 {sender[1]:.2f} ms")
    print(f"   peak RSS planning {PEOPLE:,} people + draining: {small_rss:.1f} MB at {SMALL:,} rows "
          f"({small_drained} drained) vs {big_rss:.1f} MB at {rows:,} rows ({big_drained} drained)")
    print(f"   plan() over {PEOPLE:,} people: {small_plan:.2f} s at {SMALL:,} rows, {big_plan:.2f} s at {rows:,} rows")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--samples", type=int, default=200)
    parser.add_argument("--database-url", action="append", help="repeatable; default: a temp SQLite file and " + DEFAULT_PG)
    parser.add_argument("--content", type=Path, default=SHIPPED_CONTENT_DIR)
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    content = load_content(args.content)
    with tempfile.TemporaryDirectory() as tmp:
        urls = args.database_url or [f"sqlite:///{tmp}/due_query.db", DEFAULT_PG]
        for url in urls:
            asyncio.run(run(url, args.rows, args.samples, content))


if __name__ == "__main__":
    main()

"""Units of work on SQLite queue in the process and hold the write lock from their first statement."""
from __future__ import annotations

import asyncio
import sqlite3

import pytest
from sqlalchemy import make_url, select, text

from store import db as store_db
from store.db import WRITE_LOCKED, Database
from store.models import Cohort


async def test_sqlite_units_of_work_run_one_after_another(db: Database):
    if not db.is_sqlite:
        pytest.skip("SQLite only")
    order: list[str] = []

    async def unit(name: str) -> None:
        async with db.session() as session:
            assert session.info.get(WRITE_LOCKED)
            order.append(f"{name} in")
            await session.execute(select(Cohort.id))
            await asyncio.sleep(0.05)
            order.append(f"{name} out")

    await asyncio.gather(unit("a"), unit("b"), unit("c"))
    assert order == ["a in", "a out", "b in", "b out", "c in", "c out"]


async def test_postgresql_units_of_work_overlap(db: Database):
    if db.is_sqlite:
        pytest.skip("PostgreSQL only")
    inside = 0
    most = 0

    async def unit() -> None:
        nonlocal inside, most
        async with db.session() as session:
            assert not session.info.get(WRITE_LOCKED)
            inside += 1
            most = max(most, inside)
            await session.execute(select(Cohort.id))
            await asyncio.sleep(0.05)
            inside -= 1

    await asyncio.gather(*(unit() for _ in range(3)))
    assert most == 3



async def test_postgresql_replaces_a_pooled_connection_the_server_dropped_while_it_idled(db: Database, monkeypatch):
    if db.is_sqlite:
        pytest.skip("PostgreSQL only")
    async with db.session() as session:
        dropped = await session.scalar(text("SELECT pg_backend_pid()"))
    other = Database(db.url)
    async with other.session() as session:
        await session.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": dropped})
    await other.dispose()
    monkeypatch.setattr(store_db, "PING_AFTER_IDLE", 0.0)  # as if it had idled that long
    async with db.session() as session:
        assert await session.scalar(text("SELECT pg_backend_pid()")) not in (None, dropped)


async def test_sqlite_waits_for_another_process_s_write_lock_without_blocking_the_event_loop(db: Database):
    if not db.is_sqlite:
        pytest.skip("SQLite only")
    other = sqlite3.connect(make_url(db.url).database, isolation_level=None)  # as another process would
    other.execute("BEGIN IMMEDIATE")
    entered = asyncio.Event()

    async def unit() -> None:
        async with db.session() as session:
            entered.set()
            await session.execute(select(Cohort.id))

    waiting = asyncio.create_task(unit())
    for _ in range(5):  # the loop runs on while the unit of work waits for the lock in aiosqlite's thread
        await asyncio.sleep(0.02)
    assert not entered.is_set()
    other.execute("COMMIT")
    other.close()
    await asyncio.wait_for(waiting, 5)
    assert entered.is_set()

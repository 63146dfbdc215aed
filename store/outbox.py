"""The outbox's one row writer: insert rows idempotently, park rows of unreachable people, wake them again;
and the signal that rows were written, so an idle sender sleeps until then.

In this process, a committed unit of work that inserted outbox rows (or woke parked ones) calls the
callbacks given to `on_written`. Other processes' writes arrive through `watch_other_writers`: LISTEN on
PostgreSQL (migration 0009's trigger notifies the channel), `PRAGMA data_version` polled on SQLite.
"""
from __future__ import annotations

import asyncio
import logging
import sqlite3
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

import psycopg
from sqlalchemy import event, exists, func, select, text, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import ORMExecuteState, Session

from store.db import Database
from store.models import OutboxMessage, OutboxStatus, Person

log = logging.getLogger(__name__)

OUTBOX = OutboxMessage.__table__
# A query a partial index (WHERE status = '…') can answer states that one status, written out as the index states it.
PENDING = text("outbox.status = 'pending'")
SENDING = text("outbox.status = 'sending'")
PEOPLE = Person.__table__
PARK_BATCH = 1000
WAKE_STALE = timedelta(days=3)  # parked reminders and broadcasts older than this are dropped on waking
_INSERT_NEW = {name: insert(OUTBOX).on_conflict_do_nothing(index_elements=["dedupe_key"]).returning(OUTBOX.c.id)
               for name, insert in (("postgresql", postgresql.insert), ("sqlite", sqlite.insert))}
CHANNEL = "outbox"  # migration 0009's trigger notifies it
WRITTEN = "outbox_written"  # session.info key: this unit of work wrote rows a sender should look at
DATA_VERSION_POLL = 1.0  # seconds between SQLite's PRAGMA data_version checks (microseconds each)
RELISTEN_PAUSE = 5.0  # seconds before listening again after PostgreSQL's connection dropped
_written_callbacks: set[Callable[[], None]] = set()


async def insert_rows(session: AsyncSession, rows: list[dict[str, Any]]) -> int:
    """Insert outbox rows (dicts with the same columns), skipping existing dedupe keys; return how many were new."""
    if not rows:
        return 0
    # One prebuilt statement (no per-call compile); SQLAlchemy sends many rows as multi-row INSERTs.
    result = await session.execute(_INSERT_NEW[session.get_bind().dialect.name], rows)
    return len(result.all())


async def park_unreachable(session: AsyncSession, now: datetime) -> int:
    """Move due rows of people who cannot be reached out of the pending index, so claims never wade through them."""
    o = OUTBOX.alias("o")
    stuck = (
        select(o.c.id)
        .join(PEOPLE, PEOPLE.c.id == o.c.person_id)
        .where(text("o.status = 'pending'"), o.c.due_at <= now, ~Person.reachable)
        .limit(PARK_BATCH)
        .with_for_update(skip_locked=True, of=o)
    )
    result = await session.execute(update(OUTBOX).where(OUTBOX.c.id.in_(stuck)).values(status=OutboxStatus.waiting))
    return result.rowcount


async def wake_rows(session: AsyncSession, person_id: int, now: datetime, stale_after: timedelta = WAKE_STALE) -> int:
    """The person can be reached again: their parked summaries go out, other parked rows only if still recent."""
    waiting = (OUTBOX.c.person_id == person_id) & (OUTBOX.c.status == OutboxStatus.waiting.value)
    await session.execute(
        update(OUTBOX).where(waiting, OUTBOX.c.kind != "summary", OUTBOX.c.due_at < now - stale_after)
        .values(status=OutboxStatus.cancelled, last_error="stale while the person was unreachable")
    )
    result = await session.execute(update(OUTBOX).where(waiting).values(status=OutboxStatus.pending))
    if result.rowcount:
        mark_written(session)
    return result.rowcount


async def any_due(session: AsyncSession, now: datetime) -> bool:
    """Whether rows are due and not delivered yet (pending or being sent): each part answered by its partial index
    (one condition on both statuses read the whole outbox)."""
    for status in (PENDING, SENDING):
        if await session.scalar(select(exists().where(status, OUTBOX.c.due_at <= now))):
            return True
    return False


async def earliest_pending(session: AsyncSession) -> datetime | None:
    """When the first pending row is due (the partial index on pending rows answers it)."""
    return await session.scalar(select(func.min(OUTBOX.c.due_at)).where(text("outbox.status = 'pending'")))


def mark_written(session: AsyncSession | Session) -> None:
    """Wake the senders once this unit of work commits."""
    session.info[WRITTEN] = True


def on_written(callback: Callable[[], None]) -> Callable[[], None]:
    """Call `callback` after each commit in this process that wrote outbox rows; return the unsubscribe."""
    _written_callbacks.add(callback)
    return lambda: _written_callbacks.discard(callback)


@event.listens_for(Session, "do_orm_execute")
def _on_execute(state: ORMExecuteState) -> None:
    if state.is_insert and getattr(state.statement, "table", None) is OUTBOX:
        mark_written(state.session)


@event.listens_for(Session, "after_flush")
def _on_flush(session: Session, _context: object) -> None:
    if any(isinstance(obj, OutboxMessage) for obj in session.new):
        mark_written(session)


@event.listens_for(Session, "after_commit")
def _on_commit(session: Session) -> None:
    """The commit is done: a failing callback must neither fail the committer nor keep the others from ringing."""
    if session.info.pop(WRITTEN, False):
        for callback in list(_written_callbacks):
            try:
                callback()
            except Exception:
                log.exception("an outbox-written callback failed")


@event.listens_for(Session, "after_rollback")
def _on_rollback(session: Session) -> None:
    session.info.pop(WRITTEN, None)


async def watch_other_writers(db: Database, wake: Callable[[], None]) -> None:
    """Call `wake` whenever another connection may have written the outbox; runs until cancelled."""
    if db.is_sqlite:
        await _watch_data_version(make_url(db.url).database, wake)
    else:
        await _listen(db.engine.url.set(drivername="postgresql").render_as_string(hide_password=False), wake)


async def _watch_data_version(path: str | None, wake: Callable[[], None]) -> None:
    """SQLite: a commit by any other connection changes this connection's data_version (a cheap read)."""
    if not path or path == ":memory:":
        return  # no other connection can see it
    connection = sqlite3.connect(path)
    try:
        seen = connection.execute("PRAGMA data_version").fetchone()[0]
        while True:
            await asyncio.sleep(DATA_VERSION_POLL)
            version = connection.execute("PRAGMA data_version").fetchone()[0]
            if version != seen:
                seen = version
                wake()
    finally:
        connection.close()


async def _listen(conninfo: str, wake: Callable[[], None]) -> None:
    """PostgreSQL: LISTEN on the outbox channel on a connection of its own, listening again after a drop."""
    while True:
        try:
            async with await psycopg.AsyncConnection.connect(conninfo, autocommit=True) as connection:
                await connection.execute(f"LISTEN {CHANNEL}")
                wake()  # rows written while nobody listened
                await _notifications(connection, wake)
        except psycopg.Error as exc:
            log.warning("outbox LISTEN connection lost (%s); listening again in %.0f s", type(exc).__name__,
                        RELISTEN_PAUSE)
        wake()
        await asyncio.sleep(RELISTEN_PAUSE)


async def _notifications(connection: psycopg.AsyncConnection, wake: Callable[[], None]) -> None:
    """Wake on each batch of notifications, reading only when the socket has data.

    (psycopg's own `notifies()` looks at the socket ten times a second: most of an idle bot's CPU.)
    """
    pgconn = connection.pgconn
    readable = asyncio.Event()
    loop = asyncio.get_running_loop()
    loop.add_reader(pgconn.socket, readable.set)
    try:
        while True:
            await readable.wait()
            readable.clear()
            pgconn.consume_input()  # raises once the connection is gone
            notified = False
            while pgconn.notifies() is not None:
                notified = True
            if notified:
                wake()
    finally:
        loop.remove_reader(pgconn.socket)

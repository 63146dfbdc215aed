"""Who holds the outbox's claimed rows, and taking over at once the claims of a sender that died.

Each start of a sender process has its own worker id (host:pid:random), written into the rows it claims.
- PostgreSQL: a sender holds a session-level advisory lock on its worker id for its whole life, on a
  connection of its own. PostgreSQL ends a dead client's session, and so frees its lock, as soon as its
  socket closes (a SIGKILL included). A row in 'sending' whose claimer's lock is free belongs to a dead
  sender and goes back to pending; the claims of live senders are never taken.
- SQLite supports ONE sender per database file (the bot's own drain job; `send-outbox` refuses SQLite):
  when that sender starts, every row in 'sending' was claimed by an earlier process and goes back to pending.
Rows taken over are marked maybe_duplicate: the dead sender may have sent them just before it died.
"""
from __future__ import annotations

import logging
import os
import secrets
import socket

from sqlalchemy import func, or_, select, text, true, update
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

from store.db import Database
from store.models import OutboxMessage, OutboxStatus
from store.outbox import SENDING

log = logging.getLogger(__name__)

OUTBOX = OutboxMessage.__table__
LOCK_NAMESPACE = 0x50454E44  # "PEND": the first key of pg_advisory_lock(int, int); the second is hashtext(worker id)


def new_worker_id(role: str = "") -> str:
    """An id for this start of this process (pids are reused across restarts and containers)."""
    worker = f"{socket.gethostname()[:30]}:{os.getpid()}:{secrets.token_hex(4)}"
    return f"{worker}:{role}" if role else worker


class ClaimerLock:
    """Proof of life of one sender: an advisory lock on PostgreSQL, nothing on SQLite (one sender)."""

    def __init__(self, db: Database, worker_id: str) -> None:
        self.db, self.worker_id = db, worker_id
        self._connection: AsyncConnection | None = None

    async def acquire(self) -> str:
        """Hold the lock for the sender's life; return the worker id (a new one on a hash collision)."""
        if self.db.is_sqlite or self._connection is not None:
            return self.worker_id
        connection = await self.db.engine.connect()
        try:
            base = self.worker_id
            while not await connection.scalar(
                    text("SELECT pg_try_advisory_lock(:ns, hashtext(:worker))"),
                    {"ns": LOCK_NAMESPACE, "worker": self.worker_id}):
                self.worker_id = f"{base[:55]}:{secrets.token_hex(4)}"  # another live sender's id hashes alike
            await connection.commit()  # the session-level lock outlives the transaction
        except BaseException:
            await connection.close()
            raise
        self._connection = connection
        return self.worker_id

    async def ensure(self) -> str:
        """Check the lock's connection; after losing it (a database restart), take the lock anew under a new id."""
        if self._connection is None:
            return self.worker_id
        try:
            await self._connection.scalar(text("SELECT 1"))
            await self._connection.commit()
        except DBAPIError:
            log.warning("lost the outbox claimer lock of %s; taking a new one", self.worker_id)
            connection, self._connection = self._connection, None
            await connection.invalidate()
            self.worker_id = new_worker_id()
            return await self.acquire()
        return self.worker_id

    async def release(self) -> None:
        if self._connection is None:
            return
        connection, self._connection = self._connection, None
        try:
            await connection.execute(text("SELECT pg_advisory_unlock(:ns, hashtext(:worker))"),
                                     {"ns": LOCK_NAMESPACE, "worker": self.worker_id})
            await connection.commit()
        finally:
            await connection.close()


async def take_over_dead_claims(session: AsyncSession, *, at_start: bool) -> int:
    """Put rows claimed by senders that are gone back to pending, marked maybe_duplicate; return how many.

    SQLite (one sender): at the sender's start every claimed row; later, none. PostgreSQL: the rows of
    every claimer whose advisory lock is free; trying the lock inside this transaction holds it until
    commit, so a claimer found dead stays dead while its rows are requeued.
    """
    if session.get_bind().dialect.name == "sqlite":
        if not at_start:
            return 0
        dead = true()
    else:
        claimers = select(OUTBOX.c.claimed_by.label("worker")).where(SENDING).distinct().subquery()
        dead = or_(OUTBOX.c.claimed_by.is_(None), OUTBOX.c.claimed_by.in_(select(claimers.c.worker).where(
            func.pg_try_advisory_xact_lock(LOCK_NAMESPACE, func.hashtext(claimers.c.worker)))))
    result = await session.execute(
        update(OUTBOX).where(SENDING, dead)
        .values(status=OutboxStatus.pending, claimed_by=None, claimed_at=None, maybe_duplicate=True)
    )
    if result.rowcount:
        log.warning("took over %d outbox rows claimed by a sender that stopped or crashed", result.rowcount)
    return result.rowcount

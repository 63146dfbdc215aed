"""Engines and sessions. DATABASE_URL is given without a driver; we pick the async and sync drivers."""
from __future__ import annotations

import asyncio
import sqlite3
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import aiosqlite

from sqlalchemy import event, exc, text
from sqlalchemy.engine import URL, make_url
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine

from core.settings import normalize_database_url

# asyncpg for the units of work (its protocol in C: fewer CPU cycles a statement than psycopg's async mode);
# psycopg for migrations and the outbox's LISTEN.
ASYNC_DRIVERS = {"sqlite": "sqlite+aiosqlite", "postgresql": "postgresql+asyncpg"}
SYNC_DRIVERS = {"sqlite": "sqlite", "postgresql": "postgresql+psycopg"}
SQLITE_BUSY_TIMEOUT_MS = 30_000
# Seconds to wait for a PostgreSQL server to answer a new connection (libpq waits forever by default).
CONNECT_TIMEOUT = 10
# session.info key: this unit of work took the database write lock before its first statement.
WRITE_LOCKED = "write_locked"
BEGIN_IMMEDIATE = "BEGIN IMMEDIATE"
# Seconds a pooled PostgreSQL connection may have idled before a checkout pings it (see _ping_after_idle).
PING_AFTER_IDLE = 5.0


def _with_driver(url: str, drivers: dict[str, str]) -> URL:
    parsed = make_url(normalize_database_url(url))
    backend = parsed.get_backend_name()
    if backend == "postgresql" and "connect_timeout" not in parsed.query:
        parsed = parsed.update_query_dict({"connect_timeout": str(CONNECT_TIMEOUT)})
    return parsed.set(drivername=drivers[backend])


def async_url(url: str) -> URL:
    parsed = _with_driver(url, ASYNC_DRIVERS)
    if parsed.get_backend_name() == "postgresql":
        # asyncpg takes the timeout as connect(timeout=…) (create_engine) and libpq's sslmode as ssl=.
        if "sslmode" in parsed.query:
            parsed = parsed.update_query_dict({"ssl": parsed.query["sslmode"]})
        parsed = parsed.difference_update_query(["connect_timeout", "sslmode"])
    return parsed


def sync_url(url: str) -> URL:
    return _with_driver(url, SYNC_DRIVERS)


def is_sqlite(url: str) -> bool:
    return make_url(normalize_database_url(url)).get_backend_name() == "sqlite"


def _sqlite_pragmas(foreign_keys: bool):
    def on_connect(dbapi_connection, _record) -> None:
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        cursor.execute(f"PRAGMA foreign_keys={'ON' if foreign_keys else 'OFF'}")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()
    return on_connect


def install_sqlite_pragmas(sync_engine, foreign_keys: bool = True) -> None:
    """WAL, a busy timeout and enforced foreign keys; migrations turn the keys off (see migrations/env.py)."""
    event.listen(sync_engine, "connect", _sqlite_pragmas(foreign_keys))


class _SqliteConnection(aiosqlite.Connection):
    """aiosqlite's connection, whose statements skip the thread hop while they cannot wait.

    aiosqlite runs every call (cursor, execute, fetch, close) in the connection's thread and wakes the
    event loop for each result: ~20 hops for one text answer. Inside a unit of work that holds the
    write lock (BEGIN IMMEDIATE done, see Database.session) no statement waits for a lock, so they run
    right here, as do opening and closing cursors and a rollback with nothing to roll back. BEGIN IMMEDIATE
    runs here too when the lock is free (this process's units of work queue for it in Database.session),
    and goes to the thread to wait only while another process holds it; COMMIT (which may checkpoint the
    WAL and sync) and a real ROLLBACK still go to the thread, as does every statement outside such a
    unit of work.
    """

    write_locked = False

    async def _execute(self, fn, *args, **kwargs):
        if self.write_locked or _never_waits(fn):
            return fn(*args, **kwargs)
        if not _takes_write_lock(fn, args):
            return await super()._execute(fn, *args, **kwargs)
        try:
            result = self._lock_at_once(fn, *args, **kwargs)
        except sqlite3.OperationalError as error:
            if error.sqlite_errorcode & 0xFF != sqlite3.SQLITE_BUSY:  # the primary code of an extended one
                raise
            # Another process writes: wait for its lock in the thread (busy_timeout), as any statement.
            result = await super()._execute(fn, *args, **kwargs)
        self.write_locked = True  # until COMMIT or ROLLBACK
        return result

    def _lock_at_once(self, fn, *args, **kwargs):
        """Take the write lock right here if it is free (this process's units of work queue before it)."""
        self._connection.execute("PRAGMA busy_timeout=0")
        try:
            return fn(*args, **kwargs)
        finally:
            self._connection.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")

    async def commit(self) -> None:
        self.write_locked = False
        await super().commit()

    async def rollback(self) -> None:
        self.write_locked = False
        if self._connection is not None and not self._connection.in_transaction:
            return  # nothing to roll back (the pool's reset after a commit): no hop for a no-op
        await super().rollback()

    async def close(self) -> None:
        self.write_locked = False
        await super().close()


def _takes_write_lock(fn, args: tuple) -> bool:
    return isinstance(getattr(fn, "__self__", None), sqlite3.Cursor) and fn.__name__ == "execute" and \
        args[:1] == (BEGIN_IMMEDIATE,)


def _never_waits(fn) -> bool:
    """Opening or closing a cursor: no lock, no I/O."""
    owner = getattr(fn, "__self__", None)
    return (isinstance(owner, sqlite3.Connection) and fn.__name__ == "cursor") or \
        (isinstance(owner, sqlite3.Cursor) and fn.__name__ == "close")


def _connect_sqlite(database: str, **kwargs) -> _SqliteConnection:
    connection = _SqliteConnection(lambda: sqlite3.connect(database, **kwargs), 64)
    connection._thread.daemon = True
    return connection


def create_engine(url: str, **kwargs) -> AsyncEngine:
    """An async engine; SQLite gets WAL mode, a busy timeout and enforced foreign keys."""
    if is_sqlite(url):
        database = make_url(url).database
        if database and database != ":memory:":
            Path(database).parent.mkdir(parents=True, exist_ok=True)
        # Used from the event loop too while write-locked (_SqliteConnection), never at the same time.
        kwargs["connect_args"] = {"async_creator_fn": _connect_sqlite, "check_same_thread": False,
                                  **kwargs.get("connect_args", {})}
        engine = create_async_engine(async_url(url), **kwargs)
        install_sqlite_pragmas(engine.sync_engine)
        return engine
    timeout = float(sync_url(url).query["connect_timeout"])  # the URL's, or CONNECT_TIMEOUT
    kwargs["connect_args"] = {"timeout": timeout, **kwargs.get("connect_args", {})}
    kwargs.setdefault("pool_size", 10)
    kwargs.setdefault("max_overflow", 20)
    engine = create_async_engine(async_url(url), **kwargs)
    _ping_after_idle(engine)
    return engine


def _ping_after_idle(engine: AsyncEngine) -> None:
    """Check a pooled connection at checkout only when it idled PING_AFTER_IDLE seconds or more.

    pool_pre_ping would add a round trip (SELECT 1) to every unit of work, one in eight of a text
    answer's; a connection the server or the network dropped is found by the ping after a pause,
    and replaced by a new one as pool_pre_ping would.
    """
    pool, dialect = engine.sync_engine.pool, engine.sync_engine.dialect

    def checked_in(_dbapi_connection, record) -> None:
        record.info["idle_since"] = time.monotonic()

    def checked_out(dbapi_connection, record, _proxy) -> None:
        idle_since = record.info.pop("idle_since", None)  # none for a new connection: no ping, as pool_pre_ping
        if idle_since is None or time.monotonic() - idle_since < PING_AFTER_IDLE:
            return
        try:
            dialect.do_ping(dbapi_connection)
        except Exception as error:
            raise exc.DisconnectionError(f"no answer after {time.monotonic() - idle_since:.0f} s idle") from error

    event.listen(pool, "checkin", checked_in)
    event.listen(pool, "checkout", checked_out)


class Database:
    """The engine plus a session factory; one unit of work per `session()` block."""

    def __init__(self, url: str, **engine_kwargs) -> None:
        self.url = url
        self._sqlite = is_sqlite(url)
        self.engine = create_engine(url, **engine_kwargs)
        self.sessions = async_sessionmaker(self.engine, expire_on_commit=False)
        self._gate: tuple[asyncio.AbstractEventLoop, asyncio.Lock | asyncio.Semaphore] | None = None

    @property
    def is_sqlite(self) -> bool:
        return self._sqlite

    @asynccontextmanager
    async def session(self) -> AsyncIterator[AsyncSession]:
        """Yield a session that commits on success and rolls back on error.

        SQLite has one writer at a time: this process's units of work queue here (FIFO, no busy-waiting
        on the database lock) and each begins IMMEDIATE, holding the write lock from its first read to
        its commit, which also keeps other processes out. Do not open a second one inside the first.
        On PostgreSQL as many run at once as the pool keeps connections; the rest queue here rather than
        open an overflow connection each (a new server process, ~40 % of text answers at 50 users).
        """
        async with self._gate_of_loop(), self._unit_of_work(immediate=self.is_sqlite) as session:
            yield session

    def _gate_of_loop(self) -> asyncio.Lock | asyncio.Semaphore:
        loop = asyncio.get_running_loop()
        if self._gate is None or self._gate[0] is not loop:
            size = getattr(self.engine.pool, "size", None)
            gate = asyncio.Lock() if self.is_sqlite or size is None else asyncio.Semaphore(size())
            self._gate = (loop, gate)
        return self._gate[1]

    @asynccontextmanager
    async def _unit_of_work(self, immediate: bool = False) -> AsyncIterator[AsyncSession]:
        async with self.sessions() as session:
            try:
                if immediate:
                    await session.execute(text(BEGIN_IMMEDIATE))  # _SqliteConnection: write-locked from here
                    session.info[WRITE_LOCKED] = True
                yield session
                await session.commit()
            except BaseException:
                await session.rollback()
                raise

    async def dispose(self) -> None:
        await self.engine.dispose()

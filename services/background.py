"""Work no person started: planning reminders and digests, reporting finished broadcasts, delivering the outbox."""
from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Callable
from datetime import datetime

from core.clock import Clock
from core.delivery import Sender
from core.ratelimit import RateBudget
from scheduler import broadcasts, digest, planner
from scheduler.claimers import new_worker_id
from scheduler.sender import OutboxSender
from flows import runs
from program.holidays import library_days
from services import companion, weekly
from services.context import Deps
from store import outbox, updates
from store.db import Database


async def warm_up(deps: Deps) -> None:
    """What a process does once at start so that no person's update pays for it: this content version's flows
    stored; this year's and next year's national holidays computed (~0.1 s each, from the holidays library)."""
    async with deps.db.session() as session:
        await runs.ensure_snapshot(session, deps.content, deps.clock.now())
    if deps.content.holidays is not None:
        year = deps.clock.now().year
        for upcoming in (year, year + 1):
            library_days(upcoming)


def pacing() -> planner.Planning:
    """A process's pacing of the reminder planning: hand it to every plan() call of the process."""
    return planner.Planning()


async def plan(deps: Deps, planning: planner.Planning | None = None) -> None:
    """Expand the reminder rules into the outbox (everyone, or as `planning` paces it), then the mentors' digests;
    forget old webhook update ids (each its own unit of work)."""
    async with deps.db.session() as session:
        if planning is None:
            await planner.plan(session, deps.content, deps.clock)
        else:
            await planning.run(session, deps.content, deps.clock)
    async with deps.db.session() as session:
        await digest.plan_digests(session, deps.content, deps.clock)
    await companion.plan(deps, planning.planned if planning is not None else None)
    await weekly.plan_reports(deps)  # the koordinators' Monday report
    async with deps.db.session() as session:
        await updates.prune(session, deps.clock.now())


async def report_broadcasts(deps: Deps) -> int:
    """Queue a report to the koordinator of each broadcast with nothing left to deliver."""
    async with deps.db.session() as session:
        return await broadcasts.plan_broadcast_reports(session, deps.content, deps.clock)


def outbox_sender(deps: Deps, transport: Sender, budget: RateBudget, role: str = "") -> OutboxSender:
    """A sender of the outbox through `transport`, within `budget`; use it as `async with`."""
    return OutboxSender(deps.db, transport, deps.content, deps.clock, budget, worker_id=new_worker_id(role),
                        foreground=deps.extras.get("foreground"))


async def outbox_due(deps: Deps) -> bool:
    """Whether outbox rows are due now and not yet delivered (the demo waits for them)."""
    async with deps.db.session() as session:
        return await outbox.any_due(session, deps.clock.now())


SAFETY_POLL = 50.0  # seconds: an idle sender looks at the outbox at least this often, whatever it was told


class OutboxAlarm:
    """Rings a sender (scheduler.sender.Alarm) when it should look at the outbox, so an idle bot stays idle.

    It rings when this process commits outbox rows (store.outbox.on_written), when another process does
    (store.outbox.watch_other_writers: LISTEN/NOTIFY on PostgreSQL, PRAGMA data_version on SQLite), when the
    first pending row falls due by the injected clock (a FrozenClock that is moved re-checks at once), and
    every SAFETY_POLL seconds in any case. Use it as `async with`, in the loop the sender runs in.
    """

    def __init__(self, db: Database, clock: Clock, safety_poll: float = SAFETY_POLL) -> None:
        self._db, self._clock, self._safety_poll = db, clock, safety_poll
        self._woken: asyncio.Event | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._due: datetime | None = None
        self._poll_at = 0.0  # monotonic; 0: ring at once (nothing was looked at yet)
        self._undo: list[Callable[[], None]] = []
        self._watcher: asyncio.Task | None = None

    async def __aenter__(self) -> "OutboxAlarm":
        self._loop = asyncio.get_running_loop()
        self._woken = asyncio.Event()
        self._undo = [outbox.on_written(self.wake), self._clock.watch(self.wake)]
        self._watcher = asyncio.create_task(outbox.watch_other_writers(self._db, self.wake))
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        for undo in self._undo:
            undo()
        if self._watcher is not None:
            self._watcher.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._watcher

    def wake(self) -> None:
        """Ring now (rows were written, or the clock moved); from any thread."""
        if self._loop is None or self._woken is None:
            return
        try:
            same_loop = asyncio.get_running_loop() is self._loop
        except RuntimeError:
            same_loop = False
        if same_loop:
            self._woken.set()
        elif not self._loop.is_closed():  # an alarm whose loop is gone (never closed properly) rings nobody
            self._loop.call_soon_threadsafe(self._woken.set)

    def ringing(self) -> bool:
        return (self._woken is not None and self._woken.is_set()) or self._seconds_left() <= 0

    def reset(self) -> None:
        if self._woken is not None:
            self._woken.clear()
        self._due = None
        self._poll_at = time.monotonic() + self._safety_poll

    def set_for(self, due: datetime | None) -> None:
        self._due = due

    async def wait(self, seconds: float) -> None:
        if self._woken is None:
            raise RuntimeError("OutboxAlarm used outside `async with`")
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(max(0.0, min(seconds, self._seconds_left()))):
                await self._woken.wait()

    def _seconds_left(self) -> float:
        left = self._poll_at - time.monotonic()
        if self._due is not None:
            left = min(left, (self._due - self._clock.now()).total_seconds())
        return left

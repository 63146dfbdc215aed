"""Deliver the outbox: claim due rows, send them through a Sender, mark each one.

Protocol, per batch of at most `batch_size` rows:
1. claim — one committed transaction turns due pending rows into 'sending' (claimed_by, claimed_at);
   on PostgreSQL its SELECT is FOR UPDATE SKIP LOCKED, so concurrent senders never claim the same
   row; on SQLite run one sender per database file. A batch holds at most one row per person, and
   none of someone whose last message went out less than the chat interval ago or is going out now:
   a mentor's ten guides due at 07:00 go one a second between everyone else's messages instead of
   holding a batch (and every row behind it) for ten seconds. Rows passed over stay pending;
   if nothing else is due, the sender waits for the first of those people to be free again;
2. send — chats in parallel (at most `in_flight` requests at once), one chat's rows in order, every
   message through the shared RateBudget; quiet hours are checked before a row waits for its slot and
   again once the slot is open (a wait can cross 21:00), so the check holds at the moment of sending;
3. settle — one committed executemany marks each row sent (telegram_message_id, sent_at), or puts it
   back to pending (429, quiet hours, backoff), or marks it failed / blocked.
While batch k is sending, batch k+1 is being claimed and batch k-1 settled, so the send path never
waits for the database and each row costs one parameter set in a batched UPDATE.

Duplicate window (delivery is at-least-once; Telegram has no idempotency key). A message goes out
twice only in these two cases, and each such row is marked maybe_duplicate, which the broadcast status
and report count as "mungkin terkirim dua kali":
- a crash: a SIGKILL repeats only rows that were sent but not yet settled — those of batch k-1 (settle
  in flight) and of batch k (sending) — so at most 2 × batch_size messages, i.e. 28 with the default
  batch_size=14, about one second of sending (while a paid broadcast goes out, 2 × paid_batch_size:
  1,000, about one second of its sending too). Claimed rows of batch k+1 were never sent. A restarted or
  surviving sender takes the dead one's claims over within seconds (scheduler/claimers.py: at start,
  then every `recover_seconds`) and marks them all maybe_duplicate, batch k+1's included (an upper bound);
- a timeout (MaybeSent): our request timed out, but Telegram may have delivered it; the row is retried
  after the backoff (`backoff_seconds`), so a copy may arrive that much later. At most one copy per
  timeout, and at most `max_attempts` - 1 timeouts per row.
A live sender's claims are never taken by another. Rows it left claimed itself (a drain that failed
half-way) go back to pending, also marked maybe_duplicate, at its next recovery.

Paid broadcasts: a row with `paid` goes with allow_paid_broadcast in the budget's paid lane (900/s), and
while such rows are claimed the sender claims `paid_batch_size` rows at a time. While paid sends go out,
every other row goes paid too (Telegram's free 30/s counts the paid sends: core/ratelimit.py). When
Telegram refuses a paid send (400: e.g. the bot's Star balance is spent), the row goes back to pending as an
ordinary row and this sender sends nothing paid for `paid_hold_seconds`: the broadcast goes on at 30/s. If that
row, the only one refused since the hold began, is then refused as an ordinary message too, Telegram refused the
message (a text too long, a button it rejects), not the payment: the hold ends and the broadcast goes on paid.

Scheduling: call `drain_for(seconds, alarm)` from ONE job that, when done, schedules its next run
`seconds` after its own start (or at once if it ran longer) — bot/jobs.py does this; a repeating job
whose run outlasts its interval skips the next tick and leaves the outbox idle — or run
`run(stop_event, alarm)` as a single background task (`pendamping send-outbox`). Idle, neither touches
the database: they look at the outbox only when the `Alarm` rings (rows were written, the first pending
row falls due, or a slow safety poll; services/background.py builds it).
"""
from __future__ import annotations

import asyncio
import contextlib
import logging
import time as monotonic_time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, fields
from datetime import datetime, time, timedelta
from typing import Any, Protocol

from sqlalchemy import Boolean, Integer, Select, Text, bindparam, func, select, text, update

from core.clock import Clock
from core.content.schema import Content
from core.foreground import Foreground
from core.delivery import MaybeSent, PermanentError, RetryLater, Sender, TransientError, Unreachable
from core.ratelimit import RateBudget
from core.zones import zone_of
from scheduler.chat_member import on_blocked
from scheduler.claimers import ClaimerLock, take_over_dead_claims
from scheduler.quiet import defer_for_quiet_hours
from store.db import Database
from store.models import OutboxMessage, OutboxStatus, Person
from store.outbox import earliest_pending, park_unreachable

log = logging.getLogger(__name__)


OUTBOX = OutboxMessage.__table__
PEOPLE = Person.__table__
CLAIM_LOOKAHEAD = 4  # due rows looked at per row claimed, to find rows of people who are not busy
# Replies first: a claim waits up to this long for the people's updates in hand to be handled (they share the
# event loop); even waiting every batch, batch_size rows per wait stay above Telegram's 30/s.
REPLIES_FIRST = 0.2


class Alarm(Protocol):
    """When a sender should look at the outbox again."""

    def ringing(self) -> bool:
        """Rows were written, the first pending row is due, or the safety poll is due."""
        ...

    def reset(self) -> None:
        """Silence it: a drain starts now (a wake arriving during the drain rings again)."""
        ...

    def set_for(self, due: datetime | None) -> None:
        """After a drain: ring when `due` comes (None: only when woken, or at the safety poll)."""
        ...

    async def wait(self, seconds: float) -> None:
        """Until it rings, at most `seconds`."""
        ...


@dataclass
class DrainStats:
    sent: int = 0
    deferred: int = 0  # quiet hours
    failed: int = 0
    blocked: int = 0
    retried: int = 0  # back to pending after a 429 or a transient error

    def add(self, other: "DrainStats") -> None:
        for f in fields(self):
            setattr(self, f.name, getattr(self, f.name) + getattr(other, f.name))


@dataclass(frozen=True)
class _Row:
    id: int
    person_id: int
    chat_id: int
    text: str
    buttons: list[list[dict]] | None
    attachments: list[dict] | None
    silent: bool
    paid: bool
    respect_quiet_hours: bool
    attempts: int
    due_at: datetime
    timezone: str | None
    quiet_start: time
    quiet_end: time


def _due_rows() -> Select:
    o = OUTBOX.alias("o")
    return (
        select(o.c.id, o.c.person_id)
        .join(PEOPLE, PEOPLE.c.id == o.c.person_id)
        # A literal, so both databases match the partial index ix_outbox_pending_due.
        .where(text("o.status = 'pending'"), o.c.due_at <= bindparam("now"), Person.reachable)
        .order_by(o.c.due_at, o.c.id)  # one person's rows in the order they were written
        .limit(bindparam("limit", type_=Integer))
        .with_for_update(skip_locked=True, of=o)
    )


_DUE_ROWS = _due_rows()  # built once: the claim runs it several times a second while a broadcast goes out


def due_rows_query(now: datetime, limit: int) -> Select:
    """(id, person id) of the first `limit` due pending rows of reachable people, locked for us (PostgreSQL)."""
    return _DUE_ROWS.params(now=now, limit=limit)


_SETTLE = (
    update(OUTBOX)
    .where(OUTBOX.c.id == bindparam("row_id"), text("outbox.status IN ('sending', 'pending')"))
    .values(
        status=bindparam("new_status"), due_at=bindparam("new_due_at"), attempts=bindparam("new_attempts"),
        # A released row keeps the error of its last real attempt.
        last_error=func.coalesce(bindparam("new_error", type_=Text), OUTBOX.c.last_error),
        maybe_duplicate=OUTBOX.c.maybe_duplicate | bindparam("new_maybe_duplicate", type_=Boolean),
        sent_at=bindparam("new_sent_at"), telegram_message_id=bindparam("new_message_id"),
        paid=bindparam("new_paid"),
    )
)


class OutboxSender:
    """Drain due outbox rows at Telegram's limits, crash-safely (see the module docstring)."""

    def __init__(
        self,
        db: Database,
        sender: Sender,
        content: Content,
        clock: Clock,
        budget: RateBudget,
        worker_id: str,
        batch_size: int = 14,
        paid_batch_size: int = 500,
        in_flight: int = 32,
        recover_seconds: float = 5.0,
        max_attempts: int = 5,
        backoff_seconds: float = 30.0,
        paid_hold_seconds: float = 300.0,
        foreground: Foreground | None = None,
    ) -> None:
        self.db, self.sender, self.content, self.clock, self.budget = db, sender, content, clock, budget
        self.worker_id = worker_id
        self.batch_size, self.paid_batch_size, self.recover_seconds = batch_size, paid_batch_size, recover_seconds
        self._in_flight = asyncio.Semaphore(in_flight)
        self._paid_claimed = False  # the last batch held paid rows: claim paid_batch_size next
        self._last_send: dict[int, float] = {}  # person id → budget time of their last send (recent ones only)
        self._sending: set[int] = set()  # people with a row in the batch being sent
        self._passed_over = False  # the last claim left due rows of busy people
        self.paid_hold_seconds = paid_hold_seconds
        self._paid_refused_at = -float("inf")  # monotonic time Telegram last refused a paid send
        self._refused_paid: set[int] = set()  # rows refused paid since the hold began
        self.max_attempts, self.backoff_seconds = max_attempts, backoff_seconds
        self._lock = ClaimerLock(db, worker_id)
        self._started = False
        self._next_recovery = 0.0
        self._next_park = 0.0  # due rows of unreachable people are parked at most every recover_seconds
        self._halted = False
        self._unreachable: set[int] = set()  # chats that answered 403 during this drain
        self._foreground = foreground or Foreground()

    async def start(self) -> None:
        """Take this sender's proof of life, then the claims of senders that died (see scheduler/claimers.py)."""
        if self._started:
            return
        self.worker_id = await self._lock.acquire()
        async with self.db.session() as session:
            await take_over_dead_claims(session, at_start=True)
        self._started = True
        self._next_recovery = monotonic_time.monotonic() + self.recover_seconds

    async def close(self) -> None:
        """Give up the proof of life; another sender may then take over whatever this one still claims."""
        self._started = False
        await self._lock.release()

    async def __aenter__(self) -> "OutboxSender":
        await self.start()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.close()

    async def recover(self) -> int:
        """Between drains: requeue the claims of dead senders, and our own left by a drain that failed."""
        self.worker_id = await self._lock.ensure()
        async with self.db.session() as session:
            taken = await take_over_dead_claims(session, at_start=False)
            result = await session.execute(
                update(OUTBOX)
                .where(text("outbox.status = 'sending'"), OUTBOX.c.claimed_by == self.worker_id)
                .values(status=OutboxStatus.pending, claimed_by=None, claimed_at=None, maybe_duplicate=True)
            )
        if result.rowcount:
            log.warning("requeued %d outbox rows this sender left claimed after an error", result.rowcount)
        return taken + result.rowcount

    async def drain_once(self) -> DrainStats:
        """Send every due row, batch after batch, until none is left."""
        return await self._drain(lambda: False)

    async def drain_for(self, seconds: float, alarm: Alarm) -> DrainStats:
        """Drain whenever `alarm` rings until `seconds` have passed; the body of one chained job."""
        deadline = monotonic_time.monotonic() + seconds
        stats = DrainStats()
        while (left := deadline - monotonic_time.monotonic()) > 0:
            if alarm.ringing():
                stats.add(await self._drain_and_set(alarm, lambda: monotonic_time.monotonic() >= deadline))
            else:
                await alarm.wait(left)
        return stats

    async def run(self, stop: asyncio.Event, alarm: Alarm) -> None:
        """Drain whenever `alarm` rings until `stop` is set; stops between batches."""
        while not stop.is_set():
            if alarm.ringing():
                await self._drain_and_set(alarm, stop.is_set)
                continue
            waiting = asyncio.create_task(alarm.wait(float("inf")))
            stopping = asyncio.create_task(stop.wait())
            await asyncio.wait((waiting, stopping), return_when=asyncio.FIRST_COMPLETED)
            for task in (waiting, stopping):
                task.cancel()

    async def _drain_and_set(self, alarm: Alarm, should_stop: Callable[[], bool]) -> DrainStats:
        alarm.reset()
        stats = await self._drain(should_stop)
        if should_stop():
            alarm.set_for(self.clock.now())  # cut short: the rest is due now
        else:
            async with self.db.session() as session:
                alarm.set_for(await earliest_pending(session))
        return stats

    async def _drain(self, should_stop: Callable[[], bool]) -> DrainStats:
        stats = DrainStats()
        self._unreachable.clear()
        if not self._started:
            await self.start()
        elif monotonic_time.monotonic() >= self._next_recovery:
            await self.recover()
            self._next_recovery = monotonic_time.monotonic() + self.recover_seconds
        settling: asyncio.Task | None = None
        claiming: asyncio.Task | None = None
        try:
            batch = await self._claim()
            while batch or await self._wait_for_passed_over(should_stop):
                if not batch:
                    batch = await self._claim()
                    continue
                self._halted = False
                self._sending = {row.person_id for row in batch}
                claiming = None if should_stop() else asyncio.create_task(self._claim())
                outcomes = await self._send_batch(batch, stats)
                self._sending = set()
                if settling is not None:
                    await settling
                settling = asyncio.create_task(self._settle(outcomes))
                batch = await claiming if claiming is not None else []
                claiming = None
                if self._halted and batch:
                    await self._settle([_released(row) for row in batch])
                    batch = []
                if self._halted:
                    await self.budget.sleep(self.budget.paused_for)
                    if not should_stop():
                        batch = await self._claim()
        finally:
            if claiming is not None:  # only on an error: its rows, if claimed, wait for recover()
                claiming.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await claiming
            if settling is not None:
                await settling
        return stats

    async def _wait_for_passed_over(self, should_stop: Callable[[], bool]) -> bool:
        """After a claim that found only rows of busy people: wait until the first is free; False when none."""
        if not self._passed_over or should_stop():
            return False
        free_at = min(self._last_send.values(), default=self.budget.monotonic()) + self.budget.chat_interval
        await self.budget.sleep(max(0.0, free_at - self.budget.monotonic()))
        return True

    def _busy_people(self) -> set[int]:
        """People whose rows must wait: being sent to now, or sent to less than a chat interval ago."""
        since = self.budget.monotonic() - self.budget.chat_interval
        self._last_send = {p: at for p, at in self._last_send.items() if at > since}
        return self._sending | self._last_send.keys()

    async def _claim(self) -> list[_Row]:
        """Mark up to batch_size (paid_batch_size) due rows of joined, active people as ours, committed at once:
        at most one per person, none of a busy person (module docstring)."""
        await self._foreground.quiet(REPLIES_FIRST)
        now = self.clock.now()
        limit = self.paid_batch_size if self._paid_claimed else self.batch_size
        busy = self._busy_people()
        async with self.db.session() as session:
            if monotonic_time.monotonic() >= self._next_park:
                await park_unreachable(session, now)
                self._next_park = monotonic_time.monotonic() + self.recover_seconds
            due = (await session.execute(_DUE_ROWS, {"now": now, "limit": CLAIM_LOOKAHEAD * limit})).all()
            chosen, people_seen = [], set()
            for row_id, person_id in due:
                if person_id not in people_seen and person_id not in busy:
                    chosen.append(row_id)
                    if len(chosen) == limit:
                        break
                people_seen.add(person_id)
            self._passed_over = len(chosen) < len(due) and len(chosen) < limit
            if not chosen:
                return []
            claimed = (await session.execute(
                update(OUTBOX).where(OUTBOX.c.id.in_(chosen))
                .values(status=OutboxStatus.sending, claimed_by=self.worker_id, claimed_at=now)
                .returning(OUTBOX.c.id, OUTBOX.c.person_id, OUTBOX.c.text, OUTBOX.c.buttons, OUTBOX.c.attachments,
                           OUTBOX.c.silent, OUTBOX.c.paid, OUTBOX.c.respect_quiet_hours, OUTBOX.c.attempts,
                           OUTBOX.c.due_at)
            )).all()
            self._paid_claimed = any(r.paid for r in claimed) and self._paid_allowed
            if not claimed:
                return []
            people = {p.id: p for p in (await session.execute(
                select(PEOPLE.c.id, PEOPLE.c.tg_chat_id, PEOPLE.c.timezone, PEOPLE.c.quiet_start, PEOPLE.c.quiet_end)
                .where(PEOPLE.c.id.in_({r.person_id for r in claimed}))
            )).all()}
        rows = [
            _Row(id=r.id, person_id=r.person_id, chat_id=people[r.person_id].tg_chat_id, text=r.text,
                 buttons=r.buttons, attachments=r.attachments, silent=r.silent, paid=r.paid,
                 respect_quiet_hours=r.respect_quiet_hours, attempts=r.attempts, due_at=r.due_at,
                 timezone=people[r.person_id].timezone, quiet_start=people[r.person_id].quiet_start,
                 quiet_end=people[r.person_id].quiet_end)
            for r in claimed
        ]
        return sorted(rows, key=lambda r: (r.due_at, r.id))

    async def _send_batch(self, batch: list[_Row], stats: DrainStats) -> list[dict[str, Any]]:
        by_chat: dict[int, list[_Row]] = {}
        for row in batch:
            by_chat.setdefault(row.chat_id, []).append(row)
        outcomes: list[dict[str, Any]] = []
        await asyncio.gather(*(self._send_chat(rows, outcomes, stats) for rows in by_chat.values()))
        return outcomes

    async def _send_chat(self, rows: list[_Row], outcomes: list[dict[str, Any]], stats: DrainStats) -> None:
        """Send one chat's rows in order; after a 403 or a 429 the rest stay pending."""
        for row in rows:
            if self._halted or row.chat_id in self._unreachable:
                outcomes.append(_released(row))
                continue
            until = self._quiet_until(row)  # before waiting: a row already in quiet hours takes no slot
            if until is not None:
                outcomes.append(_outcome(row, status=OutboxStatus.pending, due_at=until))
                stats.deferred += 1
                continue
            try:
                message_id, went_paid = await self._deliver(row)
            except QuietHoursBegan as exc:
                outcomes.append(_outcome(row, status=OutboxStatus.pending, due_at=exc.until))
                stats.deferred += 1
            except RetryLater as exc:
                log.warning("429 from Telegram: pausing all sends for %s s", exc.seconds)
                self.budget.pause(exc.seconds)
                self._halted = True
                outcomes.append(_released(row))
                stats.retried += 1
            except Unreachable as exc:
                self._unreachable.add(row.chat_id)
                outcomes.append(_outcome(row, status=OutboxStatus.blocked, last_error=_reason(exc), blocked=True))
                stats.blocked += 1
            except PaidRefused as exc:
                log.warning("Telegram refused a paid send (%s): no paid sends for %.0f s", exc, self.paid_hold_seconds)
                if self._paid_allowed:
                    self._refused_paid.clear()
                self._refused_paid.add(row.id)
                self._paid_refused_at = monotonic_time.monotonic()
                outcomes.append(_outcome(row, status=OutboxStatus.pending, last_error=_reason(exc), paid=False))
                stats.retried += 1
            except PermanentError as exc:
                if self._refused_paid == {row.id} and not self._paid_allowed:
                    log.warning("the row refused paid is refused unpaid too: paid sends resume")
                    self._refused_paid.clear()
                    self._paid_refused_at = -float("inf")
                outcomes.append(_outcome(row, status=OutboxStatus.failed, last_error=_reason(exc)))
                stats.failed += 1
            except Exception as exc:  # TransientError, or anything unexpected: retry, then give up
                if not isinstance(exc, TransientError):
                    log.exception("unexpected error sending outbox row %s", row.id)
                outcomes.append(self._retry_or_fail(row, exc, stats))
            else:
                outcomes.append(_outcome(row, status=OutboxStatus.sent, sent_at=self.clock.now(),
                                         message_id=message_id, paid=went_paid))
                stats.sent += 1
            finally:
                self._last_send[row.person_id] = self.budget.monotonic()

    async def _deliver(self, row: _Row) -> tuple[int, bool]:
        """Send the row's text and attachments; the first message id, and whether it went as a paid broadcast."""
        message_id, went_paid = None, False
        first = True  # quiet hours are checked again at the row's first send, once its slot is open
        if row.text:
            async with self._in_flight, self._slot(row, first) as paid:
                message_id = await self.sender.send_text(row.chat_id, row.text, row.buttons or None, row.silent, paid)
            went_paid, first = paid, False
        for attachment in row.attachments or []:
            async with self._in_flight, self._slot(row, first) as paid:
                sent = await self.sender.send_attachment(row.chat_id, attachment, row.silent, paid)
            message_id, went_paid = (message_id, went_paid) if message_id is not None else (sent, paid)
            first = False  # the rest of a row whose first part went out follows it, quiet hours or not
        return message_id, went_paid

    @property
    def _paid_allowed(self) -> bool:
        return monotonic_time.monotonic() - self._paid_refused_at >= self.paid_hold_seconds

    @contextlib.asynccontextmanager
    async def _slot(self, row: _Row, first: bool = False) -> AsyncIterator[bool]:
        """The budget's slot for one send of the row; yields whether it goes paid. A refusal of a paid
        send comes out as PaidRefused. For the row's `first` send, quiet hours that began while the slot
        was awaited (the rate budget, a 429's pause) come out as QuietHoursBegan, and nothing is sent."""
        paid = (row.paid or self.budget.paid_active) and self._paid_allowed
        async with self.budget.slot(row.chat_id, paid=paid):
            # The slot stays counted as a send: over-counting by one send keeps us under Telegram's limits.
            if first and (until := self._quiet_until(row)) is not None:
                raise QuietHoursBegan(until)
            try:
                yield paid
            except PermanentError as exc:
                if paid:
                    raise PaidRefused(str(exc)) from exc
                raise

    def _quiet_until(self, row: _Row) -> datetime | None:
        if not row.respect_quiet_hours:
            return None
        local_now = self.clock.now().astimezone(zone_of(row, self.content.default_tz))
        return defer_for_quiet_hours(local_now, row.quiet_start, row.quiet_end)

    def _retry_or_fail(self, row: _Row, exc: Exception, stats: DrainStats) -> dict[str, Any]:
        attempts = row.attempts + 1
        maybe_sent = isinstance(exc, MaybeSent)
        if attempts >= self.max_attempts:
            log.warning("outbox row %s failed after %d attempts: %s", row.id, attempts, _reason(exc))
            stats.failed += 1
            return _outcome(row, status=OutboxStatus.failed, attempts=attempts, last_error=_reason(exc),
                            maybe_sent=maybe_sent)
        stats.retried += 1
        delay = timedelta(seconds=self.backoff_seconds * 2 ** (attempts - 1))
        return _outcome(row, status=OutboxStatus.pending, attempts=attempts, last_error=_reason(exc),
                        due_at=self.clock.now() + delay, maybe_sent=maybe_sent)

    async def _settle(self, outcomes: list[dict[str, Any]]) -> None:
        """Write every outcome of a batch in one executemany; mark people who refused a send as blocked."""
        if not outcomes:
            return
        async with self.db.session() as session:
            await session.execute(_SETTLE, [{k: v for k, v in o.items() if k != "blocked_person"} for o in outcomes])
            for person_id in {o["blocked_person"] for o in outcomes if o["blocked_person"] is not None}:
                person = await session.get(Person, person_id)
                if person is not None:
                    await on_blocked(session, self.content, person, self.clock)


class QuietHoursBegan(Exception):
    """The recipient's quiet hours began while the row waited for its slot; it goes out at `until`."""

    def __init__(self, until: datetime) -> None:
        super().__init__(f"quiet hours until {until.isoformat()}")
        self.until = until


class PaidRefused(PermanentError):
    """Telegram refused a send as a paid broadcast (400); the same message may go as an ordinary one."""


def _outcome(row: _Row, *, status: OutboxStatus, due_at: datetime | None = None, attempts: int | None = None,
             last_error: str | None = None, sent_at: datetime | None = None, message_id: int | None = None,
             blocked: bool = False, maybe_sent: bool = False, paid: bool | None = None) -> dict[str, Any]:
    return {
        "row_id": row.id, "new_status": status, "new_due_at": due_at or row.due_at,
        "new_attempts": row.attempts if attempts is None else attempts, "new_error": last_error,
        "new_sent_at": sent_at, "new_message_id": message_id, "new_maybe_duplicate": maybe_sent,
        "new_paid": row.paid if paid is None else paid,
        "blocked_person": row.person_id if blocked else None,
    }


def _released(row: _Row) -> dict[str, Any]:
    """Back to pending untouched (a 429 pause, or the person turned out unreachable)."""
    return _outcome(row, status=OutboxStatus.pending)


def _reason(exc: Exception) -> str:
    return f"{type(exc).__name__}: {exc}"[:500]

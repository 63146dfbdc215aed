"""A whole cohort, simulated (issue 15): the real bot against the emulator on a virtual clock, judged by bench.oracle.

    .venv/bin/python -m bench.cohort [--scale 0.01] [--compressed] [--days N] [--wall-limit SECONDS]
                                     [--database-url URL] [--seed 15] [--no-faults] [--chart cohort.png]

SIGUSR1 ends a run early as the wall limit does (`kill -USR1 PID`): at the simulated instant reached, judged up to it.

generate() makes a cohort (CGPs with their PPs, spread over WIB/WITA/WIT, a configured koordinator) with
the PGP calendar (Lokakarya 0–7; PI 1–6 follow from it) and who does what: answers a "Sudah selesai"
reminder at once, after the second one or never; blocks the bot; leaves (the koordinator's weekly roster upload,
Mondays 09:00 WIB, marks everyone who left that week keluar); joins late. A Sekolah Penggerak cohort beside it:
schools with a kepala sekolah (who sends the monthly PMO update from its reminder, or never), guru and pengawas,
and their FSPs; the koordinator dates every other month's workshop. The koordinator moves a Lokakarya and broadcasts.
simulate() runs the real Application (planner, sender, handlers) on a FrozenClock: it jumps from one instant
something happens to the next (a row falls due, a person acts, the daily planning), runs the bot's periodic
jobs as they would run then, and waits until the outbox has nothing due. The emulator dates every message by the
virtual clock, so the oracle sees when each message reached whom. The deliveries wait on disk until the oracle
reads them and the emulator forgets what it received an hour ago: the process's RSS, week by week, is the bot's.

Faults: 5xx and 429 answers to sendMessage; every simulated 30 days a hard kill of the bot, 15 days after each
a graceful restart (both: a new Application on the same database). The kill comes at the first instant after its
date at which the outbox is sending: once the first message of a batch has reached the emulator, further
sendMessage calls are held (in flight), and with rows claimed 'sending' the bot is stopped as a SIGKILL would
stop it (BotProcess.kill): no orderly shutdown, no claims released; its tasks and timers stop where they
are, its HTTP sessions and its PostgreSQL claimer connection are dropped. The held calls are then dropped
unprocessed, and a new Application starts; its sender takes the dead one's claims over at its start
(scheduler/claimers.py) and sends them again, flagged maybe_duplicate (the oracle accepts one second copy
of such a row, and only of such a row).
"""
from __future__ import annotations

import argparse
import asyncio
import contextvars
import csv
import heapq
import io
import itertools
import logging
import pickle
import random
import signal
import sys
import tempfile
import time
import weakref
from collections import Counter, deque
from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

import objsize
import psutil
from sqlalchemy import func, select, text
from telegram.ext import Application

from bench.conversation import fresh_database
from bench.oracle import Classifier, Delivery, Judgement, Oracle, Settled, SimRecord
from bot.app import ALLOWED_UPDATES, build_application
from bot.jobs import JobTimings
from core.clock import FrozenClock
from core.content import Content, load_content
from core.ratelimit import RateBudget, paid_share
from core.settings import SHIPPED_CONTENT_DIR, Settings
from emulator import BotApiEmulator
from emulator.state import use_time_source
from program.calendar import set_lokakarya_date
from roster import importer as roster
from services import background
from services.calendar_dates import replan_cohort
from services.context import Deps
from store.db import Database
from store.models import Cohort as CohortRow, OutboxMessage, OutboxStatus, Person

log = logging.getLogger(__name__)

TOKEN = "123456789:TEST-cohort_token_0123456789abcdef"
KOORDINATOR_ID = 990001
COHORT, PSP_COHORT = "15", "SP15"
ZONES = ("WIB", "WITA", "WIT")
OFFSETS = {"WIB": 7, "WITA": 8, "WIT": 9}
FIRST_TG_ID = 500_000
DONE, KENDALA, CONSENT = "✅ Sudah selesai", "⚠️ Ada kendala", "Setuju"
# The simulation runs plan and reports itself, at instants of its clock: the bot's own jobs, running on wall time beside
# it, would write rows "due now" while the clock is about to jump (sent hours late, a digest at 06:00).
TIMINGS = JobTimings(drain=0.1, plan=10_000.0, reports=10_000.0, plan_first=10_000.0, reports_first=10_000.0)
KILL_EVERY = timedelta(days=30)  # a hard kill of the bot (the "SIGKILL once a simulated month")
RESTART_AFTER_KILL = timedelta(days=15)  # and a graceful restart this long after each
KILL_MIN_PEOPLE = 4  # a kill waits for an instant with rows due to this many people: a batch of several, cut in the middle
KILL_WAIT = 10.0  # seconds of wall time a kill waits for the outbox's next send before trying at a later instant
SETTLE = 0.05  # seconds between looks at the outbox while waiting for it to drain
BUSY_POLL = 0.0005  # seconds of real time between looks at a send in flight before a wait may be skipped
KEEP_IN_EMULATOR = timedelta(hours=1)  # people press and the bot edits only what it sent at the same instant


def drain_rates(sends: Sequence[float], kills: Sequence[float]) -> tuple[float, float]:
    """Messages per second over whole seconds of a drain (the first and last cut), and the same less the seconds
    a hard kill left the bot dead (from the kill to the restarted bot's first send)."""
    per_second = [0] * (int(sends[-1] - sends[0]) + 1)
    for at in sends:
        per_second[int(at - sends[0])] += 1
    whole = per_second[1:-1] or per_second
    dead = [(kill, next((at for at in sends if at > kill), kill)) for kill in kills if sends[0] <= kill <= sends[-1]]
    up = [n for s, n in enumerate(per_second[1:-1], 1)
          if not any(sends[0] + s < end and sends[0] + s + 1 > kill for kill, end in dead)] or whole
    return sum(whole) / len(whole), sum(up) / len(up)


class SkippedWaits:
    """Monotonic time that skips every wait: real time plus all the waiting skipped so far.

    The bot's send budget waits on it and the emulator's flood limits judge on it, so Telegram's limits hold
    in this time (rates are virtual msg/s) while a wait for the next second or a chat's spacing costs no wall
    time. Whatever really takes time (the bot's CPU, a request) counts as well. Concurrent waits end in the order
    of their ends, one per turn of the event loop, each moving the time on to its own end if it is not there yet
    (woken in the order they began, a long wait's end would come before a short one's: time ran ahead of the
    sends that were due first). No wait ends while `busy()` (a send in flight): skipping then would add the wait to
    the send's round trip, which the budget reads as the send reaching Telegram later than it did.
    """

    def __init__(self, busy: Callable[[], bool] = lambda: False) -> None:
        self.skipped = 0.0
        self.busy = busy
        self._sleepers: list[tuple[float, int, asyncio.Future[None]]] = []
        self._order = itertools.count()
        self._waking = False

    def now(self) -> float:
        return time.monotonic() + self.skipped

    async def sleep(self, seconds: float) -> None:
        woken: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        heapq.heappush(self._sleepers, (self.now() + seconds, next(self._order), woken))
        self._wake_soon()
        await woken

    def _wake_soon(self) -> None:
        if not self._waking:
            self._waking = True
            asyncio.get_running_loop().call_soon(self._wake_first)

    def _wake_first(self) -> None:
        if self.busy():  # real time passes until the response is back
            asyncio.get_running_loop().call_later(BUSY_POLL, self._wake_first)
            return
        self._waking = False
        while self._sleepers:
            until, _, woken = heapq.heappop(self._sleepers)
            if not woken.done():  # not cancelled meanwhile
                self.skipped += max(0.0, until - self.now())
                woken.set_result(None)
                break
        if self._sleepers:
            self._wake_soon()


PROCESS: contextvars.ContextVar[BotProcess | None] = contextvars.ContextVar("bench_cohort_process", default=None)


def _process_tasks(previous):
    """A task factory for the event loop while a simulation runs (over the `previous` one, if any): a task
    started (transitively) by a bot process belongs to it (the context it runs in carries PROCESS)."""
    def factory(loop: asyncio.AbstractEventLoop, coro, context: contextvars.Context | None = None) -> asyncio.Task:
        if previous is not None:
            task = previous(loop, coro) if context is None else previous(loop, coro, context=context)
        else:
            task = asyncio.Task(coro, loop=loop, context=context)
        process = context.get(PROCESS) if context is not None else PROCESS.get()
        if process is not None:
            process.tasks.add(task)
        return task
    return factory


class BotProcess:
    """One run of the bot as a process: its Application started with polling, and every task it started (its
    own, python-telegram-bot's, the job queue's), so that a kill stops them all as a SIGKILL would."""

    def __init__(self, application: Application) -> None:
        self.application = application
        self.tasks: weakref.WeakSet[asyncio.Task] = weakref.WeakSet()
        self.killed = False

    async def start(self) -> None:
        """Start the Application in a context of its own: every task it starts from here on is this process's."""
        context = contextvars.copy_context()
        context.run(PROCESS.set, self)
        await asyncio.get_running_loop().create_task(self._start(), context=context)

    async def _start(self) -> None:
        # bot.embedded.polling's start, step by step: that context manager's exit (the orderly stop) would
        # also run when a killed process's generator is collected.
        application = self.application
        await application.initialize()
        if application.post_init is not None:
            await application.post_init(application)
        await application.updater.start_polling(poll_interval=0, timeout=1, allowed_updates=ALLOWED_UPDATES)
        await application.start()

    async def stop(self) -> None:
        """The orderly stop, as bot.embedded.polling's (updater, Application, post_stop: the sender gives its
        claims up)."""
        application = self.application
        try:
            await application.updater.stop()
            await application.stop()
            if application.post_stop is not None:
                await application.post_stop(application)
        finally:
            await application.shutdown()

    async def kill(self, db: Database) -> None:
        """Stop it as a SIGKILL would: none of its shutdown code runs (no job shutdown, no claims released).

        Its timers stop and its tasks are cancelled where they are (the one unit of work a task was in is
        rolled back, as the database does for a dead client); its HTTP sessions close; its claimer
        connection (PostgreSQL: the session holding its advisory lock) is dropped, and the kill waits until
        the server has ended that session, as it does when a dead process's socket closes.
        """
        self.killed = True
        application = self.application
        application.job_queue.scheduler.shutdown(wait=False)  # its timers die with it; no job is waited for
        tasks = [task for task in self.tasks if not task.done()]
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        alarm = application.bot_data.get("outbox_alarm")
        if alarm is not None:  # its wake-up hooks in this process's memory (the clock's, the outbox's) go with it
            await alarm.__aexit__(None, None, None)
        await application.bot.shutdown()  # the HTTP sessions: in-flight requests are gone with them
        transport = application.bot_data.get("outbox_transport")
        if transport is not None:
            await transport.close()
        sender = application.bot_data.get("outbox_sender")
        lock = getattr(sender, "_lock", None)
        connection = getattr(lock, "_connection", None)
        if connection is not None:  # PostgreSQL: the session holding the sender's advisory lock
            lock._connection = None
            pid = (await connection.get_raw_connection()).driver_connection.get_server_pid()
            await connection.invalidate()  # the socket closes; no unlock is sent
            deadline = time.monotonic() + 30
            while time.monotonic() < deadline:
                async with db.session() as s:
                    if not await s.scalar(text("SELECT count(*) FROM pg_stat_activity WHERE pid = :pid"), {"pid": pid}):
                        break
                await asyncio.sleep(SETTLE)


@dataclass
class Member:
    """One simulated person and what they will do."""

    external_id: str
    name: str
    role: str  # cgp | pp | kepsek | guru | pengawas | fsp
    zone: str
    tg_id: int
    mentor: str = ""
    answers: str = "never"  # early | late | never: when they press "Sudah selesai"; a kepsek: early | never
    school: str = ""  # a pengawas: several, "; "-separated
    district: str = "Kabupaten Simulasi"
    kendala: bool = False  # presses "Ada kendala" on their first reminder offering it (sick, a week)
    joins_at: datetime | None = None  # None: at the start
    blocks_at: datetime | None = None
    leaves_at: datetime | None = None


@dataclass
class Plan:
    """The cohort and its calendar, as the koordinator will set it."""

    members: list[Member]
    start: datetime
    end: datetime
    lokakarya: dict[int, date]
    moves: list[tuple[datetime, int, date]] = field(default_factory=list)  # (when, Lokakarya n, new date)
    broadcasts: list[datetime] = field(default_factory=list)
    workshops: dict[tuple[int, int], date] = field(default_factory=dict)  # Sekolah Penggerak (year, month) → day

    def by_tg(self) -> dict[int, Member]:
        return {m.tg_id: m for m in self.members}


def local(day: date, hour: int, zone: str = "WIB") -> datetime:
    """That day's hour in a zone, as UTC."""
    return datetime(day.year, day.month, day.day, hour, tzinfo=timezone.utc) - timedelta(hours=OFFSETS[zone])


def roster_update_after(at: datetime) -> datetime:
    """The koordinator's next roster upload: Mondays at 09:00 WIB, with everyone who left since the last one."""
    day = (at + timedelta(hours=OFFSETS["WIB"])).date()
    day += timedelta(days=(7 - day.weekday()) % 7)
    return local(day, 9) if local(day, 9) >= at else local(day + timedelta(days=7), 9)


def generate(scale: float = 0.01, seed: int = 15, compressed: bool = False, start: date = date(2026, 9, 7),
             days: int | None = None) -> Plan:
    """A cohort of 20,000 × scale CGPs (2,000 × scale PPs) and a Sekolah Penggerak cohort of 500 × scale schools
    (50 × scale FSPs); a compressed calendar has a Lokakarya every 4 days (the Sekolah Penggerak workshops stay
    monthly); `days` cuts the run short."""
    rng = random.Random(seed)
    cgps, pps = max(8, round(20_000 * scale)), max(2, round(2_000 * scale))
    gap, lead = (4, 16) if compressed else (28, 24)
    lokakarya = {n: start + timedelta(days=lead + gap * n) for n in range(8)}
    end_day = lokakarya[7] + timedelta(days=8) if days is None else start + timedelta(days=days)
    begin, end = local(start, 10), local(end_day, 20)
    days = (end_day - start).days

    def sometime(lo: int, hi: int, hour_lo: int = 8, hour_hi: int = 19) -> datetime:
        return local(start + timedelta(days=rng.randint(lo, hi)), rng.randint(hour_lo, hour_hi))

    members = [Member(f"PP{p:04d}", f"Pengajar Praktik {p}", "pp", ZONES[p % 3], FIRST_TG_ID + p) for p in range(pps)]
    for c in range(cgps):
        member = Member(f"CGP{c:05d}", f"Calon Guru {c}", "cgp", ZONES[(c // 2) % 3], FIRST_TG_ID + pps + c,
                        mentor=f"PP{c % pps:04d}", answers=rng.choices(("early", "late", "never"), (2, 1, 1))[0])
        fate = c % 16  # one in 16 each: joins late, blocks the bot, leaves, has a kendala
        member.kendala = fate == 13
        if fate == 3:
            member.joins_at = sometime(2, days // 4)
        elif fate == 7:
            member.blocks_at = sometime(days // 4, days - 2)
        elif fate == 11:
            member.leaves_at = roster_update_after(sometime(days // 4, days - 2))
        members.append(member)
    members += sekolah_penggerak(scale, FIRST_TG_ID + pps + cgps)
    for n, guru in enumerate(m for m in members if m.role == "guru"):
        if n % 4 == 3:  # one guru in four blocks the bot: the FSP is told
            guru.blocks_at = sometime(days // 4, days - 2)
    plan = Plan(members, begin, end, lokakarya)
    # The koordinator dates every other month's workshop (the second Wednesday); the others' PMO months stay on the 1st.
    month = date(start.year, start.month, 1)
    while month <= end_day:
        if month.month % 2 == 0:
            first_wednesday = month + timedelta(days=(2 - month.weekday()) % 7)
            plan.workshops[(month.year, month.month)] = first_wednesday + timedelta(days=7)
        month = date(month.year + month.month // 12, month.month % 12 + 1, 1)
    # The koordinator moves Lokakarya 4 two days later, before any of its reminders falls due.
    plan.moves.append((local(start + timedelta(days=3), 11), 4, lokakarya[4] + timedelta(days=2)))
    for month in range(0, days, 30 if not compressed else 20):
        plan.broadcasts.append(local(start + timedelta(days=month + 1), 10))
    return plan


def sekolah_penggerak(scale: float, first_tg_id: int) -> list[Member]:
    """500 × scale schools, each with a kepala sekolah and two guru, one pengawas per five schools, 50 × scale FSPs;
    an FSP's schools are in one district and zone. Two in three kepala sekolah send the PMO update when reminded,
    the others never."""
    schools, fsps = max(2, round(500 * scale)), max(1, round(50 * scale))
    tg = iter(range(first_tg_id, first_tg_id + 10**6))
    members = [Member(f"FSP{f:03d}", f"Fasilitator {f}", "fsp", ZONES[f % 3], next(tg), district=f"Kabupaten Sekolah {f}")
               for f in range(fsps)]
    covered: dict[int, list[str]] = {}
    for n in range(schools):
        fsp = members[n * fsps // schools]
        school = f"SD Penggerak {n}"
        covered.setdefault(n // 5, []).append(school)
        members.append(Member(f"KS{n:04d}", f"Kepala Sekolah {n}", "kepsek", fsp.zone, next(tg), mentor=fsp.external_id,
                              answers="never" if n % 3 == 1 else "early", school=school, district=fsp.district))
        for g in range(2):
            members.append(Member(f"GR{n:04d}{g}", f"Guru {n}-{g}", "guru", fsp.zone, next(tg), mentor=fsp.external_id,
                                  school=school, district=fsp.district))
    for p, names in covered.items():
        fsp = members[p * 5 * fsps // schools]  # the FSP of the first of the five schools
        members.append(Member(f"PG{p:03d}", f"Pengawas {p}", "pengawas", fsp.zone, next(tg), mentor=fsp.external_id,
                              school="; ".join(names), district=fsp.district))
    return members


PSP_ROLES = {"kepsek", "guru", "pengawas", "fsp"}


def roster_csv(plan: Plan, leaving: set[str] = frozenset()) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["id", "nama", "peran", "angkatan", "sekolah", "kabupaten/kota", "mentor", "zona waktu", "status"])
    for m in plan.members:
        school = m.school or (f"SMP Negeri {m.tg_id % 97}" if m.role == "cgp" else "")
        writer.writerow([m.external_id, m.name, m.role, PSP_COHORT if m.role in PSP_ROLES else COHORT, school,
                         m.district, m.mentor, m.zone, "keluar" if m.external_id in leaving else "aktif"])
    return out.getvalue().encode()


@dataclass
class Figures:
    steps: int = 0
    restarts: int = 0  # graceful
    hard_kills: int = 0
    claimed_at_kills: list[int] = field(default_factory=list)  # rows in 'sending' when the bot was killed
    recovery_seconds: list[float] = field(default_factory=list)  # wall time from a kill until the outbox was settled
    faults: int = 0
    wall_seconds: float = 0.0
    due_query_ms: list[float] = field(default_factory=list)  # the simulation's own look for the next due row
    broadcast_rates: list[float] = field(default_factory=list)  # virtual msg/s while a broadcast drained
    broadcast_rates_up: list[float] = field(default_factory=list)  # the same, less the seconds the bot was dead
    kill_instants: list[float] = field(default_factory=list)  # virtual timestamps of the hard kills
    broadcast_429s: list[int] = field(default_factory=list)  # flood-limit 429s after its first second
    broadcast_skipped: list[float] = field(default_factory=list)  # share of the step's virtual time that was skipped waits
    rss_mb_by_week: list[float] = field(default_factory=list)
    blocks_by_week: list[int] = field(default_factory=list)  # memory blocks Python has allocated (live objects)
    sim_data_mb_by_week: list[float] = field(default_factory=list)  # of that RSS, the simulation's own data
    sim_objects_by_week: list[int] = field(default_factory=list)  # the simulation's own objects among those blocks
    outbox_rows: int = 0
    database_bytes: int = 0


class SpilledDeliveries:
    """Deliveries kept on disk while the run goes on (pickled in batches to a temporary file): the process holds the
    bot, and its memory measured week by week is the bot's, not a record growing with every message."""

    def __init__(self) -> None:
        self._file = tempfile.TemporaryFile()
        self.count = 0

    def add(self, deliveries: list[Delivery]) -> None:
        if deliveries:
            pickle.dump(deliveries, self._file, protocol=pickle.HIGHEST_PROTOCOL)
            self.count += len(deliveries)

    def load(self) -> list[Delivery]:
        """Every delivery added, in order; the file is closed."""
        self._file.seek(0)
        loaded: list[Delivery] = []
        with self._file:
            while True:
                try:
                    loaded.extend(pickle.load(self._file))
                except EOFError:
                    return loaded


class Simulation:
    """Drive the real bot through the cohort's calendar on a virtual clock and record what the emulator received."""

    def __init__(self, plan: Plan, db: Database, content: Content, emulator: BotApiEmulator, faults: bool = True,
                 budget: RateBudget | None = None, fault_every_days: int = 3, kill_every: timedelta = KILL_EVERY,
                 wall_limit: float | None = None) -> None:
        self.plan, self.db, self.content, self.emulator, self.faults = plan, db, content, emulator, faults
        self.wall_limit = wall_limit  # seconds: then the run ends at the instant it has reached, judged up to there
        self.end_requested = False  # end_now(): as the wall limit, at once
        self.clock = FrozenClock(plan.start)
        self.deps = Deps(
            settings=Settings.from_env(telegram_bot_token=TOKEN, telegram_api_url=emulator.base_url,
                                       database_url=db.url, koordinator_ids=str(KOORDINATOR_ID)),
            content=content, db=db, clock=self.clock, extras={"timings": TIMINGS},
        )
        self.budget = budget  # None: the bot's own (a new one at each restart, as in production), on skipped waits
        self.time = SkippedWaits()
        emulator.limiter.clock = self.time.now
        self.record = SimRecord(plan=plan, classifier=Classifier(content))
        self.spilled = SpilledDeliveries()  # the record's deliveries, until the run ends
        self.figures = Figures()
        self.codes: dict[str, str] = {}
        self.members = plan.by_tg()
        self._seen = 0  # position in the emulator's log of sent messages
        self._presses: Counter[tuple[int, str]] = Counter()
        self._fault: int | None = None
        self._broadcast_from: tuple[int, float, float] | None = None  # when a broadcast began: sends, time, skipped
        self.fault_every = fault_every_days
        self.kill_every = kill_every
        self._kill_armed = False
        self._process: BotProcess | None = None

    # -- time ------------------------------------------------------------------

    async def _settle(self) -> None:
        """Wait until nothing is due in the outbox at the virtual now (the bot's drain job delivers it)."""
        while await background.outbox_due(self.deps):
            await asyncio.sleep(SETTLE)

    async def _due_people(self) -> int:
        """People with pending rows due at the virtual now (a batch holds one row per person)."""
        async with self.db.session() as s:
            return await s.scalar(select(func.count(OutboxMessage.person_id.distinct())).where(
                OutboxMessage.status == OutboxStatus.pending, OutboxMessage.due_at <= self.clock.now()))

    async def _next_due(self) -> datetime | None:
        async with self.db.session() as s:
            started = time.perf_counter()
            due = await s.scalar(select(func.min(OutboxMessage.due_at)).where(
                OutboxMessage.status == OutboxStatus.pending, OutboxMessage.due_at > self.clock.now()))
            self.figures.due_query_ms.append((time.perf_counter() - started) * 1000)
        return due.replace(tzinfo=timezone.utc) if due is not None and due.tzinfo is None else due

    # -- what people do -----------------------------------------------------------

    async def _join(self, member: Member) -> None:
        self.emulator.user(member.tg_id, member.name)
        self.emulator.send_text(member.tg_id, f"/start {self.codes[member.external_id]}")
        await self.emulator.wait_for(member.tg_id, lambda m: CONSENT in m.labels, timeout=20)
        self.emulator.click(member.tg_id, CONSENT)
        await self.emulator.wait_for(member.tg_id, "Selamat datang", timeout=20)
        self.record.acted(member.tg_id, self.clock.now())
        self.record.joined[member.tg_id] = self.clock.now()

    async def _block(self, member: Member) -> None:
        """Block the bot and wait until the bot has recorded it: the my_chat_member update is handled
        asynchronously, and a clock jump meanwhile would date the block (and the mentor's notice) wrongly."""
        self.emulator.block(member.tg_id)
        self.record.blocked[member.tg_id] = self.clock.now()
        deadline = time.monotonic() + 20
        while member.tg_id in self.record.joined:
            async with self.db.session() as s:
                if await s.scalar(select(Person.blocked_at).where(Person.tg_user_id == member.tg_id)) is not None:
                    return
            if time.monotonic() > deadline:
                raise TimeoutError(f"the bot never recorded that chat {member.tg_id} blocked it")
            await asyncio.sleep(SETTLE)

    async def _koordinator_broadcast(self, number: int) -> None:
        text = f"Siaran simulasi nomor {number}: mohon cek jadwal Lokakarya berikutnya."
        k = KOORDINATOR_ID
        steps = [("/siaran", "kepada siapa"), ("Per peran", "Pilih per peran"),
                 ("Calon Guru Penggerak (CGP)", "tulis pesan siaran"), (text, "Pratinjau"), ("Kirim sekarang", "orang)")]
        for word, expect in steps:
            self.emulator.mark_read(k)
            (self.emulator.send_text if word in ("/siaran", text) else self.emulator.click)(k, word)
            await self.emulator.wait_for(k, expect, timeout=20)
        self.record.acted(k, self.clock.now())
        self.record.broadcasts.append((self.clock.now(), text))

    async def _react(self, new: list[Delivery]) -> None:
        """People press "Sudah selesai" on the reminders they answer: early on the first, late on the second."""
        presses = []
        for d in new:
            member = self.members.get(d.chat_id)
            if member and member.kendala and KENDALA in d.labels and d.chat_id not in self.record.paused:
                await self._kendala(member, d)
                continue
            if member and member.role == "kepsek" and member.answers == "early" \
                    and self.record.classify(d.text) == "pmo_bulanan_kepsek":
                await self._pmo_update(member, d)
                continue
            if member is None or DONE not in d.labels or member.answers == "never":
                continue
            rule = self.record.classify(d.text)
            self._presses[(d.chat_id, rule)] += 1
            if self._presses[(d.chat_id, rule)] == (1 if member.answers == "early" else 2):
                presses.append((member, d))
        for member, d in presses:
            self.emulator.press(member.tg_id, d.message_id, d.done_data)
            self.record.acked.append((member.tg_id, self.record.classify(d.text), self.clock.now()))
            self.record.acted(member.tg_id, self.clock.now())
        for member, _ in presses:
            await self.emulator.wait_for(member.tg_id, "Sudah kami catat", timeout=20, edits=False)

    async def _pmo_update(self, member: Member, d: Delivery) -> None:
        """The kepala sekolah opens the PMO update from its reminder and sends it for the school."""
        open_flow = self.content.text("reminder.button.open_flow")
        status = "Sesuai rencana" if member.tg_id % 2 else "Perlu bantuan"
        self.emulator.mark_read(member.tg_id)
        self.emulator.click(member.tg_id, open_flow, d.message_id)
        for expect, word in (("(1/", "Tindak lanjut berjalan di kelas 4 dan 5"), ("(2/", "Lewati"), ("(3/", status),
                             ("(4/", "Lewati"), ("Tekan Kirim", "Kirim"), ("sudah terkirim", None)):
            await self.emulator.wait_for(member.tg_id, expect, timeout=20)
            if word is None:
                break
            (self.emulator.click if word in ("Lewati", status, "Kirim") else self.emulator.send_text)(member.tg_id, word)
        self.record.submitted.append((member.tg_id, "pmo_update", self.clock.now()))
        self.record.acted(member.tg_id, self.clock.now())

    async def _kendala(self, member: Member, d: Delivery) -> None:
        self.emulator.mark_read(member.tg_id)
        self.emulator.click(member.tg_id, KENDALA, d.message_id)
        for expect, label in (("Apa yang sedang", "🤒 Sakit"), ("Berapa lama", "1 minggu"), ("kami tunda", None)):
            await self.emulator.wait_for(member.tg_id, expect, timeout=20)
            if label:
                self.emulator.click(member.tg_id, label)
        self.record.paused[member.tg_id] = self.clock.now()
        self.record.acted(member.tg_id, self.clock.now())

    # -- the run ------------------------------------------------------------------

    def _measure_memory(self) -> None:
        """The process's RSS, the memory blocks Python holds (unlike RSS, not a high-water mark of the busiest day),
        and the simulation's own data."""
        self.figures.rss_mb_by_week.append(psutil.Process().memory_info().rss / 2**20)
        self.figures.blocks_by_week.append(sys.getallocatedblocks())
        size, objects = self._own_data()
        self.figures.sim_data_mb_by_week.append(size / 2**20)
        self.figures.sim_objects_by_week.append(objects)

    def end_now(self) -> None:
        """End the run at the next step, at the simulated instant reached (judged up to it)."""
        self.end_requested = True

    def _log_progress(self, started: float) -> None:
        f = self.figures
        log.warning("simulated %s: %d deliveries, %.0f s wall, RSS %.0f MB (simulation's data %.0f MB), %.2f million "
                    "blocks, next-due max %.1f ms, broadcasts %s msg/s", self.clock.now().date(), self.spilled.count,
                    time.monotonic() - started, f.rss_mb_by_week[-1], f.sim_data_mb_by_week[-1],
                    f.blocks_by_week[-1] / 1e6, max(f.due_query_ms, default=0),
                    " / ".join(f"{r:.1f}" for r in f.broadcast_rates) or "-")

    def _own_data(self) -> tuple[int, int]:
        """The simulation's share of the process's memory, in bytes and objects: its plan and record (the deliveries
        wait on disk), what the emulator keeps of recent messages, of callbacks and of every send's time (Python
        objects' deep size; the allocator's overhead not counted). Only plain data: a future or a task would lead
        the walk into the event loop and the bot."""
        world = self.emulator.world
        kept = [(chat.messages, chat.sent, chat.events, chat.sources) for chat in world.chats.values()]
        record = [value for name, value in vars(self.record).items() if name != "classifier"]  # content is the bot's too
        size = objects = 0
        for obj in objsize.traverse_bfs(record, world.sent_log, kept, world.answered_callbacks, world.callbacks,
                                        self.emulator.stats, self._presses, self.figures):
            size, objects = size + sys.getsizeof(obj), objects + 1
        return size, objects

    def _collect(self) -> list[Delivery]:
        """Messages the emulator recorded since the last look."""
        sent, self._seen = self.emulator.sent_since(self._seen)
        new = [Delivery.of(m) for m in sent if not m.deleted]
        self.spilled.add(new)
        return new

    async def _settled_rows(self) -> list[Settled]:
        """Every outbox row settled with a message, and whether it is flagged maybe_duplicate (for the oracle)."""
        async with self.db.session() as s:
            rows = await s.execute(
                select(OutboxMessage.id, Person.tg_chat_id, OutboxMessage.telegram_message_id, OutboxMessage.maybe_duplicate)
                .join(Person, Person.id == OutboxMessage.person_id)
                .where(OutboxMessage.telegram_message_id.is_not(None)))
            return [Settled(*row) for row in rows]

    async def _plan_jobs(self) -> None:
        await background.plan(self.deps, self.pacing)
        await background.report_broadcasts(self.deps)

    async def _import(self, leaving: set[str]) -> None:
        async with self.db.session() as s:
            result = await roster.import_file(s, roster_csv(self.plan, leaving), self.clock)
        self.codes.update({p.external_id: code for p, code in result.issued})

    async def _setup(self) -> None:
        use_time_source(lambda: self.clock.now().timestamp())
        await self._import(set())
        async with self.db.session() as s:
            cohort = await s.scalar(select(CohortRow).where(CohortRow.code == COHORT))
            for n, day in self.plan.lokakarya.items():
                await set_lokakarya_date(s, cohort, n, day)
            psp = await s.scalar(select(CohortRow).where(CohortRow.code == PSP_COHORT))
            for (_, month), day in self.plan.workshops.items():  # numbered by month
                await set_lokakarya_date(s, psp, month, day, kind="lokakarya_psp")

    async def _set_lokakarya(self, number: int, day: date) -> None:
        """As the koordinator's /kalender does (services.calendar_dates): the date, then the cohort re-planned."""
        async with self.db.session() as s:
            cohort = await s.scalar(select(CohortRow).where(CohortRow.code == COHORT))
            await set_lokakarya_date(s, cohort, number, day)
            await replan_cohort(s, self.content, self.clock, cohort.id)
        self.record.lokakarya[number] = day

    def _actions(self) -> list[tuple[datetime, str, object]]:
        out: list[tuple[datetime, str, object]] = []
        for m in self.plan.members:
            for kind, at in (("join", m.joins_at), ("block", m.blocks_at), ("leave", m.leaves_at)):
                if at is not None:
                    out.append((at, kind, m))
        out += [(at, "move", (n, day)) for at, n, day in self.plan.moves]
        out += [(at, "broadcast", i + 1) for i, at in enumerate(self.plan.broadcasts)]
        day = self.plan.start.date()
        while (at := datetime(day.year, day.month, day.day, 17, tzinfo=timezone.utc)) < self.plan.end:  # 00:00 WIB
            out.append((at, "plan", None))
            # and each zone's 07:00, when the bot's 15-minute planning queues that zone's mentors' digests
            out += [(local(day, 7, zone), "plan", None) for zone in ZONES if self.plan.start < local(day, 7, zone) < self.plan.end]
            day += timedelta(days=1)
        kill = self.plan.start + self.kill_every
        while kill < self.plan.end:
            out.append((kill, "kill", None))
            if kill + RESTART_AFTER_KILL < self.plan.end:
                out.append((kill + RESTART_AFTER_KILL, "restart", None))
            kill += self.kill_every
        if self.faults:  # some mornings, just before 07:00 WIB's reminders: the outbox's next sends fail
            for n, day in enumerate(range(1, (self.plan.end - self.plan.start).days, self.fault_every)):
                at = local(self.plan.start.date() + timedelta(days=day), 7) - timedelta(minutes=1)
                out.append((at, "fault", 429 if n % 2 else 500))
        return sorted(out, key=lambda a: (a[0], a[1]))

    def _broadcast_figures(self, first: int, began: float, skipped: float) -> None:
        """The send rate while a broadcast drained (whole seconds of virtual time, the first and last cut), the
        flood-limit 429s after its first second, and how much of the step's time was waiting (skipped): little
        means the rate was bound by real work (CPU), not by the budget."""
        stats = self.emulator.stats
        sends = stats.send_times[first:]
        if len(sends) < 20:
            return
        self.figures.broadcast_skipped.append((self.time.skipped - skipped) / max(self.time.now() - began, 1e-9))
        rate, rate_up = drain_rates(sends, self.figures.kill_instants)
        self.figures.broadcast_rates.append(rate)
        self.figures.broadcast_rates_up.append(rate_up)
        self.figures.broadcast_429s.append(sum(sends[0] + 1 < at <= sends[-1] for at in stats.rejected_times))

    @asynccontextmanager
    async def _bot(self) -> AsyncIterator[None]:
        rate = self.deps.settings.outbox_rate
        budget = self.deps.extras["budget"] = self.budget or RateBudget(
            bulk_rate=rate, paid_rate=paid_share(rate), restarted=True, now=self.time.now, sleep=self.time.sleep)
        self.time.busy = lambda: budget.in_flight > 0
        self.pacing = background.pacing()  # a new process plans everyone first
        process = self._process = BotProcess(build_application(self.deps))
        await process.start()
        await self._plan_jobs()  # as the bot's own planning job does a second after a start
        try:
            yield
        finally:
            self._process = None
            if not process.killed:
                await process.stop()

    async def _sending_rows(self) -> int:
        """Outbox rows claimed 'sending'."""
        async with self.db.session() as s:
            return await s.scalar(select(func.count()).select_from(OutboxMessage)
                                  .where(OutboxMessage.status == OutboxStatus.sending))

    async def _kill_while_sending(self) -> bool:
        """Kill the bot in the middle of a batch (see the module docstring); False if the outbox sent nothing
        within KILL_WAIT or had nothing claimed (the kill waits for a later instant)."""
        deadline = time.monotonic() + KILL_WAIT
        self.emulator.hold("sendMessage", after=1)  # the first message of a batch reaches Telegram, the rest stalls
        dropped = False
        try:
            while not await self.emulator.wait_activity(0.2):
                if time.monotonic() > deadline or not await background.outbox_due(self.deps):
                    return False
            if not await self._sending_rows():
                return False
            await self._process.kill(self.db)
            dropped = True
        finally:
            self.emulator.release("sendMessage", drop=dropped)  # their sender is gone: answered 502, not carried out
        claimed = await self._sending_rows()  # as the dead process left them (it may have claimed more meanwhile)
        self.deps.extras.pop("foreground", None)  # the dead process's; the new one has its own
        self.figures.hard_kills += 1
        self.figures.kill_instants.append(self.clock.now().timestamp())
        self.figures.claimed_at_kills.append(claimed)
        log.warning("killed the bot at %s with %d outbox rows claimed", self.clock.now(), claimed)
        return True

    async def run(self) -> SimRecord:
        started = time.monotonic()
        await self._setup()
        actions = deque(self._actions())
        leaving: set[str] = set()
        loop = asyncio.get_running_loop()
        previous = loop.get_task_factory()
        loop.set_task_factory(_process_tasks(previous))
        try:
            return await self._run(started, actions, leaving)
        finally:
            loop.set_task_factory(previous)

    async def _run(self, started: float, actions: deque[tuple[datetime, str, object]], leaving: set[str]) -> SimRecord:
        week_start = self.plan.start
        killed_at: float | None = None  # wall time of the last kill, until the outbox settled after it
        while True:
            async with self._bot():
                joining = [m for m in self.plan.members if m.joins_at is None and m.tg_id not in self.record.joined]
                koordinator_joined = KOORDINATOR_ID in self.record.joined
                for m in joining:
                    await self._join(m)
                if not koordinator_joined:
                    self.emulator.user(KOORDINATOR_ID, "Koordinator")
                    self.emulator.send_text(KOORDINATOR_ID, "/start")
                    reply = await self.emulator.wait_for(KOORDINATOR_ID, lambda m: CONSENT in m.labels or "Koordinator" in (m.text or ""), timeout=20)
                    if CONSENT in reply.labels:
                        self.emulator.click(KOORDINATOR_ID, CONSENT)
                        await self.emulator.wait_for(KOORDINATOR_ID, "Koordinator", timeout=20)
                    self.record.acted(KOORDINATOR_ID, self.clock.now())
                    self.record.joined[KOORDINATOR_ID] = self.clock.now()
                    await self._plan_jobs()
                restart = False
                while not restart:
                    if self._kill_armed and await self._due_people() >= KILL_MIN_PEOPLE and await self._kill_while_sending():
                        self._kill_armed, killed_at = False, time.monotonic()
                        break  # leaving the context starts a new Application, without stopping the dead one
                    if self._fault and await background.outbox_due(self.deps):  # only the outbox's sends fail
                        code, self._fault = self._fault, None
                        self.figures.faults += 1
                        self.emulator.fail("sendMessage", code, "Too Many Requests: retry after 1" if code == 429
                                           else "Internal Server Error", times=2, retry_after=1 if code == 429 else None)
                    await self._settle()
                    if killed_at is not None:
                        self.figures.recovery_seconds.append(time.monotonic() - killed_at)
                        killed_at = None
                    self.emulator.world.failing.pop("sendmessage", None)
                    new = self._collect()
                    if self._broadcast_from is not None:
                        self._broadcast_figures(*self._broadcast_from)
                        self._broadcast_from = None
                    await self._react(new)
                    await self._settle()
                    self._collect()
                    self.emulator.forget((self.clock.now() - KEEP_IN_EMULATOR).timestamp())
                    self.figures.steps += 1
                    if self.clock.now() - week_start >= timedelta(days=7):
                        week_start = self.clock.now()
                        self._measure_memory()
                        self._log_progress(started)
                    if (self.end_requested or self.wall_limit is not None and time.monotonic() - started > self.wall_limit) \
                            and self.clock.now() < self.plan.end:
                        self.plan.end = self.clock.now()  # everything due by now is delivered: judge up to here
                        log.warning("wall limit reached or end asked for: the run ends at %s", self.plan.end)
                    due = await self._next_due()
                    upcoming = actions[0][0] if actions else None
                    candidates = [t for t in (due, upcoming) if t is not None]
                    if not candidates or min(candidates) > self.plan.end:
                        if await background.report_broadcasts(self.deps):
                            continue  # a broadcast finished at the last instant (a run ended early): its report first
                        self._measure_memory()
                        self.record.outbox = await self._settled_rows()
                        self.record.deliveries = self.spilled.load()
                        self.figures.wall_seconds = time.monotonic() - started
                        return self.record
                    now = min(candidates)
                    self.clock.set(max(now, self.clock.now()))
                    reimport = False
                    while actions and actions[0][0] <= self.clock.now():
                        _, kind, what = actions.popleft()
                        if kind == "join":
                            await self._join(what)
                        elif kind == "block":
                            await self._block(what)
                        elif kind == "leave":
                            leaving.add(what.external_id)  # all who left by now: one upload
                            self.record.left[what.tg_id] = self.clock.now()
                            reimport = True
                        elif kind == "move":
                            await self._set_lokakarya(*what)
                            await self._plan_jobs()
                        elif kind == "broadcast":
                            self._broadcast_from = (self.emulator.stats.sends, self.time.now(), self.time.skipped)
                            await self._koordinator_broadcast(what)
                        elif kind == "plan":
                            await self._plan_jobs()
                        elif kind == "fault":
                            self._fault = what
                        elif kind == "restart":
                            restart = True
                            self.figures.restarts += 1
                        elif kind == "kill":
                            self._kill_armed = True  # at the next instant the outbox sends
                    if reimport:
                        await self._import(leaving)
                        await self._plan_jobs()
                    if restart:
                        self._collect()
            # leaving the context stopped the bot (or it was killed); the loop starts a new Application on the same database


async def database_size(db: Database) -> tuple[int, int]:
    """Outbox rows and database bytes."""
    async with db.session() as s:
        rows = await s.scalar(select(func.count()).select_from(OutboxMessage))
        if db.url.startswith("sqlite"):
            size = await s.scalar(text("SELECT page_count * page_size FROM pragma_page_count(), pragma_page_size()"))
        else:
            size = await s.scalar(text("SELECT pg_database_size(current_database())"))
    return rows, int(size)


def chart(record: SimRecord, path: Path) -> None:
    import matplotlib
    matplotlib.use("Agg")
    from matplotlib import pyplot

    per_day = record.per_day()
    days = sorted(per_day)
    figure, axes = pyplot.subplots(figsize=(10, 4))
    axes.bar(days, [per_day[d] for d in days])
    axes.set_title("Messages sent per simulated day (WIB)")
    axes.set_ylabel("messages")
    figure.autofmt_xdate()
    figure.tight_layout()
    figure.savefig(path)


async def main(args: argparse.Namespace) -> Judgement:
    content = load_content(SHIPPED_CONTENT_DIR)
    plan = generate(args.scale, args.seed, args.compressed, days=args.days)
    with tempfile.TemporaryDirectory() as workdir:
        url = args.database_url or fresh_database("sqlite", Path(workdir), "")
        if args.database_url:
            fresh_database("postgresql", Path(workdir), url)
        db = Database(url)
        emulator = BotApiEmulator(flood_limits=True)
        await emulator.start()
        sim = Simulation(plan, db, content, emulator, faults=not args.no_faults, wall_limit=args.wall_limit)
        asyncio.get_running_loop().add_signal_handler(signal.SIGUSR1, sim.end_now)
        try:
            record = await sim.run()
            sim.figures.outbox_rows, sim.figures.database_bytes = await database_size(db)
        finally:
            use_time_source(None)
            await emulator.stop()
            await db.dispose()
    judgement = Oracle(content, plan).judge(record)
    report(plan, record, sim.figures, judgement, emulator)
    if args.chart:
        chart(record, Path(args.chart))
    return judgement


def report(plan: Plan, record: SimRecord, f: Figures, judgement: Judgement, emulator: BotApiEmulator) -> None:
    per_day = record.per_day()
    days = (plan.end - plan.start).days
    peak_day = max(per_day, key=per_day.get) if per_day else None
    rss, blocks = f.rss_mb_by_week, f.blocks_by_week
    bot = [total - own for total, own in zip(rss, f.sim_data_mb_by_week)]
    bot_blocks = [total - own for total, own in zip(blocks, f.sim_objects_by_week)]
    p95 = sorted(f.due_query_ms)[int(len(f.due_query_ms) * 0.95)] if f.due_query_ms else float("nan")
    rows = [
        ("people", f"{len(plan.members)} ({sum(m.role == 'cgp' for m in plan.members)} CGP)"),
        ("simulated days", days), ("steps (clock jumps)", f.steps), ("graceful restarts / faults injected", f"{f.restarts} / {f.faults}"),
        ("hard kills (rows claimed at each; wall s until settled again)",
         f"{f.hard_kills} ({', '.join(map(str, f.claimed_at_kills)) or '-'}; "
         f"{', '.join(f'{s:.1f}' for s in f.recovery_seconds) or '-'})"),
        ("oracle: expected / delivered / mismatches", f"{judgement.expected} / {len(record.deliveries)} / {len(judgement.mismatches)}"),
        ("second copies of maybe_duplicate rows accepted / rows flagged",
         f"{judgement.duplicates} / {sum(r.maybe_duplicate for r in record.outbox)}"),
        ("messages per day peak (day) / mean", f"{per_day.get(peak_day, 0)} ({peak_day}) / {sum(per_day.values()) / max(days, 1):.1f}"),
        ("sender rate while broadcasts drain (virtual msg/s; goal 28–30)",
         " / ".join(f"{r:.1f} ({u:.1f} while the bot was up; {w:.0%} waits skipped)"
                    for r, u, w in zip(f.broadcast_rates, f.broadcast_rates_up, f.broadcast_skipped))
         if f.broadcast_rates else "n/a"),
        ("429s from the emulator's flood limits (all / while broadcasts drained, after their first second)",
         f"{emulator.stats.rejected} / {sum(f.broadcast_429s)}"),
        ("outbox rows / database size at the end", f"{f.outbox_rows} / {f.database_bytes / 2**20:.1f} MB"),
        ("next-due query p95 / max", f"{p95:.2f} / {max(f.due_query_ms, default=0):.2f} ms"),
        ("RSS after the first week → at the end (peak of the weekly samples)",
         f"{rss[0]:.1f} → {rss[-1]:.1f} MB ({rss[-1] / rss[0] - 1:+.0%}; peak {max(rss):.1f})" if rss else "n/a"),
        ("  less the simulation's own data (its plan and record, the emulator's recent messages)",
         f"{bot[0]:.1f} → {bot[-1]:.1f} MB ({bot[-1] / bot[0] - 1:+.0%})" if bot else "n/a"),
        ("memory blocks Python holds, after the first week → at the end (peak)",
         f"{blocks[0] / 1e6:.2f} → {blocks[-1] / 1e6:.2f} million ({blocks[-1] / blocks[0] - 1:+.0%}; peak "
         f"{max(blocks) / 1e6:.2f})" if blocks else "n/a"),
        ("  less the simulation's own objects",
         f"{bot_blocks[0] / 1e6:.2f} → {bot_blocks[-1] / 1e6:.2f} million ({bot_blocks[-1] / bot_blocks[0] - 1:+.0%})"
         if bot_blocks else "n/a"),
        ("wall time", f"{f.wall_seconds:.0f} s"),
    ]
    width = max(len(r[0]) for r in rows)
    for name, value in rows:
        print(f"{name:<{width}}  {value}")
    for mismatch in judgement.mismatches[:30]:
        print("MISMATCH", mismatch)


def cli() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--seed", type=int, default=15)
    parser.add_argument("--compressed", action="store_true", help="a Lokakarya every 4 days instead of every 28")
    parser.add_argument("--days", type=int, default=None, help="cut the run short after this many simulated days")
    parser.add_argument("--wall-limit", type=float, default=None,
                        help="seconds of wall time; then the run ends at the simulated instant reached, judged up to it")
    parser.add_argument("--database-url", default=None, help="a scratch PostgreSQL database (schema dropped)")
    parser.add_argument("--no-faults", action="store_true")
    parser.add_argument("--chart", default="cohort.png")
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    judgement = asyncio.run(main(args))
    raise SystemExit(1 if judgement.mismatches else 0)


if __name__ == "__main__":
    cli()

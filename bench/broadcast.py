"""Benchmark: a broadcast to N recipients through the emulator with Telegram's flood limits on, free and paid.

    .venv/bin/python -m bench.broadcast [--recipients 20000] [--normal-recipients 3000] [--lane both|normal|paid]
                                        [--database sqlite|postgresql] [--database-url URL]

The real Application runs in-process (default job timings, the shared RateBudget) against the Bot API
emulator with flood limits ON (30 msg/s overall, 1 msg/s per chat). N joined CGPs are bulk-inserted
(no quiet hours, so the figures do not depend on the hour), one broadcast to all of them is created, and
the bot's own outbox job drains it. Meanwhile one simulated user acts once per second, cycling through
/jadwal, /profil, "Ubah zona waktu" and choosing a zone (a write), and we time each reply. The user acts
one second after seeing the previous reply (as a person reads before tapping): acting on a fixed 1 s
tick would itself exceed Telegram's 1 message/s per chat, and the replies would queue behind that cap.
PostgreSQL: the schema of postgresql://postgres@127.0.0.1:5432/test_sched is DROPPED and migrated again.

Printed: broadcast messages/s sustained (per-second histogram from emulator.stats, the first and last
RAMP seconds excluded), 429s after the first second, total time, the user's reply p50/p95, RSS.
Goals (issue 5): ≥ 28 msg/s sustained, 0 × 429 after the first second, user reply p95 < 1 s.
The paid lane (issue 13: PAID_BROADCAST_MIN_RECIPIENTS set, the broadcast created paid) runs after the normal
one in the same invocation, each on a fresh database and emulator. Goal: 20,000 recipients in < 60 s.
"""
from __future__ import annotations

import argparse
import asyncio
import logging
import resource
import statistics
import tempfile
import time
from dataclasses import dataclass
from datetime import time as day_time
from pathlib import Path

import psutil
from sqlalchemy import insert

from bot.app import build_application
from bot.embedded import polling
from core.clock import SystemClock
from core.consent import notice_version
from core.content.loader import load_content
from core.settings import SHIPPED_CONTENT_DIR, Settings
from emulator import BotApiEmulator, NoMessage
from scheduler.broadcasts import Audience, create_broadcast
from services.context import Deps
from store.db import Database
from store.migrate import recreate
from store.models import Person, Role, utcnow

DEFAULT_PG = "postgresql://postgres@127.0.0.1:5432/test_sched"
TOKEN = "123456789:BENCH-broadcast_0123456789abcdefgh"
FIRST_CHAT = 1_000_000
USER = 999
RAMP = 2  # seconds excluded at each end of the per-second histogram
TEXT = "Yth. Bapak/Ibu, Lokakarya 3 dimulai Kamis pukul 08.00 WIB. Mohon hadir tepat waktu. Terima kasih."
USER_STEPS = [  # (action, argument, expected reply substring)
    ("say", "/jadwal", "jadwal"),
    ("say", "/profil", "Zona waktu"),
    ("press", "Ubah zona waktu", "Pilih zona waktu"),
    ("press", "WIB (Asia/Jakarta)", "WIB"),
]

log = logging.getLogger("bench.broadcast")


@dataclass
class Figures:
    paid: bool
    recipients: int
    total_seconds: float
    rate_sustained: float
    rate_overall: float
    per_second_min: int
    rejected_after_first: int
    rejected: int
    rejected_overall: int
    reply_p50: float
    reply_p95: float
    replies: int
    rss_start_mb: float
    rss_end_mb: float
    rss_peak_mb: float
    paid_sends: int
    stars: str


async def seed(db: Database, recipients: int, consent: str | None) -> tuple[int, list[int]]:
    """Bulk-insert the koordinator, N joined CGPs and the simulated user; return the koordinator id and chats."""
    chats = list(range(FIRST_CHAT, FIRST_CHAT + recipients))
    now = utcnow()
    common = {"role": Role.cgp.name, "timezone": "Asia/Jakarta", "quiet_start": day_time(0), "quiet_end": day_time(0),
              "joined_at": now, "created_at": now, "updated_at": now}
    async with db.session() as s:
        for start in range(0, recipients, 5000):
            await s.execute(insert(Person.__table__), [
                {"external_id": f"B{chat}", "name": f"Guru {chat}", "tg_user_id": chat, "tg_chat_id": chat, **common}
                for chat in chats[start:start + 5000]
            ])
        s.add(Person(external_id="USER", name="Pengguna Uji", role=Role.pp, tg_user_id=USER, tg_chat_id=USER,
                     timezone="Asia/Jakarta", joined_at=now, consent_version=consent, consent_at=now))
        koordinator = Person(external_id="K", name="Koordinator", role=Role.koordinator, timezone="Asia/Jakarta")
        s.add(koordinator)
        await s.flush()
        return koordinator.id, chats


async def simulated_user(emulator: BotApiEmulator, stop: asyncio.Event, latencies: list[float]) -> None:
    """Act one second after each reply (cycling through USER_STEPS) and time each reply."""
    step = 0
    while not stop.is_set():
        await asyncio.sleep(1.0)
        tick = time.monotonic()
        action, argument, expect = USER_STEPS[step % len(USER_STEPS)]
        if action == "say":
            emulator.send_text(USER, argument)
        else:
            emulator.click(USER, argument)
        try:
            await emulator.wait_for(USER, expect, timeout=30)
            latencies.append(time.monotonic() - tick)
        except NoMessage:
            latencies.append(float("inf"))
        step += 1


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] if ordered else float("nan")


async def run(url: str, recipients: int, paid: bool) -> Figures:
    recreate(url)
    content = load_content(SHIPPED_CONTENT_DIR)
    db = Database(url)
    koordinator_id, chats = await seed(db, recipients, notice_version(content))
    rss_start = psutil.Process().memory_info().rss / 2**20
    emulator = BotApiEmulator(flood_limits=True)
    await emulator.start()
    emulator.user(USER, "Pengguna")
    for chat in chats:
        emulator.user(chat, f"Guru {chat}")
    settings = Settings.from_env(telegram_bot_token=TOKEN, telegram_api_url=emulator.base_url, database_url=url,
                                 paid_broadcast_min_recipients=1 if paid else None)
    deps = Deps(settings=settings, content=content, db=db, clock=SystemClock())
    latencies: list[float] = []
    stop = asyncio.Event()
    try:
        async with polling(build_application(deps)):
            await asyncio.sleep(2)  # start-up calls (setMyCommands …) are not part of the broadcast
            user = asyncio.create_task(simulated_user(emulator, stop, latencies))
            emulator.stats.reset()
            started = time.monotonic()
            async with db.session() as s:
                await create_broadcast(s, await s.get(Person, koordinator_id), Audience("role", "cgp"), TEXT, utcnow(),
                                       paid=paid)
            pending = set(chats)
            while pending:
                await asyncio.sleep(0.2)
                pending = {c for c in pending if not emulator.world.chats[c].sent}
                elapsed = time.monotonic() - started
                if int(elapsed * 5) % 150 == 0:
                    log.info("%.0f s: %d of %d delivered", elapsed, len(chats) - len(pending), len(chats))
            total = time.monotonic() - started
            stop.set()
            await user
    finally:
        await emulator.stop()
        await db.dispose()
    per_second = emulator.stats.per_second()
    core = per_second[RAMP:-RAMP] if len(per_second) > 2 * RAMP else per_second
    user_per_second = len(latencies) / max(total, 1.0)  # the histogram counts the user's replies too
    sustained = statistics.mean(core) - user_per_second if core else float("nan")
    finite = [x for x in latencies if x != float("inf")]
    return Figures(
        paid=paid, paid_sends=emulator.stats.paid_sends, stars=str(emulator.stats.stars_spent), recipients=recipients, total_seconds=total, rate_sustained=sustained,
        rate_overall=recipients / total, per_second_min=min(core) if core else 0,
        rejected_after_first=emulator.stats.rejected_after(1.0), rejected=emulator.stats.rejected,
        rejected_overall=emulator.stats.rejected_overall,
        reply_p50=percentile(finite, 0.50), reply_p95=percentile(latencies, 0.95), replies=len(latencies),
        rss_start_mb=rss_start, rss_end_mb=psutil.Process().memory_info().rss / 2**20,
        rss_peak_mb=resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    )


def report(name: str, f: Figures) -> None:
    lane = "PAID broadcast (allow_paid_broadcast)" if f.paid else "normal broadcast"
    print(f"\n== {lane} to {f.recipients:,} recipients on {name} (emulator flood limits on) ==")
    rate_goal = f.recipients / 60 if f.paid else 28
    rows = [
        ("broadcast msg/s sustained", f"{f.rate_sustained:.1f}", f"≥ {rate_goal:.0f}", f.rate_sustained / rate_goal),
        ("msg/s overall (incl. ramp)", f"{f.rate_overall:.1f}", "", None),
        ("slowest whole second (msgs)", f"{f.per_second_min}", "", None),
        ("429s after the first second", f"{f.rejected_after_first} (all: {f.rejected}, {f.rejected_overall} overall)", "0", None),
        ("total time", f"{f.total_seconds:.1f} s", "< 60 s" if f.paid else f"≈ {f.recipients / 28:.0f} s",
         (60 if f.paid else f.recipients / 28) / f.total_seconds),
        ("paid sends · Stars spent", f"{f.paid_sends:,} · {f.stars}", "", None),
        ("user reply p50", f"{f.reply_p50 * 1000:.0f} ms", "", None),
        ("user reply p95", f"{f.reply_p95 * 1000:.0f} ms ({f.replies} replies)", "< 1000 ms", 1.0 / f.reply_p95),
        ("RSS start → end (peak)", f"{f.rss_start_mb:.0f} → {f.rss_end_mb:.0f} MB ({f.rss_peak_mb:.0f})", "", None),
    ]
    print(f"| {'figure':30} | {'value':32} | {'goal':10} | ratio |")
    print(f"|{'-' * 32}|{'-' * 34}|{'-' * 12}|-------|")
    for name_, value, goal, ratio in rows:
        print(f"| {name_:30} | {value:32} | {goal:10} | {'' if ratio is None else f'{ratio:.2f}':5} |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--recipients", type=int, default=20_000, help="of the paid broadcast")
    parser.add_argument("--normal-recipients", type=int, default=3_000, help="of the normal one (≈ 110 s at 28/s)")
    parser.add_argument("--lane", choices=("both", "normal", "paid"), default="both")
    parser.add_argument("--database", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--database-url", help="override the database (its schema is reset)")
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    log.setLevel(logging.INFO)
    with tempfile.TemporaryDirectory() as tmp:
        runs = [(False, args.normal_recipients)] * (args.lane != "paid") + [(True, args.recipients)] * (args.lane != "normal")
        figures = []
        for paid, recipients in runs:
            sqlite = f"sqlite:///{Path(tmp) / ('paid.db' if paid else 'normal.db')}"
            url = args.database_url or (DEFAULT_PG if args.database == "postgresql" else sqlite)
            figures.append(asyncio.run(run(url, recipients, paid)))
    for f in figures:
        report(args.database, f)


if __name__ == "__main__":
    main()

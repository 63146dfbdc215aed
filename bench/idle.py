"""Benchmark: the bot alone on an idle database, old against new, SQLite and PostgreSQL side by side.

    .venv/bin/python -m bench.idle [--seconds 30] [--old REF] [--database-url postgresql://…]

For each database and each version, `pendamping run` (the real process, long polling, default job timings)
runs against the Bot API emulator (in this process); nothing happens for `--seconds` and the bot process's
CPU time over that window is printed as a share of one core. Then the due-row latency: rows written by
another process (this one) due now, and rows due a few seconds ahead, each timed from the moment it is
due until the emulator has the message (median and worst of SAMPLES).
"old" is git REF (default: main before issue 10's idle work) unpacked into a temporary directory and run
from there; "new" is this tree. PostgreSQL: the schema at --database-url is DROPPED and migrated again.
Goal (issue 10 point 6): ≤ 0.5 % of a core idle, latency unchanged or better.
"""
from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import datetime, time as day_time, timezone
from pathlib import Path

import psutil
from sqlalchemy import create_engine, insert

from emulator import BotApiEmulator
from store.db import sync_url
from store.migrate import ensure_database
from store.models import OutboxMessage, Person, Role

ROOT = Path(__file__).resolve().parent.parent
OLD_REF = "ba3d2b9"  # main before the outbox alarm
DEFAULT_PG = "postgresql://postgres@127.0.0.1:5432/test_idle"
TOKEN = "123456789:BENCH-idle_0123456789abcdefghijk"
CHAT = 4242
SAMPLES = 5
AHEAD = 3.0  # seconds ahead for the rows due later
WARMUP = 5.0
CHILD = "import sys; from bot.cli import main; sys.exit(main(['run']))"


@dataclass
class Figures:
    cpu_percent: float  # of one core
    due_now: list[float]
    due_later: list[float]


def unpack(ref: str, into: Path) -> Path:
    archive = subprocess.run(["git", "-C", str(ROOT), "archive", ref], check=True, capture_output=True).stdout
    subprocess.run(["tar", "-x", "-C", str(into)], input=archive, check=True)
    return into


def in_tree(tree: Path, code: str, env: dict[str, str]) -> None:
    subprocess.run([sys.executable, "-c", code], cwd=tree, env={**env, "PYTHONPATH": str(tree)}, check=True)


def seed(url: str, chat: int) -> int:
    """A joined person without quiet hours; one per sample (Telegram paces messages to one chat)."""
    engine = create_engine(sync_url(url))
    with engine.begin() as connection:
        person = connection.execute(insert(Person.__table__).values(
            external_id=f"IDLE{chat}", name="Guru Uji", role=Role.cgp.name, tg_user_id=chat, tg_chat_id=chat,
            timezone="Asia/Jakarta", quiet_start=day_time(0), quiet_end=day_time(0),
            joined_at=datetime.now(timezone.utc)).returning(Person.__table__.c.id)).scalar_one()
    engine.dispose()
    return person


def add_row(url: str, person: int, key: str, due_at: datetime) -> None:
    engine = create_engine(sync_url(url))
    with engine.begin() as connection:
        connection.execute(insert(OutboxMessage.__table__).values(
            dedupe_key=key, person_id=person, kind="notice", text=key, due_at=due_at))
    engine.dispose()


async def arrival(emulator: BotApiEmulator, chat: int, key: str, due: float) -> float:
    await emulator.wait_for(chat, key, timeout=70)
    return time.time() - due


async def measure(tree: Path, url: str, seconds: float) -> Figures:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DATABASE", "TELEGRAM", "WEBHOOK"))}
    in_tree(tree, f"from store.migrate import recreate; recreate({url!r})", env)
    chats = [CHAT + n for n in range(2 * SAMPLES)]
    people = [seed(url, chat) for chat in chats]
    async with BotApiEmulator() as emulator:
        base = emulator.base_url
        for chat in chats:
            emulator.user(chat, "Guru")
        bot = subprocess.Popen(
            [sys.executable, "-c", CHILD], cwd=tree,
            env={**env, "PYTHONPATH": str(tree), "TELEGRAM_BOT_TOKEN": TOKEN, "TELEGRAM_API_URL": base,
                 "DATABASE_URL": url},
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            process = psutil.Process(bot.pid)
            started = time.monotonic()
            while not emulator.commands():  # published in post_init: the jobs are scheduled
                assert bot.poll() is None and time.monotonic() - started < 120, "the bot did not start"
                await asyncio.sleep(0.2)
            await asyncio.sleep(WARMUP)  # the first plan and report runs
            before = process.cpu_times()
            await asyncio.sleep(seconds)
            after = process.cpu_times()
            cpu = (after.user + after.system - before.user - before.system) / seconds * 100
            due_now, due_later = [], []
            for n in range(SAMPLES):
                await asyncio.sleep(0.5)
                key, due = f"sekarang {n}", time.time()
                await asyncio.to_thread(add_row, url, people[n], key, datetime.now(timezone.utc))
                due_now.append(await arrival(emulator, chats[n], key, due))
            for n in range(SAMPLES, 2 * SAMPLES):
                key, due = f"nanti {n}", time.time() + AHEAD
                await asyncio.to_thread(add_row, url, people[n], key, datetime.fromtimestamp(due, timezone.utc))
                due_later.append(await arrival(emulator, chats[n], key, due))
        finally:
            bot.terminate()
            bot.wait(30)
    return Figures(cpu, due_now, due_later)


def row(label: str, figures: Figures) -> str:
    def ms(values: list[float]) -> str:
        return f"{statistics.median(values) * 1000:6.0f} / {max(values) * 1000:6.0f}"
    return f"{label:<18} {figures.cpu_percent:8.3f} %   {ms(figures.due_now)}     {ms(figures.due_later)}"


async def main(seconds: float, old_ref: str, pg_url: str) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        Path(tmp, "old").mkdir()
        ensure_database(pg_url)  # an old tree's recreate() may not create it
        old = unpack(old_ref, Path(tmp, "old").resolve())
        print(f"idle CPU over {seconds:.0f} s (share of one core); latency from due to delivered, ms (median / worst "
              f"of {SAMPLES}); old = {old_ref}, new = this tree")
        print(f"{'':<18} {'idle CPU':>10}   {'due now':>15}     {'due +3 s':>15}")
        for name, url in (("sqlite", f"sqlite:///{tmp}/idle-{{}}.db"), ("postgresql", pg_url)):
            results = {}
            for version, tree in (("old", old), ("new", ROOT)):
                results[version] = await measure(tree, url.format(version), seconds)
                print(row(f"{name} {version}", results[version]), flush=True)
            ratio = results["new"].cpu_percent / results["old"].cpu_percent if results["old"].cpu_percent else float("nan")
            print(f"{name} new/old idle CPU: {ratio:.2f}×", flush=True)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=30.0)
    parser.add_argument("--old", default=OLD_REF, help="git ref of the old behaviour")
    parser.add_argument("--database-url", default=DEFAULT_PG, help="PostgreSQL database (its schema is dropped)")
    args = parser.parse_args()
    asyncio.run(main(args.seconds, args.old, args.database_url))

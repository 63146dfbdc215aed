"""Benchmark: N simulated CGPs walk PI 1 through the emulator against the real bot, next to a bare echo bot.

    .venv/bin/python -m bench.conversation [--users 50] [--database sqlite|postgresql|both] [--flow pi1]

For each database (a fresh SQLite file; postgresql://postgres@127.0.0.1:5432/test_flows, whose schema is
DROPPED and migrated again) the real Application runs in-process against the Bot API emulator (flood
limits off, and the bot's own send budget lifted, so neither caps the figures). A generated roster of
N CGPs and N/10 PPs is imported and everyone joins; then all CGPs at once walk the flow: /refleksi,
open it, answer every question (first choice button, or a text), Kirim. Each user waits for the bot's
reply before the next update. Latency is from injecting the update to the reply the user waits for
(the next question, the review, the confirmation). Users act as fast as the replies come, with real
message dates; afterwards every typed answer must be exactly the text typed for its question (nothing
glued or misplaced), or the run fails. Then the bare python-telegram-bot echo bot
(bench/echo_bot.py) serves the same number of users sending the same number of texts through the same
emulator. Goals (issue 10): throughput ≥ 0.5 × echo, p99 ≤ 3 × echo, on SQLite and PostgreSQL.
"""
from __future__ import annotations

import argparse
import asyncio
import csv
import logging
import random
import re
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import make_url, select

from bench.echo_bot import build_echo_application
from bot.app import build_application
from bot.embedded import polling
from services.context import Deps
from core.clock import SystemClock
from core.content.loader import load_content
from core.content.schema import Flow
from core.settings import SHIPPED_CONTENT_DIR, Settings
from emulator import BotApiEmulator, SentMessage
from core.ratelimit import RateBudget
from roster import importer as roster
from store.db import Database
from store.migrate import recreate
from store.models import Answer, FlowRun, Person

DEFAULT_PG = "postgresql://postgres@127.0.0.1:5432/test_flows"
TOKEN = "123456789:BENCH-conversation_0123456789abcdef"
FIRST_USER = 100_000
TIMEOUT = 60.0
GOAL_THROUGHPUT, GOAL_P99 = 0.5, 3.0  # ours / echo (issue 10)
UNLIMITED = 10**9
QUESTION = re.compile(r"\(\d+/\d+\)")
MEDIA_QUESTION = "tekan Lanjut atau ketik selesai"  # the hint under a media question

Want = Callable[[str, SentMessage], bool]


@dataclass
class Figures:
    database: str
    bot: str
    latencies: list[float] = field(default_factory=list)
    seconds: float = 0.0
    cpu_seconds: float = 0.0  # this process's CPU time: bot, emulator and simulated users share one event loop

    @property
    def updates(self) -> int:
        return len(self.latencies)

    @property
    def per_second(self) -> float:
        return self.updates / self.seconds

    def percentile(self, p: float) -> float:
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, int(p / 100 * len(ordered)))] * 1000


class Chat:
    """One simulated user: inject an update, wait for the reply it needs, record the latency."""

    think = 0.0  # mean seconds a user reads and types before acting (0: at once, saturating the bot)

    def __init__(self, emulator: BotApiEmulator, user_id: int, latencies: list[float]) -> None:
        self.emulator, self.id, self.latencies = emulator, user_id, latencies
        self.seen = len(emulator.events(user_id))
        self.pause = random.Random(user_id)

    async def exchange(self, act: Callable[[], object], want: Want) -> SentMessage:
        if self.think:
            await asyncio.sleep(self.think * self.pause.uniform(0.5, 1.5))
        started = time.perf_counter()
        act()
        while True:
            events = await self.emulator.wait_events(self.id, self.seen, TIMEOUT)
            if not events:
                raise TimeoutError(f"user {self.id}: no reply within {TIMEOUT}s")
            for seq, kind, message in events:
                self.seen = seq
                if want(kind, message):
                    self.latencies.append(time.perf_counter() - started)
                    return message

    def say(self, words: str, want: Want) -> object:
        return self.exchange(lambda: self.emulator.send_text(self.id, words), want)

    def click(self, label: str, message: SentMessage, want: Want) -> object:
        return self.exchange(lambda: self.emulator.click(self.id, label, message.message_id), want)


PRIVACY_NOTICE = "Pemberitahuan data pribadi"  # joining: the notice first, then "Setuju"


def _sent(contains: str) -> Want:
    return lambda kind, m: kind == "sent" and contains in (m.text or "")


def _next_step(kind: str, message: SentMessage) -> bool:
    """A new question "(n/N)" or the end of the review (edits of answered questions are not what a user waits for)."""
    body = message.text or ""
    return kind == "sent" and (QUESTION.search(body) is not None or "Tekan Kirim" in body)


async def walk_flow(chat: Chat, title: str) -> None:
    """/refleksi, open the flow, answer everything, Kirim."""
    await chat.say("/refleksi", _sent("Pilih refleksi"))
    message = await chat.click(title, chat.emulator.last(chat.id), _next_step)
    n = 0
    while "Tekan Kirim" not in (message.text or ""):
        n += 1
        choices = [label for label in message.labels if label not in ("Kembali", "Lewati")]
        if MEDIA_QUESTION in (message.text or ""):  # a photo, then its "Lanjut" button
            message = await chat.exchange(lambda: chat.emulator.send_photo(chat.id, caption=f"Foto {n}"), _sent("Diterima"))
        elif choices:
            message = await chat.click(choices[0], message, _next_step)
        else:
            message = await chat.say(f"Jawaban nomor {n} dari peserta {chat.id}", _next_step)
    await chat.click("Kirim", message, _sent("sudah terkirim"))


async def echo_walk(chat: Chat, updates: int) -> None:
    for n in range(updates):
        await chat.say(f"Jawaban nomor {n} dari peserta {chat.id}", lambda kind, m: kind == "sent")


def write_roster(path: Path, users: int) -> Path:
    pps = max(1, users // 10)
    with path.open("w", newline="", encoding="utf-8") as handle:
        out = csv.writer(handle)
        out.writerow(["id", "nama", "peran", "angkatan", "sekolah", "kabupaten/kota", "mentor", "zona waktu"])
        for p in range(pps):
            out.writerow([f"PP{p:04d}", f"Pengajar Praktik {p}", "pp", "11", "", "Kabupaten Bench", "", "WIB"])
        for c in range(users):
            out.writerow([f"CGP{c:05d}", f"Calon Guru {c}", "cgp", "11", f"SMP Negeri {c % 40}", "Kabupaten Bench",
                          f"PP{c % pps:04d}", "WIB"])
    return path


def fresh_database(kind: str, workdir: Path, pg_url: str) -> str:
    if kind == "sqlite":
        url = f"sqlite:///{workdir / 'bench.db'}"
    else:
        url = pg_url
    recreate(url)
    return url


async def join_everyone(emulator: BotApiEmulator, codes: dict[str, str]) -> dict[str, int]:
    """Every imported person joins with their code; returns {external id: Telegram user id}."""
    ids = {external_id: FIRST_USER + n for n, external_id in enumerate(sorted(codes))}

    async def join(external_id: str) -> None:
        emulator.user(ids[external_id], external_id)
        chat = Chat(emulator, ids[external_id], [])
        notice = await chat.say(f"/start {codes[external_id]}", _sent(PRIVACY_NOTICE))
        await chat.click("Setuju", notice, _sent("Selamat datang"))

    await asyncio.gather(*(join(e) for e in ids))
    return ids


async def bench_ours(kind: str, users: int, flow_title: str, pg_url: str) -> tuple[Figures, int]:
    """Our bot: join, then all CGPs walk the flow at once; returns figures and updates per user."""
    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        url = fresh_database(kind, workdir, pg_url)
        content = load_content(SHIPPED_CONTENT_DIR)
        db = Database(url)
        async with BotApiEmulator(flood_limits=False) as emulator:
            settings = Settings.from_env(telegram_bot_token=TOKEN, telegram_api_url=emulator.base_url, database_url=url)
            budget = RateBudget(rate=UNLIMITED, bulk_rate=UNLIMITED, chat_interval=0, min_gap=0)
            deps = Deps(settings=settings, content=content, db=db, clock=SystemClock(), extras={"budget": budget})
            async with db.session() as session:
                result = await roster.import_file(session, write_roster(workdir / "roster.csv", users).read_bytes(), SystemClock())
            codes = {person.external_id: code for person, code in result.issued}
            async with polling(build_application(deps)):
                ids = await join_everyone(emulator, codes)
                cgps = [ids[e] for e in ids if e.startswith("CGP")]
                figures = Figures(kind, "pendamping")
                chats = [Chat(emulator, user_id, figures.latencies) for user_id in cgps]
                started, cpu = time.perf_counter(), time.process_time()
                await asyncio.gather(*(walk_flow(chat, flow_title) for chat in chats))
                figures.seconds, figures.cpu_seconds = time.perf_counter() - started, time.process_time() - cpu
        wrong = await misfiled_answers(db, next(f for f in content.flows.values() if f.title == flow_title))
        await db.dispose()
    if wrong:
        raise AssertionError(f"{len(wrong)} text answers glued or misplaced, e.g. {wrong[:3]}")
    return figures, figures.updates // len(cgps)


async def misfiled_answers(db: Database, flow: Flow) -> list[tuple[int, str, str]]:
    """Text answers that are not exactly what walk_flow typed for that question: (user, question, value)."""
    numbers = {q.id: n for n, q in enumerate(flow.questions(), 1)}
    async with db.session() as session:
        rows = (await session.execute(
            select(Person.tg_user_id, Answer.question_id, Answer.value)
            .join(FlowRun, FlowRun.id == Answer.run_id).join(Person, Person.id == FlowRun.person_id)
            .where(FlowRun.flow_id == flow.id)
        )).all()
    return [
        (user, question, value) for user, question, value in rows
        if isinstance(value, str) and "Jawaban nomor" in value
        and value != f"Jawaban nomor {numbers[question]} dari peserta {user}"
    ]


async def bench_echo(kind: str, users: int, per_user: int) -> Figures:
    async with BotApiEmulator(flood_limits=False) as emulator:
        async with polling(build_echo_application(emulator.base_url)):
            figures = Figures(kind, "echo")
            chats = []
            for n in range(users):
                emulator.user(FIRST_USER + n, f"Echo {n}")
                chats.append(Chat(emulator, FIRST_USER + n, figures.latencies))
            started, cpu = time.perf_counter(), time.process_time()
            await asyncio.gather(*(echo_walk(chat, per_user) for chat in chats))
            figures.seconds, figures.cpu_seconds = time.perf_counter() - started, time.process_time() - cpu
    return figures


def print_table(rows: list[Figures]) -> None:
    print(f"{'database':<11} {'bot':<11} {'updates':>7} {'updates/s':>10} {'p50 ms':>8} {'p99 ms':>8} {'CPU ms/update':>14}")
    for f in rows:
        print(f"{f.database:<11} {f.bot:<11} {f.updates:>7} {f.per_second:>10.1f} {f.percentile(50):>8.1f} "
              f"{f.percentile(99):>8.1f} {f.cpu_seconds / f.updates * 1000:>14.1f}")
    print()
    if Chat.think:
        print("Paced run: both bots receive the same offered load, so updates/s match by construction; the goals "
              "apply to the saturating run (--think 0). Compare the latencies.")
        return
    for ours, echo in zip(rows[::2], rows[1::2]):
        throughput, p99 = ours.per_second / echo.per_second, ours.percentile(99) / echo.percentile(99)
        cpu = (ours.cpu_seconds / ours.updates) / (echo.cpu_seconds / echo.updates)
        print(f"{ours.database}: throughput ours/echo {throughput:.2f} "
              f"(goal ≥ {GOAL_THROUGHPUT:g}: {'met' if throughput >= GOAL_THROUGHPUT else 'MISSED'}), "
              f"p99 ours/echo {p99:.2f} (goal ≤ {GOAL_P99:g}: {'met' if p99 <= GOAL_P99 else 'MISSED'}), "
              f"CPU per update ours/echo {cpu:.2f}")


async def main(users: int, databases: list[str], flow_id: str, pg_url: str, think: float) -> None:
    Chat.think = think
    title = load_content(SHIPPED_CONTENT_DIR).flows[flow_id].title
    rows: list[Figures] = []
    for kind in databases:
        ours, per_user = await bench_ours(kind, users, title, pg_url)
        rows += [ours, await bench_echo(kind, users, per_user)]
    pacing = f"each acting {think:g} s (±50 %) after the reply" if think else "each acting as soon as the reply arrives"
    print(f"{users} users, flow {flow_id} ({rows[0].updates // users} updates each), {pacing}\n")
    print_table(rows)


def cli() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--database", choices=["sqlite", "postgresql", "both"], default="both")
    parser.add_argument("--flow", default="pi1", help="a CGP flow id (default pi1)")
    parser.add_argument("--postgresql-url", default=DEFAULT_PG)
    parser.add_argument("--think", type=float, default=0.0,
                        help="mean seconds users wait before each action (default 0: saturate the bot, the issue's measure)")
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    databases = ["sqlite", "postgresql"] if args.database == "both" else [args.database]
    if make_url(args.postgresql_url).get_backend_name() != "postgresql":
        parser.error("--postgresql-url must be a postgresql:// URL")
    asyncio.run(main(args.users, databases, args.flow, args.postgresql_url, args.think))


if __name__ == "__main__":
    cli()

"""The outbox across processes: a bot killed half-way through a broadcast, and two senders on one outbox.

Both run `python -m bot …` as an operator would, against the emulator with Telegram's flood limits on,
and count what each chat received.
"""
from __future__ import annotations

import asyncio
import os
import signal
import time as monotonic
from collections import Counter
from datetime import time

import pytest
from sqlalchemy import func, insert, select

from emulator import BotApiEmulator
from scheduler.broadcasts import Audience, create_broadcast
from store.db import Database
from store.models import OutboxMessage, OutboxStatus, Person, Role
from store.models import utcnow
from tests.e2e.harness import TOKEN
from tests.e2e.test_process import PENDAMPING, _env

FIRST_CHAT = 20_000
BATCH_SIZE = 14  # scheduler.sender.OutboxSender's default
CRASH_WINDOW = 2 * BATCH_SIZE  # documented in scheduler/sender.py: batches k-1 and k
RESUME_SECONDS = 10  # every recipient has the broadcast this soon after the restarted bot's first message


async def seed_broadcast(db: Database, emulator: BotApiEmulator, recipients: int) -> list[int]:
    """Joined CGPs (no quiet hours, so the test runs at any hour) and one broadcast to them all; their chat ids."""
    chats = list(range(FIRST_CHAT, FIRST_CHAT + recipients))
    now = utcnow()
    async with db.session() as s:
        await s.execute(insert(Person.__table__), [
            {"external_id": f"X{chat}", "name": f"Guru {chat}", "role": Role.cgp.name, "tg_user_id": chat,
             "tg_chat_id": chat, "timezone": "Asia/Jakarta", "quiet_start": time(0), "quiet_end": time(0),
             "joined_at": now, "created_at": now, "updated_at": now}
            for chat in chats
        ])
        koordinator = Person(name="Koordinator", role=Role.koordinator, timezone="Asia/Jakarta")
        s.add(koordinator)
        await s.flush()
        await create_broadcast(s, koordinator, Audience("role", "cgp"), "Siaran uji ketahanan.", now)
    for chat in chats:
        emulator.user(chat, f"Guru {chat}")
    return chats


def counts(emulator: BotApiEmulator, chats: list[int]) -> Counter:
    return Counter({chat: len(emulator.sent(chat)) for chat in chats})


async def until(condition, timeout: float, what: str) -> None:
    deadline = asyncio.get_running_loop().time() + timeout
    while not condition():
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await asyncio.sleep(0.05)


async def start(*args: str, env: dict[str, str], cwd) -> asyncio.subprocess.Process:
    return await asyncio.create_subprocess_exec(*PENDAMPING, *args, env=env, cwd=cwd,
                                                stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.PIPE)


async def test_sigkill_half_way_through_a_broadcast_resumes_at_once_and_counts_its_copies(
        tmp_path, database_url, db, emulator):
    emulator.flood_limits = True
    chats = await seed_broadcast(db, emulator, 150)
    env = _env(TELEGRAM_BOT_TOKEN=TOKEN, TELEGRAM_API_URL=emulator.base_url, DATABASE_URL=database_url)

    bot = await start("run", env=env, cwd=tmp_path)
    try:
        await until(lambda: sum(1 for n in counts(emulator, chats).values() if n) >= 75 or bot.returncode is not None,
                    60, "half the broadcast")
    finally:
        if bot.returncode is None:
            bot.kill()  # SIGKILL: no shutdown, rows in flight stay claimed
        await bot.wait()
    assert bot.returncode == -signal.SIGKILL, (await bot.stderr.read()).decode()[-3000:]  # not ended on its own
    delivered_before = sum(1 for n in counts(emulator, chats).values() if n)
    assert delivered_before < len(chats)
    async with db.session() as s:
        left_claimed = await s.scalar(select(func.count()).select_from(OutboxMessage)
                                      .where(OutboxMessage.status == OutboxStatus.sending))

    restarted, sends_before = monotonic.monotonic(), emulator.stats.sends
    bot = await start("run", env=env, cwd=tmp_path)
    try:
        # Counted from the new process's first message, not its spawn: Python's start is the machine's, not the bot's.
        await until(lambda: emulator.stats.sends > sends_before or bot.returncode is not None, 60, "the restarted bot")
        await until(lambda: all(counts(emulator, chats).values()), RESUME_SECONDS,
                    "every recipient, soon after the restarted bot's first message")
    finally:
        bot.send_signal(signal.SIGINT)
        await asyncio.wait_for(bot.communicate(), 30)
    per_chat = counts(emulator, chats)
    twice = {chat for chat, n in per_chat.items() if n > 1}
    assert max(per_chat.values()) <= 2 and len(twice) <= CRASH_WINDOW, (delivered_before, left_claimed, twice)
    assert not [t for t in emulator.stats.rejected_times if t > restarted], "the restart provoked 429s"
    async with db.session() as s:
        rows = (await s.execute(select(Person.tg_chat_id, OutboxMessage.status, OutboxMessage.maybe_duplicate)
                                .join(Person, Person.id == OutboxMessage.person_id)
                                .where(OutboxMessage.kind == "broadcast"))).all()
    assert {status for _, status, _ in rows} == {OutboxStatus.sent}
    flagged = {chat for chat, _, maybe_duplicate in rows if maybe_duplicate}
    assert twice <= flagged, "every copy is counted as 'mungkin terkirim dua kali'"
    assert len(flagged) == left_claimed  # exactly the dead bot's claims


async def test_two_send_outbox_processes_deliver_each_row_exactly_once(tmp_path, database_url, db, emulator):
    if db.is_sqlite:
        pytest.skip("SQLite has no FOR UPDATE SKIP LOCKED: one sender per database file")
    emulator.flood_limits = True
    chats = await seed_broadcast(db, emulator, 300)
    env = _env(TELEGRAM_BOT_TOKEN=TOKEN, TELEGRAM_API_URL=emulator.base_url, DATABASE_URL=database_url)

    senders = [await start("send-outbox", "--rate", "14", env=env, cwd=tmp_path) for _ in range(2)]
    try:
        await until(lambda: all(counts(emulator, chats).values()), 60, "every recipient")
    finally:
        for sender in senders:
            sender.send_signal(signal.SIGTERM)
        results = [await asyncio.wait_for(sender.communicate(), 30) for sender in senders]
    assert [s.returncode for s in senders] == [0, 0], [err.decode()[-500:] for _, err in results]
    await asyncio.sleep(0.5)  # nothing more trickles in
    assert set(counts(emulator, chats).values()) == {1}
    async with db.session() as s:
        workers = (await s.execute(select(OutboxMessage.claimed_by, func.count()).where(
            OutboxMessage.status == OutboxStatus.sent).group_by(OutboxMessage.claimed_by))).all()
    assert len(workers) == 2 and all(str(os.getpid()) not in w for w, _ in workers)
    assert emulator.stats.rejected == 0

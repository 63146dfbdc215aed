"""Webhook mode: Telegram's 200 only after the update's unit of work; redeliveries are repeats; two worker
processes behind one URL (PostgreSQL), one SIGKILLed mid-update, lose nothing and apply nothing twice."""
from __future__ import annotations

import asyncio
import socket
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import psutil
import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from bot.app import build_application
from bot.webhook import Listen, serve
from core.clock import SystemClock
from roster import importer as roster
from services.context import Deps
from store.models import FlowRun, HandledUpdate, Person
from tests.e2e.conftest import EXAMPLES
from tests.e2e.harness import FAST_JOBS, TOKEN, User, answer_until_review, daytime_clock, progress, settings_for
from tests.e2e.test_process import PENDAMPING, _env

SECRET = "rahasia-webhook_123"
PEOPLE = {f"CGP0{n}": 8100 + n for n in range(1, 7)}


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


async def codes(db) -> dict[str, str]:
    async with db.session() as s:
        result = await roster.import_file(s, (EXAMPLES / "roster.csv").read_bytes(), SystemClock())
    return {p.external_id: c for p, c in result.issued}


@asynccontextmanager
async def webhook_bot(emulator, db, content) -> AsyncIterator[int]:
    """The bot in this process on a webhook; yields its port."""
    port = free_port()
    deps = Deps(settings=settings_for(emulator, db.url), content=content, db=db, clock=daytime_clock(),
                extras={"timings": FAST_JOBS})
    stop = asyncio.Event()
    task = asyncio.create_task(serve(build_application(deps), Listen("127.0.0.1", port, SECRET, f"http://127.0.0.1:{port}"),
                                     stop))
    try:
        while not emulator.webhook_url:
            assert not task.done(), task.exception()
            await asyncio.sleep(0.05)
        yield port
    finally:
        stop.set()
        await asyncio.wait_for(task, 30)


async def all_answered(emulator) -> None:
    for _ in range(100):
        if not emulator.pending_updates:
            return
        await asyncio.sleep(0.05)
    raise AssertionError(f"updates not answered: {emulator.pending_updates}")


async def test_telegram_gets_its_answer_only_after_the_update_was_handled(emulator, db, content):
    dewi_code = (await codes(db))["CGP01"]
    emulator.user(8001, "Dewi")
    dewi = User(emulator, 8001)
    async with webhook_bot(emulator, db, content):
        await dewi.join(dewi_code)
        await all_answered(emulator)
        assert emulator.webhook.deliveries and {d.status for d in emulator.webhook.deliveries} == {200}
        emulator.hold("sendMessage")
        emulator.send_text(dewi.id, "/refleksi")
        await asyncio.sleep(0.5)
        update_id = emulator.pending_updates[0]["update_id"]
        assert [d.update_id for d in emulator.webhook.deliveries].count(update_id) == 0  # handled, not answered
        emulator.release("sendMessage")
        await dewi.next("Pilih refleksi")
        await all_answered(emulator)
        assert (update_id, 200) in [(d.update_id, d.status) for d in emulator.webhook.deliveries]


async def test_a_redelivered_update_is_applied_once(emulator, db, content):
    dewi_code = (await codes(db))["CGP01"]
    emulator.user(8001, "Dewi")
    dewi = User(emulator, 8001)
    async with webhook_bot(emulator, db, content):
        await dewi.join(dewi_code)
        await dewi.say("/refleksi", "Pilih refleksi")
        await dewi.press("Pendampingan Individu 1", "(1/20)")
        await dewi.press("Sudah", "(2/20)")
        answer = emulator.send_text(dewi.id, "Jawaban pertama")
        await dewi.next("(3/20)")
        await all_answered(emulator)
        emulator.world.updates._updates.append(answer)  # Telegram sends it again (our 200 was lost)
        emulator.world.updates.changed.set()
        again = await dewi.next()
        assert progress(again) == (3, 20)  # where she stands; not taken as the answer to question 3
    async with db.session() as s:
        run = await s.scalar(select(FlowRun).options(selectinload(FlowRun.answers)))
        assert {a.question_id: a.value for a in run.answers}["proses_sebulan"] == "Jawaban pertama"
        assert run.cursor == "dukungan_ekosistem"
        assert await s.scalar(select(func.count()).select_from(HandledUpdate)
                              .where(HandledUpdate.update_id == answer["update_id"])) == 1


@asynccontextmanager
async def worker(emulator, database_url: str, cwd, port: int):
    env = _env(TELEGRAM_BOT_TOKEN=TOKEN, TELEGRAM_API_URL=emulator.base_url, DATABASE_URL=database_url,
               WEBHOOK_URL=f"http://127.0.0.1:{port}", WEBHOOK_LISTEN=f"127.0.0.1:{port}", WEBHOOK_SECRET=SECRET)
    proc = await asyncio.create_subprocess_exec(*PENDAMPING, "run", env=env, cwd=cwd,
                                                stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.DEVNULL)
    try:
        yield proc
    finally:
        if proc.returncode is None:
            proc.kill()
        await proc.wait()


def connections(pid: int, port: int) -> int:
    """Webhook requests this worker is answering now."""
    return sum(1 for c in psutil.Process(pid).net_connections("tcp")
               if c.laddr.port == port and c.status == psutil.CONN_ESTABLISHED)


async def test_two_workers_one_killed_mid_update_lose_nothing_and_apply_nothing_twice(
        emulator, db, database_url, tmp_path):
    if db.is_sqlite:
        pytest.skip("several webhook workers share one PostgreSQL database (row locks per person); "
                    "SQLite serves one process")
    issued = await codes(db)
    users = {ext: User(emulator, tg) for ext, tg in PEOPLE.items()}
    for ext, user in users.items():
        emulator.user(user.id, ext)
    port = free_port()
    async with worker(emulator, database_url, tmp_path, port) as first, \
            worker(emulator, database_url, tmp_path, port) as second:
        while not emulator.webhook_url:
            await asyncio.sleep(0.1)
        await asyncio.sleep(5)  # the second worker listening too

        async def start(ext: str) -> None:
            user = users[ext]
            await user.join(issued[ext], timeout=60)
            await user.say("/refleksi", "Pilih refleksi", timeout=30)
            await user.press("Pendampingan Individu 1", "(1/20)", timeout=30)
            await user.press("Sudah", "(2/20)", timeout=30)

        await asyncio.gather(*(start(ext) for ext in users))
        emulator.hold("sendMessage")  # the answers below commit, then wait for their replies: mid-update
        for ext, user in users.items():
            emulator.send_text(user.id, f"Sebelum {ext}")
        busy = {}
        for _ in range(100):
            busy = {proc: connections(proc.pid, port) for proc in (first, second)}
            if sum(busy.values()) == len(users):
                break
            await asyncio.sleep(0.1)
        victim = max(busy, key=busy.get)
        assert busy[victim] > 0
        victim.kill()  # SIGKILL, its updates in flight
        await victim.wait()
        # The held replies are lost on the way (502): the survivor's go to the outbox, the killed worker's
        # updates come again and are recognised as repeats (the person is shown where they stand).
        emulator.release("sendMessage", drop=True)

        async def finish(ext: str) -> dict[int, str]:
            user = users[ext]
            question = await user.next("(3/20)", timeout=60)
            return await answer_until_review(user, question, prefix=ext)

        given = dict(zip(users, await asyncio.gather(*(finish(ext) for ext in users))))
    redelivered = [d for d in emulator.webhook.deliveries if d.status != 200]
    assert redelivered, "the killed worker had updates in flight"
    async with db.session() as s:
        runs = (await s.execute(select(Person.external_id, FlowRun).join(FlowRun, FlowRun.person_id == Person.id)
                                .options(selectinload(FlowRun.answers)))).all()
    assert len(runs) == len(users)
    for ext, run in runs:
        answers = {a.question_id: a.value for a in run.answers}
        assert answers["proses_sebulan"] == f"Sebelum {ext}"  # applied once, before the kill
        texts = [v for v in answers.values() if isinstance(v, str) and v.startswith(ext)]
        expected = [v for v in given[ext].values() if v.startswith(ext)]
        assert sorted(texts) == sorted(expected), (ext, answers, given[ext])  # each answer once, none lost
        assert run.cursor is None  # at the review: every question answered in its turn

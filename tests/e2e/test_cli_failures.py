"""Start-up and the command line when something is wrong: one clear line (exit 2), or a patient retry."""
from __future__ import annotations

import asyncio
import os
import re
import signal
import socket

import pytest
from sqlalchemy import func, select

from emulator import BotApiEmulator
from store.models import InviteCode, Person
from tests.conftest import TEST_DATABASE_URL
from tests.e2e.conftest import EXAMPLES
from tests.e2e.harness import TOKEN
from tests.e2e.test_process import PENDAMPING, _env, _run

ROSTER = str(EXAMPLES / "roster.csv")
LOG_RECORD = re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d+ [A-Z]+ ")  # `run` logs as it starts


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _one_line(err: str) -> str:
    """The one line of an error on standard error, besides log records."""
    assert "Traceback" not in err
    lines = [line for line in err.strip().splitlines() if not LOG_RECORD.match(line)]
    assert len(lines) == 1, err
    return lines[0]


@pytest.mark.parametrize(("url", "command"), [
    ("", ["run"]),
    ("garbage", ["db", "upgrade"]),
    ("mysql://root@localhost/pendamping", ["roster", "import", ROSTER]),
    ("sqlite://", ["calendar", "import", ROSTER]),
    ("http://example.org/db", ["roster", "codes"]),
    ("postgresql://postgres@127.0.0.1:{port}/pendamping", ["db", "upgrade"]),  # nothing listens there
    ("postgresql://postgres@127.0.0.1:{port}/pendamping", ["run"]),
])
async def test_every_bad_database_url_stops_with_one_line_naming_it(tmp_path, url, command):
    env = _env(DATABASE_URL=url.format(port=_free_port()), TELEGRAM_BOT_TOKEN=TOKEN, TELEGRAM_BOT_USERNAME="pendamping_bot")
    code, out, err = await _run(*command, env=env, cwd=tmp_path)
    assert code == 2 and _one_line(err).startswith("DATABASE_URL: "), err
    if "{port}" in url:
        assert _one_line(err).startswith("DATABASE_URL: basis data tidak dapat dihubungi (")


@pytest.mark.skipif(not (TEST_DATABASE_URL or "").startswith("postgresql://"), reason="needs TEST_DATABASE_URL on PostgreSQL")
async def test_a_postgres_url_as_hosting_platforms_give_it_is_postgresql(tmp_path, database_url):
    env = _env(DATABASE_URL=database_url.replace("postgresql://", "postgres://", 1))
    code, out, err = await _run("db", "upgrade", env=env, cwd=tmp_path)
    assert (code, out, err) == (0, "Basis data sudah mutakhir.\n", "")


async def test_the_bot_waits_for_telegram_and_starts_once_it_answers(tmp_path, database_url):
    port = _free_port()  # Telegram is down: nothing answers there yet
    env = _env(TELEGRAM_BOT_TOKEN=TOKEN, TELEGRAM_API_URL=f"http://127.0.0.1:{port}", DATABASE_URL=database_url,
               KOORDINATOR_IDS="777")
    proc = await asyncio.create_subprocess_exec(*PENDAMPING, "run", env=env, cwd=tmp_path,
                                                stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
    log: list[str] = []
    try:
        while sum("Telegram cannot be reached" in line for line in log) < 2:  # after 1 s, then 2 s more
            log.append((await asyncio.wait_for(proc.stderr.readline(), 30)).decode())
        assert proc.returncode is None  # still waiting
        async with BotApiEmulator() as emulator:
            await emulator.stop()
            await emulator.start(port=port)  # the network is back
            emulator.user(777, "Koordinator")
            emulator.send_text(777, "/start")
            await emulator.wait_for(777, "Koordinator", timeout=30)
            proc.send_signal(signal.SIGINT)
            out, err = await asyncio.wait_for(proc.communicate(), 30)
    finally:
        if proc.returncode is None:
            proc.kill()
            await proc.wait()
    log.append(err.decode())
    text = "".join(log)
    assert f"Telegram cannot be reached at http://127.0.0.1:{port} (NetworkError: " in text
    assert "retrying in 1 s" in text and "retrying in 2 s" in text
    assert "Traceback" not in text and TOKEN not in text


SEND_OUTBOX = pytest.param(["send-outbox"], marks=pytest.mark.skipif(
    not (TEST_DATABASE_URL or "").startswith("postgresql://"), reason="send-outbox runs on PostgreSQL only"))


@pytest.mark.parametrize("command", [["run"], SEND_OUTBOX, ["roster", "import", ROSTER], ["roster", "codes"]])
async def test_a_token_telegram_refuses_stops_with_one_line(tmp_path, database_url, db, emulator, command):
    emulator.revoke_token(TOKEN)
    env = _env(TELEGRAM_BOT_TOKEN=TOKEN, TELEGRAM_API_URL=emulator.base_url, DATABASE_URL=database_url)
    code, out, err = await _run(*command, env=env, cwd=tmp_path)
    assert code == 2
    assert _one_line(err) == ("TELEGRAM_BOT_TOKEN: ditolak oleh Telegram (Unauthorized); "
                              "salin ulang token bot dari @BotFather")
    async with db.session() as s:
        assert await s.scalar(select(func.count()).select_from(Person)) == 0  # nothing written before


async def test_roster_import_reports_problems_without_telegram(tmp_path, database_url):
    env = _env(DATABASE_URL=database_url)  # no token, no username
    code, out, err = await _run("roster", "import", str(EXAMPLES / "roster_with_errors.csv"), env=env, cwd=tmp_path)
    assert code == 1 and "TIDAK diimpor" in err and "Baris 3" in err and "TELEGRAM" not in err


async def test_roster_import_without_telegram_still_gives_the_codes(tmp_path, database_url, db):
    env = _env(DATABASE_URL=database_url, TELEGRAM_BOT_TOKEN=TOKEN, TELEGRAM_API_URL=f"http://127.0.0.1:{_free_port()}")
    code, out, err = await _run("roster", "import", ROSTER, env=env, cwd=tmp_path)
    assert code == 0, err
    assert _one_line(err) == (
        "Tautan undangan tidak dibuat: Telegram tidak dapat dihubungi (NetworkError: httpx.ConnectError: All connection "
        "attempts failed) dan TELEGRAM_BOT_USERNAME belum diisi. Kode undangan tetap berlaku; peserta bergabung dengan "
        "mengetik /start KODE di bot. Isi TELEGRAM_BOT_USERNAME agar tautannya ikut dibuat.")
    handout = [line.split(",") for line in out.splitlines() if line.count(",") == 4]
    assert handout[0] == ["id", "nama", "peran", "kode", "tautan"] and len(handout) == 14
    assert all(len(row[3]) == 16 and row[4] == "" for row in handout[1:])  # the codes, without links
    async with db.session() as s:
        assert await s.scalar(select(func.count()).select_from(InviteCode)) == 13

    code, out, err = await _run("roster", "codes", env=_env(DATABASE_URL=database_url), cwd=tmp_path)
    assert code == 0 and "13 kode undangan baru" in out
    assert _one_line(err).startswith("Tautan undangan tidak dibuat: TELEGRAM_BOT_USERNAME dan TELEGRAM_BOT_TOKEN belum diisi.")


@pytest.mark.parametrize("command", [["roster", "import", ROSTER], ["content", "check"], ["db", "upgrade"]])
async def test_output_into_a_closed_pipe_is_no_traceback(tmp_path, database_url, command):
    """`pendamping … | head`: the reader went away."""
    read_end, write_end = os.pipe()
    os.close(read_end)
    env = _env(DATABASE_URL=database_url, TELEGRAM_BOT_USERNAME="pendamping_bot")
    try:
        proc = await asyncio.create_subprocess_exec(*PENDAMPING, *command, env=env, cwd=tmp_path,
                                                    stdout=write_end, stderr=asyncio.subprocess.PIPE)
    finally:
        os.close(write_end)
    _, err = await asyncio.wait_for(proc.communicate(), 60)
    assert proc.returncode == 141
    assert err.decode() == ""

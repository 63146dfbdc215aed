"""What comes in cannot stop the bot: an update it cannot read, a roster file that takes long to read,
an import cut off by a restart."""
from __future__ import annotations

import asyncio
import functools
import logging
from contextlib import asynccontextmanager
from pathlib import Path

from sqlalchemy import func, select

from bot import acks
from program import calendar_import
from services import intake
from store.models import Person
from tests.e2e.conftest import EXAMPLES
from tests.e2e.harness import KOORDINATOR_ID, TOKEN, User
from tests.e2e.held_import import held_read_roster
from tests.e2e.test_process import PENDAMPING, _env
from tests.spreadsheets import formatted_xlsx

NOT_JOINED = "belum terhubung"
ROSTER = [
    ["id", "nama", "peran", "angkatan", "mentor"],
    ["PP01", "Rina Marlina", "pp", "11", ""],
    ["CGP01", "Dewi Lestari", "cgp", "11", "PP01"],
]


async def test_an_update_that_cannot_be_read_is_skipped_and_others_are_served(bot, monkeypatch, caplog):
    monkeypatch.setattr(acks, "UNREADABLE_PAUSE", 0.2)
    caplog.set_level(logging.INFO)
    ani = bot.user(5001, "Ani")
    # No date and no chat: python-telegram-bot's Update.de_json raises on it.
    bad = bot.emulator.push_update("message", {"message_id": 1, "text": "RAHASIA isi pesan pribadi"})
    await ani.say("/bantuan", NOT_JOINED, timeout=10)
    assert "RAHASIA" not in caplog.text  # the content of an unreadable update is a user's: never logged
    skipped = [r.getMessage() for r in caplog.records if r.name == "bot.acks" and r.levelno == logging.ERROR]
    assert skipped == [f"update {bad['update_id']} skipped: it cannot be read (KeyError) after {acks.UNREADABLE_TRIES} reads"]
    tries = [r for r in caplog.records if r.name == "bot.acks" and r.levelno == logging.WARNING]
    assert len(tries) == acks.UNREADABLE_TRIES - 1  # bounded: no retrying the same batch for ever
    assert bad["update_id"] not in [u["update_id"] for u in bot.emulator.pending_updates]  # confirmed: skipped
    await ani.say("/bantuan", NOT_JOINED)  # and the bot keeps serving


def _import_done(bot):
    return next((m for m in bot.emulator.sent(KOORDINATOR_ID) if "berhasil diimpor" in (m.text or "")), None)


async def test_a_roster_formatted_to_the_last_row_does_not_hold_up_anyone(bot, monkeypatch, tmp_path):
    data = formatted_xlsx(ROSTER, empty_rows=1_048_576 - len(ROSTER))
    assert len(data) < 500_000  # small as such files are: it is the reading that took half a minute
    # The read is held until the test opens the gate, so the import cannot finish before anyone else is served,
    # however fast the machine; read on the bot's own event loop, it would hold everyone up instead.
    gate = tmp_path / "gate"
    monkeypatch.setattr(intake, "read_roster", functools.partial(held_read_roster, str(gate)))
    koordinator = bot.user(KOORDINATOR_ID, "Koordinator")
    await koordinator.join(expect="Koordinator")
    other = bot.user(5002, "Budi")
    bot.emulator.send_document(KOORDINATOR_ID, "daftar.xlsx", data)
    for _ in range(300):  # the read is under way (a first import starts the worker process)
        if Path(f"{gate}.started").exists():
            break
        await asyncio.sleep(0.05)
    assert Path(f"{gate}.started").exists()
    await other.say("/bantuan", NOT_JOINED, timeout=10)  # served while the import is reading
    assert _import_done(bot) is None
    gate.touch()
    summary = await koordinator.next("berhasil diimpor", timeout=30)
    assert "Baru: 2" in summary.text
    async with bot.deps.db.session() as s:
        assert await s.scalar(select(func.count()).select_from(Person).where(Person.external_id.is_not(None))) == 2


async def test_a_calendar_file_too_long_to_read_quickly_is_refused_at_once(bot):
    koordinator = bot.user(KOORDINATOR_ID, "Koordinator")
    await koordinator.join(expect="Koordinator")
    rows = "".join(f"{n % 40},{n % 9},{n % 28 + 1} Maret 2026\n" for n in range(calendar_import.MAX_ROWS + 1))
    reply = await koordinator.send_file("kalender.csv", f"angkatan,lokakarya,tanggal\n{rows}".encode(), "kalender")
    assert reply.text == ("Berkas kalender ini berisi 501 baris tanggal, padahal paling banyak 500 baris per berkas. "
                          "Mohon bagi menjadi beberapa berkas, lalu kirim satu per satu.")


@asynccontextmanager
async def bot_process(emulator, database_url: str, cwd):
    """`pendamping run` with the test koordinator, as a separate process the test can kill."""
    env = _env(TELEGRAM_BOT_TOKEN=TOKEN, TELEGRAM_API_URL=emulator.base_url, DATABASE_URL=database_url,
               KOORDINATOR_IDS=str(KOORDINATOR_ID))
    proc = await asyncio.create_subprocess_exec(*PENDAMPING, "run", env=env, cwd=cwd,
                                                stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.DEVNULL)
    try:
        yield proc
    finally:
        if proc.returncode is None:
            proc.kill()
        await proc.wait()


async def test_an_import_cut_off_by_a_restart_is_reported_after_it(emulator, db, database_url, tmp_path):
    koordinator = User(emulator, KOORDINATOR_ID)
    emulator.user(KOORDINATOR_ID, "Koordinator")
    async with bot_process(emulator, database_url, tmp_path) as proc:
        await koordinator.join(expect="Koordinator", timeout=30)
        emulator.hold("getFile")  # the import is under way: downloading the file
        emulator.send_document(KOORDINATOR_ID, "daftar peserta.csv", (EXAMPLES / "roster.csv").read_bytes())
        for _ in range(100):  # the upload is confirmed to Telegram (once recorded; before, after 2 s)
            await asyncio.sleep(0.1)
            if not emulator.pending_updates:
                break
        assert not emulator.pending_updates
        proc.kill()  # SIGKILL in the middle of the import
        await proc.wait()
    emulator.release("getFile", drop=True)
    async with db.session() as s:
        assert await s.scalar(select(func.count()).select_from(Person)) == 1  # the koordinator only: nothing imported

    async with bot_process(emulator, database_url, tmp_path):
        notice = await koordinator.next("terhenti", timeout=30)
        assert notice.text == ('Impor berkas "daftar peserta.csv" tadi terhenti karena bot dimulai ulang, dan belum ada '
                               'data yang diubah. Silakan kirim berkasnya lagi.')
        await koordinator.send_file("daftar peserta.csv", (EXAMPLES / "roster.csv").read_bytes(), "berhasil diimpor")
    async with bot_process(emulator, database_url, tmp_path):  # told once, not at every start
        await koordinator.say("/bantuan", "/siaran", timeout=30)
    assert len([m for m in emulator.sent(KOORDINATOR_ID) if "terhenti" in (m.text or "")]) == 1

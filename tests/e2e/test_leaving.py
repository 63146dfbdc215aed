"""Someone the roster marks keluar: told politely whom to ask for anything they send, out of broadcasts,
still left after unblocking the bot, and back with their menu and parked messages once aktif again."""
from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from datetime import timedelta

import pytest

from core.clock import FrozenClock
from emulator import BotApiEmulator
from scheduler.broadcasts import Audience, create_broadcast
from roster import importer as roster
from store.models import OutboxStatus, Person, Role
from tests.e2e.conftest import EXAMPLES
from tests.e2e.harness import KOORDINATOR_ID, RunningBot, running_bot
from tests.e2e.scheduling import DAYTIME, TG_IDS, arrived, join, nothing_more, outbox_rows, person, report_broadcasts

DEWI, AGUS, RINA, PP01 = TG_IDS["CGP01"], TG_IDS["CGP02"], TG_IDS["CGP03"], TG_IDS["PP01"]
LEFT = ("Mohon maaf, Dewi Lestari, Bapak/Ibu tidak lagi terdaftar sebagai peserta aktif di Pendamping, sehingga menu, "
        "isian, dan pengingat tidak tersedia. Jawaban yang sudah Bapak/Ibu kirim tetap tersimpan.\n"
        "Bila ini keliru atau Bapak/Ibu ingin bergabung kembali, silakan hubungi koordinator program Bapak/Ibu (Sri Wahyuni).")
ROSTER = (EXAMPLES / "roster.csv").read_bytes()
LATER = DAYTIME + timedelta(hours=1)


@pytest.fixture
async def bot(emulator, db, content) -> AsyncIterator[RunningBot]:
    async with running_bot(emulator, db, content, clock=FrozenClock(DAYTIME)) as running:
        yield running


async def reimport(bot: RunningBot, **status: str) -> None:
    """Import the example roster again with a status column: the given people's status, aktif for the rest."""
    lines = ROSTER.decode().splitlines()
    rows = [lines[0] + ",status"] + [f"{line},{status.get(line.split(',')[0], 'aktif')}" for line in lines[1:]]
    async with bot.deps.db.session() as s:
        await roster.import_file(s, "\n".join(rows).encode(), bot.deps.clock)


async def says_left(emulator: BotApiEmulator, send: Callable[[], object]) -> None:
    """Send something as Dewi: the bot's next message must be the one for someone who left, without buttons."""
    emulator.mark_read(DEWI)
    send()
    reply = await emulator.wait_for(DEWI)
    assert reply.text == LEFT and reply.labels == []


async def test_someone_who_left_gets_one_polite_answer_to_everything(bot, emulator):
    users = await join(bot, "CGP01", "PP01")
    menu = await users["CGP01"].say("/refleksi", lambda m: bool(m.labels))
    await reimport(bot, CGP01="keluar")

    await says_left(emulator, lambda: emulator.send_text(DEWI, "/start"))
    assert {c for c, _ in emulator.visible_commands(DEWI)} == {"start", "bantuan"}  # no role menu any more
    await says_left(emulator, lambda: emulator.send_text(DEWI, "/start AAAAAAAAAAAAAAAA"))
    await says_left(emulator, lambda: emulator.send_text(DEWI, "/refleksi"))
    await says_left(emulator, lambda: emulator.send_text(DEWI, "/bantuan"))
    await says_left(emulator, lambda: emulator.send_text(DEWI, "Selamat pagi, Pak"))
    await says_left(emulator, lambda: emulator.click(DEWI, menu.labels[0], menu.message_id))  # a stale button
    assert (await person(bot, "CGP01")).left


async def test_a_code_of_someone_who_left_before_joining_says_so(bot, emulator):
    codes = await bot.import_roster(EXAMPLES / "roster.csv")
    await reimport(bot, CGP03="keluar")
    reply = await bot.user(RINA, "Rina").say(f"/start {codes['CGP03']}")
    assert reply.text.startswith("Mohon maaf, Rina Marlina, Bapak/Ibu tidak lagi terdaftar") and "Sri Wahyuni" in reply.text
    assert not (await person(bot, "CGP03")).joined


async def test_left_people_are_out_of_broadcasts_stay_left_when_unblocking_and_come_back_when_aktif(bot, emulator):
    await join(bot, "CGP01", "CGP02", "PP01")
    async with bot.deps.db.session() as s:  # queued while Dewi was still in the program
        creator = Person(name="Koordinator", role=Role.koordinator)
        s.add(creator)
        await s.flush()
        await create_broadcast(s, creator, Audience("role", "cgp"), "Siaran sebelum Dewi keluar.", LATER)
    await reimport(bot, CGP01="keluar", CGP03="keluar")

    koordinator = bot.user(KOORDINATOR_ID, "Sri")
    await koordinator.join(expect="Koordinator")
    await koordinator.say("/siaran", "kepada siapa")
    await koordinator.press("Per peran", "Pilih per peran")
    await koordinator.press("Calon Guru Penggerak (CGP)", "tulis pesan siaran")
    preview = await koordinator.say("Siaran untuk CGP yang masih aktif.", "Pratinjau")
    assert "Akan dikirim ke 6 orang (5 belum bergabung" in preview.text  # neither Dewi nor Rina
    confirmation = await koordinator.press("Kirim sekarang", "(6 orang)")
    assert "• 5 orang: belum bergabung" in confirmation.text  # neither Dewi nor Rina counted
    await emulator.wait_for(AGUS, "Siaran untuk CGP yang masih aktif.")
    for _ in range(50):
        if await report_broadcasts(bot):
            break
        await asyncio.sleep(0.1)
    report = await emulator.wait_for(KOORDINATOR_ID, "Laporan siaran")
    assert "terkirim 1, gagal 0, diblokir 0, menunggu 0" in report.text and "Rina" not in report.text

    bot.deps.clock.set(LATER)  # the earlier broadcast falls due: Agus gets it, Dewi's is parked
    await emulator.wait_for(AGUS, "Siaran sebelum Dewi keluar.")
    for _ in range(50):
        if any(r.status == OutboxStatus.waiting for r in await outbox_rows(bot, "CGP01")):
            break
        await asyncio.sleep(0.1)
    assert not [m for m in emulator.sent(DEWI) if "Siaran" in (m.text or "")]

    emulator.block(DEWI)
    emulator.unblock(DEWI)
    await nothing_more(emulator, PP01, "Dewi Lestari")  # her PP hears nothing about someone who left
    dewi = await person(bot, "CGP01")
    assert dewi.left and not dewi.blocked
    await says_left(emulator, lambda: emulator.send_text(DEWI, "/start"))
    assert [r.status for r in await outbox_rows(bot, "CGP01") if r.kind == "broadcast"] == [OutboxStatus.waiting]

    await reimport(bot)  # aktif again
    back = await bot.user(DEWI).say("/start", "Selamat datang kembali, Dewi Lestari")
    assert "/refleksi" in back.text
    assert "refleksi" in {c for c, _ in emulator.visible_commands(DEWI)}
    await arrived(emulator, DEWI, "Siaran sebelum Dewi keluar.")  # her parked message wakes (before or after the welcome)

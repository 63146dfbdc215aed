"""/siaran as a koordinator uses it, and the same broadcast from the command line."""
from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest
from sqlalchemy import select

from core.clock import FrozenClock
from store.models import Broadcast, OutboxMessage, Person
from tests.e2e.conftest import EXAMPLES
from tests.e2e.harness import KOORDINATOR_ID, TOKEN, RunningBot, running_bot
from tests.e2e.scheduling import DAYTIME, TG_IDS, compose_to_cgps, join, report_broadcasts, utc
from tests.e2e.test_process import _env, _run

TEXT = "Yth. Bapak/Ibu CGP, Lokakarya 3 dimulai pukul 08.00. Mohon hadir tepat waktu."
NEVER_JOINED = ["Fitriani Syam", "Hasanuddin Latif", "Muhammad Arif", "Rina Marlina", "Yusuf Hidayat"]


@pytest.fixture
async def bot(emulator, db, content) -> AsyncIterator[RunningBot]:
    async with running_bot(emulator, db, content, clock=FrozenClock(DAYTIME)) as running:
        yield running


async def test_siaran_per_peran_reaches_the_cgps_and_the_koordinator_gets_the_counts(bot, emulator):
    await join(bot, "CGP01", "CGP02", "CGP05", "PP01")
    emulator.block(TG_IDS["CGP02"])  # Agus blocked the bot
    await emulator.wait_for(TG_IDS["PP01"], "Agus Setiawan tidak dapat terkirim")
    koordinator, preview = await compose_to_cgps(bot, TEXT)
    assert TEXT in preview.text and "Akan dikirim ke 8 orang (5 belum bergabung" in preview.text
    confirmation = await koordinator.press("Kirim sekarang", "(8 orang)")
    assert "• 2 orang: sedang dikirim sekarang." in confirmation.text  # CGP01, CGP05
    assert "• 5 orang: belum bergabung" in confirmation.text and "• 1 orang: memblokir bot" in confirmation.text

    for chat in (TG_IDS["CGP01"], TG_IDS["CGP05"]):
        assert (await emulator.wait_for(chat, TEXT)).labels == []
    assert not [m for m in emulator.sent(TG_IDS["PP01"]) if m.text == TEXT]
    for _ in range(50):  # the report job: once nothing is left to deliver
        if await report_broadcasts(bot):
            break
        await asyncio.sleep(0.1)
    report = await emulator.wait_for(KOORDINATOR_ID, "Laporan siaran #1")
    assert "terkirim 2, gagal 0, diblokir 1, menunggu 0" in report.text
    assert f"Belum bergabung (5): {', '.join(NEVER_JOINED)}" in report.text
    await koordinator.say("/siaran", "kepada siapa")
    await koordinator.press("Status siaran", "Siaran terakhir")
    status = await koordinator.press("#1 · Yth. Bapak/Ibu CGP, Lokakarya…", "Status siaran #1")
    assert "(selesai)" in status.text and "• terkirim: 2" in status.text and "• belum bergabung: 5" in status.text


async def test_siaran_from_the_cli_is_queued_in_the_koordinators_zone(tmp_path, database_url, db):
    env = _env(DATABASE_URL=database_url, TELEGRAM_BOT_USERNAME="pendamping_bot")
    assert (await _run("roster", "import", str(EXAMPLES / "roster.csv"), env=env, cwd=tmp_path))[0] == 0
    code, out, err = await _run("siaran", "--audience", "district=Kota Makassar", "--text", "Halo Makassar",
                                "--at", "2030-01-06 08:00", env=env, cwd=tmp_path)
    assert code == 0, err
    assert "Siaran #1 untuk kabupaten/kota Kota Makassar: 5 penerima (0 sudah bergabung, 5 belum bergabung)" in out
    assert "jam tenang" not in out
    assert "2030-01-06 08:00 WIB" in out  # the first koordinator (K001) is in WIB
    async with db.session() as s:
        broadcast = await s.scalar(select(Broadcast))
        assert broadcast.send_at == utc(2030, 1, 6, 1)
        assert len((await s.execute(select(OutboxMessage))).all()) == 5
    code, _, err = await _run("siaran", "--audience", "role=kepala", "--text", "x", env=env, cwd=tmp_path)
    assert code == 2 and "unknown role 'kepala'" in err
    async with db.session() as s:  # two have joined; at 21:30 WIB they are in their quiet hours
        for person in (await s.execute(select(Person).where(Person.district == "Kota Makassar").limit(2))).scalars():
            person.tg_user_id = person.tg_chat_id = 70_000 + person.id
    code, out, err = await _run("siaran", "--audience", "district=Kota Makassar", "--text", "Besok libur",
                                "--at", "2030-01-06 21:30", env=env, cwd=tmp_path)
    assert code == 0, err
    assert "2 di antaranya sedang dalam jam tenang saat itu dan menerimanya mulai pukul 06.00 waktu setempat" in out
    code, out, err = await _run("siaran", "--audience", "district=Kota Makassar", "--text", "Besok libur",
                                "--at", "2030-01-06 21:30", "--urgent", env=env, cwd=tmp_path)
    assert code == 0 and "Mendesak: dikirim menembus jam tenang." in out and "mulai pukul" not in out, err
    async with db.session() as s:
        urgent = (await s.execute(select(OutboxMessage.respect_quiet_hours).where(OutboxMessage.broadcast_id == 3)))
        assert set(urgent.scalars()) == {False}


async def test_send_outbox_refuses_sqlite(tmp_path, database_url):
    if not database_url.startswith("sqlite"):
        pytest.skip("SQLite only")
    code, _, err = await _run("send-outbox", env=_env(DATABASE_URL=database_url, TELEGRAM_BOT_TOKEN=TOKEN), cwd=tmp_path)
    assert code == 2 and "send-outbox memerlukan PostgreSQL" in err


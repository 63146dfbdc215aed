"""Days off as a koordinator adds them (in chat and by file), shown in /jadwal, and a date set on one flagged."""
from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import date

import pytest
from sqlalchemy import func, select

from core.clock import FrozenClock
from store.models import AuditEntry, ExtraDay
from tests.e2e.harness import KOORDINATOR_ID, RunningBot, running_bot
from tests.e2e.conftest import EXAMPLES
from tests.e2e.scheduling import TG_IDS, set_lokakarya, utc


@pytest.fixture
async def bot(emulator, db, content) -> AsyncIterator[RunningBot]:
    async with running_bot(emulator, db, content, clock=FrozenClock(utc(2026, 3, 4, 3, 0))) as running:
        yield running


async def test_a_koordinator_adds_days_off_in_chat_and_by_file_and_a_date_on_one_is_flagged(bot, emulator, db):
    codes = await bot.import_roster(EXAMPLES / "roster.csv")
    users = {ext: bot.user(TG_IDS.get(ext, 7199)) for ext in ("CGP01", "PP01", "K001")}
    for ext, user in users.items():
        await user.join(codes[ext], "Selamat datang")
    sri = bot.user(KOORDINATOR_ID, "Sri")
    await sri.join(expect="Koordinator")
    assert "Belum ada hari libur tambahan" in (await sri.say("/libur")).text
    assert "Format belum dikenali" in (await sri.say("libur kapan-kapan: rapat")).text
    added = await sri.say("libur 11-03-2026: Rapat dinas kabupaten", "Hari libur ditambahkan")
    assert "Rabu, 11 Maret 2026 — Rapat dinas kabupaten" in added.text
    listed = await sri.say("/libur", "sudah dicatat")
    assert "Rabu, 11 Maret 2026 — Rapat dinas kabupaten (semua angkatan)" in listed.text

    bad = await sri.send_file("libur.csv", b"tanggal,libur,provinsi\n2026-03-25,,\n", "tidak diimpor")
    assert "baris 2" in bad.text
    done = await sri.send_file("libur.csv", b"tanggal,libur,provinsi\n2026-03-12,Hari jadi daerah,Jawa Barat\n",
                               "1 hari libur ditambahkan")
    assert done.text
    async with db.session() as s:
        assert await s.scalar(select(func.count()).select_from(ExtraDay)) == 2
        assert await s.scalar(select(func.count()).select_from(AuditEntry).where(AuditEntry.action == "holiday_add")) == 2
    assert "penambahan hari libur" in (await sri.say("/riwayat")).text

    jadwal = await users["CGP01"].say("/jadwal", "Hari libur dalam")
    assert "Rabu, 11 Maret 2026 — Rapat dinas kabupaten" in jadwal.text  # among the days off ahead

    await set_lokakarya(bot, 3, date(2026, 3, 18))
    pp = users["PP01"]
    await pp.say("/jadwal", "Lokakarya 3")
    await pp.press("🗓 Atur tanggal PI mentee", "Pilih mentee")
    await pp.press("Dewi Lestari", "pilih PI")
    await pp.press("PI 3 · 11/3/2026", "Ketik tanggal")
    await pp.say("11/3/2026", "Rabu, 11 Maret 2026")
    saved = await pp.press("✅ Simpan", "Tersimpan: PI 3 Dewi Lestari")
    assert "adalah hari libur (Rapat dinas kabupaten)" in saved.text
    notice = await users["K001"].next("merupakan hari libur")
    assert "Bambang Sutrisno menetapkan PI 3 Dewi Lestari pada Rabu, 11 Maret 2026" in notice.text

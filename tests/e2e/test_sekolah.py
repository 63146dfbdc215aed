"""Sekolah Penggerak through the emulator: the koordinator dates the workshops, the kepala sekolah answers for
the school, a guru sees the school's state, the FSP is briefed per school and records the monitoring, a
pengawas sees only their schools, and the KB1 worksheets open on the workshop day."""
from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import datetime

import pytest
from sqlalchemy import select

from core.clock import FrozenClock
from emulator import BotApiEmulator
from services.ringkasan_sekolah import SchoolBriefing
from store.models import Answer, FlowRun, Person, RunStatus, School
from tests.e2e.conftest import EXAMPLES
from tests.e2e.harness import KOORDINATOR_ID, RunningBot, User, answer_until_review, running_bot
from tests.e2e.scheduling import nothing_more, utc

TG = {"KS11": 8101, "GR11": 8102, "KS12": 8103, "KS13": 8104, "PG11": 8105, "FSP11": 8106}


@pytest.fixture
def clock() -> FrozenClock:
    return FrozenClock(utc(2027, 1, 20, 3, 0))  # 10:00 WIB


@pytest.fixture
async def bot(emulator, db, content, clock) -> AsyncIterator[RunningBot]:
    async with running_bot(emulator, db, content, clock=clock) as running:
        yield running


async def join(bot: RunningBot, *external_ids: str) -> tuple[User, dict[str, User]]:
    """Import the Sekolah Penggerak roster; the configured koordinator and these people join."""
    codes = await bot.import_roster(EXAMPLES / "roster_sekolah.csv")
    koordinator = bot.user(KOORDINATOR_ID, "Koordinator")
    await koordinator.join()
    users = {}
    for ext in external_ids:
        users[ext] = bot.user(TG[ext], ext)
        await users[ext].join(codes[ext])
    return koordinator, users


async def set_workshop(koordinator: User, workshop: str, typed: str) -> str:
    """Date a Sekolah Penggerak workshop of cohort SP3 through /jadwal; return the confirmation."""
    await koordinator.say("/jadwal")
    await koordinator.press("🏫 Atur tanggal lokakarya Sekolah Penggerak", "Pilih angkatan")
    await koordinator.press("SP3", "lokakarya Sekolah Penggerak yang akan diatur")
    await koordinator.press(workshop, "Ketik tanggal")
    await koordinator.say(typed, "Simpan")
    return (await koordinator.press("✅ Simpan", "Tersimpan")).text


async def submit_step_one(bot: RunningBot, external_id: str, at: datetime) -> None:
    """PMO step 1 as already sent by the kepala sekolah (its questions are walked in tests/flows)."""
    async with bot.deps.db.session() as s:
        person = await s.scalar(select(Person).where(Person.external_id == external_id))
        s.add(FlowRun(person_id=person.id, flow_id="pmo_refleksi", status=RunStatus.submitted, mode="done",
                      content_version=bot.deps.content.version, started_at=at, updated_at=at, submitted_at=at,
                      answers=[Answer(question_id="tujuan_target", value="Literasi naik 10%",
                                      content_version=bot.deps.content.version, answered_at=at)]))


async def test_kb1_worksheets_open_only_from_the_workshop_day(bot, emulator, clock):
    koordinator, users = await join(bot, "KS11")
    kepsek = users["KS11"]
    saved = await set_workshop(koordinator, "Komunitas Belajar 1 (Februari)", "10/2/2027")
    assert "Komunitas Belajar 1 angkatan SP3 pada Rabu, 10 Februari 2027" in saved
    menu = await kepsek.say("/refleksi")
    assert "LK1 Mulai dari Diri ⚠️ — dibuka Rabu, 10 Februari 2027" in menu.text
    assert not any("LK1" in label for label in menu.labels)
    await koordinator.say("/jadwal")
    await koordinator.press("🏫 Atur tanggal lokakarya Sekolah Penggerak", "Pilih angkatan")
    await koordinator.press("SP3", "lokakarya Sekolah Penggerak yang akan diatur")
    await koordinator.press("Komunitas Belajar 1 (Februari) · 10/2/2027", "Ketik tanggal")
    wrong = await koordinator.say("3 Maret 2027", "bulan Februari")
    assert "Mohon ketik tanggal di bulan Februari" in wrong.text
    await koordinator.say("/batal", "dibatalkan")

    clock.set(utc(2027, 2, 10, 1, 0))  # the workshop day, 08:00 WIB
    menu = await kepsek.say("/refleksi")
    assert any("LK1 Mulai dari Diri" in label for label in menu.labels)
    assert "dibuka Rabu, 10 Februari 2027" not in menu.text
    jadwal = await kepsek.say("/jadwal")
    assert "Rabu, 10 Februari 2027" in jadwal.text and "Komunitas Belajar 1" in jadwal.text


async def test_a_month_of_pmo_kepsek_answers_for_the_school_and_the_fsp_is_briefed(bot, emulator: BotApiEmulator, clock):
    clock.set(utc(2027, 2, 20, 3, 0))
    koordinator, users = await join(bot, "KS11", "GR11", "FSP11", "PG11")
    kepsek, guru, fsp, pengawas = users["KS11"], users["GR11"], users["FSP11"], users["PG11"]
    saved = await set_workshop(koordinator, "Lokakarya Sekolah Penggerak bulan Maret", "10 Maret 2027")
    assert "pada Rabu, 10 Maret 2027" in saved and "Pengingat yang terkait sudah diperbarui" in saved

    # Steps go in order: step 2 before step 1 is refused.
    await kepsek.say("/refleksi")
    refused = await kepsek.press("PMO langkah 2: Menemukan akar masalah", "berurutan")
    assert "belum mengirim langkah 1" in refused.text
    await submit_step_one(bot, "KS11", utc(2027, 2, 20, 2, 0))
    await kepsek.say("/refleksi")
    first = await kepsek.press("PMO langkah 2: Menemukan akar masalah", "(1/")
    assert "Subtopik apa yang dipilih sekolah" in first.text
    await answer_until_review(kepsek, first, prefix="Literasi membaca")
    await kepsek.press("Kirim", "sudah terkirim")

    # The kepala sekolah is reminded five days before the workshop, with the month's topics, and answers.
    clock.set(utc(2027, 3, 5, 3, 0))
    reminder = await emulator.wait_for(kepsek.id, "Mohon laporkan perkembangan PMO", timeout=10)
    assert "Rabu, 10 Maret 2027" in reminder.text and "Subtopik yang dipilih oleh sekolah" in reminder.text
    await kepsek.press("📝 Isi sekarang", "(1/")
    await kepsek.say("Tindak lanjut berjalan di kelas 4 dan 5", "(2/")
    await kepsek.press("Lewati", "(3/")
    await kepsek.press("Sesuai rencana", "(4/")
    await kepsek.press("Lewati", "Tekan Kirim")
    await kepsek.press("Kirim", "sudah terkirim")

    # A guru of the same school sees the school's state, not a fresh form.
    await guru.say("/refleksi")
    state = await guru.press("PMO langkah 2: Menemukan akar masalah", "SMP Negeri 1 Soreang")
    assert "langkah 2/4" in state.text and "Subtopik yang dipilih sekolah: Literasi membaca 1" in state.text
    assert "Dikirim oleh Eko Prasetyo" in state.text and "diisi oleh kepala sekolah untuk sekolah" in state.text
    assert "(1/" not in state.text

    # Three days before, the FSP is reminded and briefed per school.
    clock.set(utc(2027, 3, 7, 3, 0))
    await emulator.wait_for(fsp.id, "Lokakarya Sekolah Penggerak bulan Maret: Rabu, 10 Maret 2027", timeout=10)
    overview = await fsp.say("/ringkasan")
    text = overview.text
    assert "Lokakarya berikutnya: Lokakarya Sekolah Penggerak bulan Maret, Rabu, 10 Maret 2027" in text
    assert "Dua FSP: 3.5 + 0.5 + 0.5 + 3.5 JP" in text
    assert text.index("📍 Kabupaten Bandung") < text.index("SMP Negeri 1 Soreang") < text.index("📍 Kabupaten Garut")
    assert "• SMP Negeri 1 Soreang — langkah 2/4 · ✅ sesuai rencana" in text
    assert "• SMA Negeri 1 Garut — langkah 0/4 · belum ada" in text
    briefing = await fsp.press("SMP Negeri 1 Soreang", "Briefing sekolah")
    assert "Jawaban langkah terakhir" in briefing.text and "Literasi membaca 1" in briefing.text
    assert "Tindak lanjut berjalan di kelas 4 dan 5" in briefing.text
    assert "Belum merespons pada putaran PMO ini: Rudi Hartono" in briefing.text

    # The FSP records the 1-JP monitoring; the school's status changes in /ringkasan.
    await fsp.press("📝 Catat monitoring PMO (1 JP)", "(1/3)")
    await fsp.say("Sekolah butuh contoh asesmen diagnostik", "(2/3)")
    await fsp.say("Pendampingan asesmen minggu depan", "(3/3)")
    await fsp.press("Perlu bantuan", "Tekan Kirim")
    await fsp.press("Kirim", "sudah terkirim")
    after = await fsp.say("/ringkasan")
    assert "• SMP Negeri 1 Soreang — langkah 2/4 · 🆘 perlu bantuan" in after.text

    # A pengawas sees only the schools they cover.
    covered = await pengawas.say("/ringkasan")
    assert "SMP Negeri 1 Soreang" in covered.text and "SD Negeri 2 Soreang" in covered.text
    assert "SMA Negeri 1 Garut" not in covered.text and "Catat monitoring" not in str(covered.labels)
    pengawas_view = await pengawas.press("SMP Negeri 1 Soreang", "Briefing sekolah")
    assert "Catat monitoring" not in str(pengawas_view.labels)
    async with bot.deps.db.session() as s:
        garut = await s.scalar(select(School.id).where(School.name == "SMA Negeri 1 Garut"))
    emulator.press(pengawas.id, covered.message_id, SchoolBriefing(garut).pack())  # a forged button
    refused = await pengawas.next("bukan sekolah dampingan")
    assert "SMA Negeri 1 Garut" not in refused.text
    await nothing_more(emulator, guru.id, "Mohon laporkan perkembangan PMO", seconds=0.5)  # the kepala sekolah answers for the school

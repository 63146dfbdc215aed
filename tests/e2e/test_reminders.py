"""Reminders as people receive them: in their own time zone, with their buttons, stopping when they should.

The bot runs against the emulator with a FrozenClock; the test moves the clock, runs the planner as its
periodic job would, and the bot's own outbox job (every 0.3 s) delivers whatever is due.
"""
from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from datetime import date

import pytest
from sqlalchemy import func, select

from core.clock import FrozenClock
from store.models import Event, OutboxStatus, Pause
from bot.app import build_application
from bot.embedded import polling
from services.context import Deps
from tests.e2e.harness import FAST_JOBS, KOORDINATOR_ID, RunningBot, running_bot, settings_for
from tests.e2e.scheduling import (
    TG_IDS, join, nothing_more, outbox_rows, person, plan, received, set_lokakarya, utc,
)

FEEDBACK = "Pengingat feedback 360 sebelum Pendampingan Individu 3"
DEWI, NURHAYATI, PP01, PP02 = TG_IDS["CGP01"], TG_IDS["CGP05"], TG_IDS["PP01"], TG_IDS["PP02"]


@pytest.fixture
def clock() -> FrozenClock:
    return FrozenClock(utc(2026, 3, 4, 12, 0))


@pytest.fixture
async def bot(emulator, db, content, clock) -> AsyncIterator[RunningBot]:
    async with running_bot(emulator, db, content, clock=clock) as running:
        yield running


async def test_feedback_360_arrives_at_7_local_in_each_zone_and_stops_on_sudah_selesai(bot, emulator, clock):
    await join(bot, "CGP01", "CGP05")
    await set_lokakarya(bot, 3, date(2026, 3, 19))  # PI 3 follows a week before: 12 March
    await plan(bot)
    wib = await outbox_rows(bot, "CGP01", "feedback360_pi3")
    wita = await outbox_rows(bot, "CGP05", "feedback360_pi3")
    assert [r.due_at for r in wib] == [utc(2026, 3, 5, 0), utc(2026, 3, 7, 0), utc(2026, 3, 9, 0)]  # 07:00 WIB
    assert wita[0].due_at == utc(2026, 3, 4, 23)  # 07:00 WITA

    clock.set(utc(2026, 3, 4, 23, 30))  # 07:30 WITA, 06:30 WIB
    await emulator.wait_for(NURHAYATI, FEEDBACK)
    await nothing_more(emulator, DEWI, FEEDBACK)
    clock.set(utc(2026, 3, 5, 0, 30))
    reminder = await emulator.wait_for(DEWI, FEEDBACK)
    assert "Kamis, 12 Maret 2026" in reminder.text
    assert reminder.labels == ["✅ Sudah selesai", "⚠️ Ada kendala"]

    done = await bot.user(DEWI).press("✅ Sudah selesai")
    assert "Sudah kami catat selesai" in done.text
    clock.set(utc(2026, 3, 7, 0, 30))
    await plan(bot)
    await emulator.wait_for(NURHAYATI, FEEDBACK)  # the second one still reaches who did not answer
    clock.set(utc(2026, 3, 9, 0, 30))
    await plan(bot)
    await emulator.wait_for(NURHAYATI, FEEDBACK)
    await nothing_more(emulator, DEWI, FEEDBACK)
    assert len(received(emulator, DEWI, FEEDBACK)) == 1 and len(received(emulator, NURHAYATI, FEEDBACK)) == 3


async def test_a_reminder_that_would_fall_on_17_august_arrives_the_working_day_before(bot, emulator, clock):
    clock.set(utc(2026, 8, 10, 3))
    users = await join(bot, "CGP01")
    await set_lokakarya(bot, 3, date(2026, 8, 27))  # PI 3 a week before, Thursday 20 August: H-3 is Monday the 17th
    await plan(bot)
    assert [r.due_at for r in await outbox_rows(bot, "CGP01", "pi3_segera")] == [utc(2026, 8, 15, 0)]  # Saturday 07:00 WIB
    # Feedback 360 on H-7, H-5, H-3: the H-3 one moves onto H-5, Saturday, and is sent once.
    assert [r.due_at for r in await outbox_rows(bot, "CGP01", "feedback360_pi3")] == [utc(2026, 8, 13, 0), utc(2026, 8, 15, 0)]
    jadwal = await users["CGP01"].say("/jadwal", "Hari libur")
    assert "• Senin, 17 Agustus 2026 — Hari Kemerdekaan Republik Indonesia" in jadwal.text

    soon = "Pendampingan Individu 3 dijadwalkan sekitar Kamis, 20 Agustus 2026"
    clock.set(utc(2026, 8, 14, 5))  # Friday noon WIB
    await nothing_more(emulator, DEWI, soon)
    clock.set(utc(2026, 8, 15, 0, 30))  # Saturday 07:30 WIB
    reminder = await emulator.wait_for(DEWI, soon)
    assert reminder.labels == ["📝 Isi sekarang"]
    clock.set(utc(2026, 8, 17, 0, 30))  # 17 August, 07:30 WIB
    await plan(bot)
    await nothing_more(emulator, DEWI, soon)
    assert len(received(emulator, DEWI, soon)) == 1 and len(received(emulator, DEWI, FEEDBACK)) == 2


async def test_rpp_dates_reach_the_cgp_and_the_pp_in_their_own_zones(bot, emulator, clock):
    users = await join(bot, "CGP05", "PP02")
    await users["CGP05"].say("/profil", "Nurhayati")
    await users["CGP05"].press("Ubah zona waktu")
    await users["CGP05"].press("WIT (Asia/Jayapura)", "WIT")
    mentee = await person(bot, "CGP05")
    async with bot.deps.db.session() as s:  # what the PP's PI 3 agreement (pi3_kesepakatan_rpp) writes
        for kind, day in (("rpp_submit", 10), ("rpp_return", 13), ("rpp_revision", 16), ("observation", 20)):
            s.add(Event(kind=kind, number=0, person_id=mentee.id, on_date=date(2026, 3, day), source="flow"))
    await plan(bot)
    cgp = await outbox_rows(bot, "CGP05", "rpp_submit_pengingat")
    pp = await outbox_rows(bot, "PP02", "rpp_submit_pengingat")
    assert [r.due_at for r in cgp] == [utc(2026, 3, 6, 22), utc(2026, 3, 8, 22), utc(2026, 3, 9, 22)]  # 07:00 WIT
    assert [r.due_at for r in pp] == [utc(2026, 3, 6, 23), utc(2026, 3, 8, 23), utc(2026, 3, 9, 23)]  # 07:00 WITA

    submit = "batas waktu penyerahan RPP oleh CGP ke PP"
    clock.set(utc(2026, 3, 6, 22, 30))
    h3 = await emulator.wait_for(TG_IDS["CGP05"], submit)
    assert "3 hari lagi, Selasa, 10 Maret 2026" in h3.text
    await nothing_more(emulator, PP02, submit)
    clock.set(utc(2026, 3, 6, 23, 30))
    assert "Nurhayati Daeng" in (await emulator.wait_for(PP02, submit)).text
    clock.set(utc(2026, 3, 8, 23, 30))
    assert "besok" in (await emulator.wait_for(TG_IDS["CGP05"], submit)).text
    assert "besok" in (await emulator.wait_for(PP02, submit)).text
    clock.set(utc(2026, 3, 9, 23, 30))
    assert "hari ini" in (await emulator.wait_for(TG_IDS["CGP05"], submit)).text
    assert "hari ini" in (await emulator.wait_for(PP02, submit)).text
    assert len(received(emulator, PP02, submit)) == 3


async def test_pmo_month_reaches_the_kepsek_and_the_fsp_with_that_months_topics(bot, emulator, clock):
    await join(bot, "KS01", "FSP01")
    clock.set(utc(2026, 8, 26, 12))
    await plan(bot)
    clock.set(utc(2026, 8, 27, 0, 30))  # 07:30 WIB, five days before September: the school reports first
    kepsek = await emulator.wait_for(TG_IDS["KS01"], "Mohon laporkan perkembangan PMO")
    no_workshop = "Bulan September belum ada lokakarya Sekolah Penggerak yang dijadwalkan."  # none is dated
    assert no_workshop in kepsek.text and "1 September" not in kepsek.text
    assert "• Subtopik yang dipilih oleh sekolah." in kepsek.text
    assert "Persiapan dalam melakukan PMO" not in kepsek.text  # August's topic
    assert kepsek.labels == ["📝 Isi sekarang"]
    await nothing_more(emulator, TG_IDS["FSP01"], "Persiapan monitoring PMO")
    clock.set(utc(2026, 8, 29, 0, 30))  # three days before: the FSP's briefing
    fsp = await emulator.wait_for(TG_IDS["FSP01"], "Persiapan monitoring PMO")
    assert "Hasil sekolah menyepakati solusi dari akar masalah." in fsp.text
    assert no_workshop in fsp.text and "1 September" not in fsp.text and "/ringkasan" in fsp.text


async def test_ada_kendala_pauses_the_cgps_reminders_and_tells_the_pp(bot, emulator, clock):
    users = await join(bot, "CGP01", "PP01")
    await set_lokakarya(bot, 3, date(2026, 3, 19))
    await plan(bot)
    clock.set(utc(2026, 3, 5, 0, 30))
    await emulator.wait_for(DEWI, FEEDBACK)
    dewi = users["CGP01"]
    assert "Apa yang sedang Bapak/Ibu alami" in (await dewi.press("⚠️ Ada kendala")).text
    assert "Berapa lama" in (await dewi.press("🤒 Sakit")).text
    paused = await dewi.press("1 minggu")
    assert "tunda sampai Kamis, 12 Maret 2026" in paused.text
    notice = await emulator.wait_for(PP01, "Kabar dari Dewi Lestari")
    assert "Sakit" in notice.text and "12 Maret 2026" in notice.text
    async with bot.deps.db.session() as s:
        pause = await s.scalar(select(Pause))
        assert pause.until == utc(2026, 3, 12, 0)
    later = [r for r in await outbox_rows(bot, "CGP01", "feedback360_pi3") if r.status == OutboxStatus.pending]
    assert len(later) == 2 and all(r.due_at >= pause.until for r in later)
    for day in (7, 9):
        clock.set(utc(2026, 3, day, 0, 30))
        await plan(bot)
    await nothing_more(emulator, DEWI, FEEDBACK)
    clock.set(utc(2026, 3, 14, 0))  # after the pause, keeping their spacing: deferred, not lost
    await plan(bot)
    await emulator.wait_for(DEWI, FEEDBACK)


async def test_quiet_hours_defer_a_22_00_reminder_to_06_00_instead_of_dropping_it(bot, emulator, clock):
    await join(bot, "CGP01")
    await set_lokakarya(bot, 3, date(2026, 3, 19))
    await plan(bot)
    first = (await outbox_rows(bot, "CGP01", "feedback360_pi3"))[0]
    async with bot.deps.db.session() as s:  # as a rule timed 22:00 would plan it
        row = await s.get(type(first), first.id)
        row.due_at = utc(2026, 3, 5, 15)  # 22:00 WIB
    clock.set(utc(2026, 3, 5, 15, 0, 30))
    await nothing_more(emulator, DEWI, FEEDBACK)
    [row] = [r for r in await outbox_rows(bot, "CGP01", "feedback360_pi3") if r.id == first.id]
    assert row.status == OutboxStatus.pending and row.due_at == utc(2026, 3, 5, 23)  # 06:00 WIB
    clock.set(utc(2026, 3, 5, 22, 59))
    await nothing_more(emulator, DEWI, FEEDBACK, seconds=0.8)
    clock.set(utc(2026, 3, 5, 23, 0, 5))
    await emulator.wait_for(DEWI, FEEDBACK)


async def test_dates_set_in_the_chat_reach_jadwal_and_reminders(bot, emulator, clock, db):
    users = await join(bot, "CGP01", "PP01")
    koordinator = bot.user(KOORDINATOR_ID, "Sri")
    await koordinator.join(expect="Koordinator")
    menu = await koordinator.say("/jadwal", "Tanggal Lokakarya tiap angkatan")
    assert menu.labels == ["🗓 Atur tanggal Lokakarya", "🏫 Atur tanggal lokakarya Sekolah Penggerak"]
    await koordinator.press("🗓 Atur tanggal Lokakarya", "Pilih angkatan")
    await koordinator.press("11", "pilih Lokakarya")
    await koordinator.press("Lokakarya 3", "Ketik tanggal Lokakarya 3 angkatan 11")
    assert "tidak dapat dibaca" in (await koordinator.say("minggu depan kira-kira")).text
    await koordinator.say("19 Maret 2026", "Simpan Lokakarya 3 angkatan 11 pada Kamis, 19 Maret 2026?")
    saved = await koordinator.press("✅ Simpan", "Tersimpan")
    assert "PI 3 para CGP mengikuti: Kamis, 12 Maret 2026" in saved.text
    assert len(await outbox_rows(bot, "CGP01", "feedback360_pi3")) == 3  # planned at once

    pp = users["PP01"]
    await pp.say("/jadwal", "Lokakarya 3")
    await pp.press("🗓 Atur tanggal PI mentee", "Pilih mentee")
    await pp.press("Dewi Lestari", "pilih PI")
    await pp.press("PI 3 · 12/3/2026", "Ketik tanggal PI 3 Dewi Lestari")
    await pp.say("/batal", "Pengaturan tanggal dibatalkan")
    await pp.say("16/3/2026", "Terima kasih atas pesannya")  # the dialogue is gone: a date is just text now
    await pp.say("/jadwal", "Lokakarya 3")
    await pp.press("🗓 Atur tanggal PI mentee", "Pilih mentee")
    await pp.press("Dewi Lestari", "pilih PI")
    await pp.press("PI 3 · 12/3/2026", "Ketik tanggal")
    await pp.say("16/3/2026", "Senin, 16 Maret 2026")
    await pp.press("✅ Simpan", "Tersimpan: PI 3 Dewi Lestari")
    assert (await outbox_rows(bot, "CGP01", "feedback360_pi3"))[-1].due_at == utc(2026, 3, 13, 0)
    jadwal = await users["CGP01"].say("/jadwal", "Jadwal Bapak/Ibu")
    assert "Senin, 16 Maret 2026 — PI 3" in jadwal.text and "Kamis, 19 Maret 2026 — Lokakarya 3" in jadwal.text

    csv = "angkatan,lokakarya,tanggal\n11,4,16/4/2026\n11,5,2026-05-14\n".encode()
    await koordinator.send_file("kalender.csv", csv, "Jadwal Lokakarya tersimpan: 2 tanggal")
    await koordinator.say("/jadwal", "Tanggal Lokakarya tiap angkatan")
    await koordinator.press("🗓 Atur tanggal Lokakarya", "Pilih angkatan")
    await koordinator.press("11", "pilih Lokakarya")
    await koordinator.press("Lokakarya 5 · 14/5/2026", "Ketik tanggal Lokakarya 5")
    await koordinator.say("/batal", "Pengaturan tanggal dibatalkan")
    bad = await koordinator.send_file("kalender.csv", b"angkatan,lokakarya,tanggal\n99,4,16/4/2026\n", "ditolak")
    assert "Baris 2" in bad.text
    async with db.session() as s:
        assert await s.scalar(select(func.count()).select_from(Event).where(Event.kind == "lokakarya")) == 3



async def test_a_drain_run_that_starts_late_still_runs(emulator, db, content, clock):
    """The loop is blocked while the next outbox run waits (a busy moment): it runs late, the chain goes on."""
    deps = Deps(settings=settings_for(emulator, db.url), content=content, db=db, clock=clock,
                extras={"timings": FAST_JOBS})
    application = build_application(deps)
    async with polling(application):
        running = RunningBot(emulator, deps)
        await join(running, "CGP01")
        await set_lokakarya(running, 3, date(2026, 3, 19))
        await plan(running)
        while not application.job_queue.get_jobs_by_name("outbox"):
            await asyncio.sleep(0.01)
        time.sleep(1.5)  # past APScheduler's default one-second grace
        clock.set(utc(2026, 3, 5, 0, 30))
        await emulator.wait_for(DEWI, FEEDBACK)

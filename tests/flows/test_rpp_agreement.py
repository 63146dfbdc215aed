"""The PI 3 RPP agreement as shipped: dates said back in words, past and out-of-order dates questioned,
a time for the observation, and the CGP told the four dates with a calendar button."""
from __future__ import annotations

from datetime import date, time

import pytest
from icalendar import Calendar
from sqlalchemy import select

from core.content import load_content
from core.content.schema import Content
from flows import callbacks
from program.callbacks import CalendarFile
from services.jadwal import jadwal_ics
from store.models import Answer, Event, OutboxMessage, Person
from tests.flows.conftest import REPO

FLOW = "pi3_kesepakatan_rpp"


@pytest.fixture(scope="module")
def shipped() -> Content:
    return load_content(REPO / "content")


async def _answer(db) -> dict[str, object]:
    async with db.session() as s:
        return {a.question_id: a.value for a in (await s.scalars(select(Answer))).all()}


async def test_dates_are_echoed_checked_and_sent_to_the_cgp(db, people, chat_for, shipped, clock):
    # today is Monday 10 March 2025 (WIB)
    chat = chat_for(people["pp"], shipped)
    await chat.data(callbacks.OpenForMentee(FLOW, people["cgp"].id).pack())
    assert "(1/4)" in chat.text

    await chat.send("3/3/2025")  # a week ago: probably a typo, so asked
    assert "⚠️ Senin, 3 Maret 2025 sudah lewat" in chat.text and "(1/4)" in chat.text
    assert await _answer(db) == {}
    await chat.press("Ya, tanggal itu benar")
    assert "✔️ Senin, 3 Maret 2025" in chat.replies[0].text and "(2/4)" in chat.text

    await chat.send("1/3/2025")  # returned before it was submitted
    assert ("⚠️ Sabtu, 1 Maret 2025 lebih awal dari jawaban “Batas waktu penyerahan RPP oleh CGP ke PP” "
            "(Senin, 3 Maret 2025). Mohon ketik tanggal pada atau setelah Senin, 3 Maret 2025.") in chat.text
    assert "(2/4)" in chat.text and "tanggal_rpp_dikembalikan" not in await _answer(db)
    await chat.send("kamis depan")
    assert chat.text.startswith("📅 Tercatat: Kamis, 20 Maret 2025.") and "(3/4)" in chat.text

    await chat.send("3 hari lagi")  # 13 March: before the corrected RPP comes back on the 20th
    assert "lebih awal dari jawaban" in chat.text and "(3/4)" in chat.text
    await chat.send("24/3/2025")
    assert "📅 Tercatat: Senin, 24 Maret 2025." in chat.text and "(4/4)" in chat.text
    assert "pukul 08.00" in chat.text  # the hint offers a time of day for the observation

    await chat.send("kamis, 27 maret 2025 jam 8 pagi")
    assert "📅 Tercatat: Kamis, 27 Maret 2025, pukul 08.00." in chat.text and "Tekan Kirim" in chat.text

    await chat.press("Ubah")
    await chat.press("1. Batas waktu penyerahan RPP")
    await chat.send("21/3/2025")  # now after the return date
    assert ("⚠️ Jumat, 21 Maret 2025 lebih lambat dari jawaban “Batas waktu penyerahan kembali RPP oleh PP ke CGP "
            "(RPP yang telah dikoreksi)” (Kamis, 20 Maret 2025)") in chat.text
    await chat.send("17/3/2025")
    assert "📅 Tercatat: Senin, 17 Maret 2025." in chat.text and "Tekan Kirim" in chat.text

    await chat.press("Kirim")
    assert "sudah dikirim kepada Citra" in chat.text
    cgp = people["cgp"]
    async with db.session() as s:
        events = {e.kind: (e.on_date, e.at_time) for e in (await s.scalars(select(Event))).all()}
        [notice] = (await s.scalars(select(OutboxMessage).where(OutboxMessage.person_id == cgp.id))).all()
    assert events == {
        "rpp_submit": (date(2025, 3, 17), None), "rpp_return": (date(2025, 3, 20), None),
        "rpp_revision": (date(2025, 3, 24), None), "observation": (date(2025, 3, 27), time(8, 0)),
    }
    assert notice.text == (
        "📅 Pak Pandu mencatat Kesepakatan RPP dan observasi (PI 3) untuk Bapak/Ibu:\n"
        "• Pengumpulan RPP: Senin, 17 Maret 2025\n"
        "• RPP dikembalikan PP dengan masukan: Kamis, 20 Maret 2025\n"
        "• Pengumpulan revisi RPP: Senin, 24 Maret 2025\n"
        "• Observasi kelas (PI 4): Kamis, 27 Maret 2025, pukul 08.00 WIB\n"
        "Pengingat akan dikirim menjelang setiap tanggal. Tekan tombol di bawah untuk menyimpannya ke kalender HP."
    )
    assert notice.respect_quiet_hours and notice.due_at == clock.now()
    assert notice.buttons == [[{"text": shipped.text("jadwal.button_ics"), "data": CalendarFile().pack()}]]

    async with db.session() as s:  # the CGP presses it: their calendar file holds the agreed dates
        reply = await jadwal_ics(s, shipped, await s.get(Person, cgp.id), clock)
    ics = {str(e["summary"]): e for e in Calendar.from_ical(reply.file[1]).walk("VEVENT")}
    assert ics["Pengumpulan RPP"].decoded("dtstart") == date(2025, 3, 17)
    assert ics["Observasi kelas (PI 4)"].decoded("dtstart").isoformat() == "2025-03-27T08:00:00+07:00"


async def test_a_stale_confirmation_saves_nothing(db, people, chat_for, shipped):
    chat = chat_for(people["pp"], shipped)
    await chat.data(callbacks.OpenForMentee(FLOW, people["cgp"].id).pack())
    await chat.send("3/3/2025")
    confirm = chat.buttons()["✔️ Ya, tanggal itu benar"]
    await chat.send("17/3/2025")  # typed the right one instead
    assert "(2/4)" in chat.text
    await chat.data(confirm)
    assert shipped.text("flow.stale") in chat.text
    assert (await _answer(db)) == {"tanggal_rpp_diserahkan": "2025-03-17"}

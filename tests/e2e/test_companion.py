"""The PP's companion through Telegram: the session guide on demand and before the PI, the jurnal drafted from
the mentee's answers and sent back as a Word document, and the reminder to write it that stops once written."""
from __future__ import annotations

import io
from collections.abc import AsyncIterator
from datetime import date

import pytest
from docx import Document

from core.clock import FrozenClock
from emulator import SentMessage
from services import background
from store.models import OutboxStatus
from tests.e2e.harness import RunningBot, User, answer_until_review, is_question, is_review_end, progress, running_bot
from tests.e2e.scheduling import TG_IDS, join, nothing_more, outbox_rows, set_lokakarya, utc

PP, DEWI = TG_IDS["PP01"], TG_IDS["CGP01"]
RTL = "Menerapkan jurnal refleksi mingguan bersama murid kelas 8"
JURNAL_REMINDER = "Jurnal pendampingan PI 1 untuk Dewi Lestari belum Bapak/Ibu kirim"


@pytest.fixture
def clock() -> FrozenClock:
    return FrozenClock(utc(2026, 2, 26, 3, 0))  # Thursday 10:00 WIB: PI 1 is a week away, its reflection opens


@pytest.fixture
async def bot(emulator, db, content, clock) -> AsyncIterator[RunningBot]:
    async with running_bot(emulator, db, content, clock=clock) as running:
        yield running


def docx_text(message: SentMessage) -> str:
    """Every paragraph and table cell of a Word document the bot sent."""
    doc = Document(io.BytesIO(message.content))
    parts = [p.text for p in doc.paragraphs]
    parts += [cell.text for table in doc.tables for row in table.rows for cell in row.cells]
    return "\n".join(parts)


async def document(user: User, name: str) -> SentMessage:
    return await user.next(lambda m: m.kind == "document" and m.filename == name)


async def submit_pi1(cgp: User) -> None:
    await cgp.say("/refleksi", "Pilih refleksi")
    first = await cgp.press("Pendampingan Individu 1", "(1/")
    await answer_until_review(cgp, first, prefix="Jawaban Dewi")
    await cgp.press("Kirim", "terkirim")


async def write_jurnal(pp: User, question: SentMessage) -> dict[int, str]:
    """Walk the drafted jurnal: keep each draft (Lanjut), type the agreed RTL, a date, a document for the
    required documentation; return what each question showed as its saved answer."""
    drafts = {}
    while True:
        n, _ = progress(question)
        text = question.text
        if "Jawaban tersimpan:" in text:
            drafts[n] = text.split("Jawaban tersimpan:", 1)[1]
        if "Tindak lanjut apa yang disepakati" in text:
            pp.emulator.send_text(pp.id, RTL)
        elif "Sampai tanggal berapa" in text:
            pp.emulator.send_text(pp.id, "20/3/2026")
        elif "Unggah dokumentasi lainnya" in text:
            pp.emulator.send_document(pp.id, "daftar_hadir.pdf", b"%PDF-1.4 daftar hadir")
            await pp.next("Lanjut")
            pp.emulator.click(pp.id, "Lanjut")
        elif "Lanjut" in question.labels:
            pp.emulator.click(pp.id, "Lanjut", question.message_id)
        elif "Lewati" in question.labels:
            pp.emulator.click(pp.id, "Lewati", question.message_id)
        else:
            pp.emulator.send_text(pp.id, f"Catatan PP {n}")
        reply = await pp.emulator.wait_for(pp.id, lambda m: (is_question(m) and progress(m)[0] != n) or is_review_end(m),
                                           edits=False)
        if is_review_end(reply):
            return drafts
        question = reply


async def test_the_pp_gets_the_guide_a_drafted_jurnal_as_docx_a_reminder_until_written_and_the_next_guide_with_the_rtl(
        bot, emulator, content, clock):
    users = await join(bot, "PP01", "CGP01")
    pp, cgp = users["PP01"], users["CGP01"]
    await set_lokakarya(bot, 1, date(2026, 3, 12))  # PI 1 a week before: Thursday 5 March
    await set_lokakarya(bot, 2, date(2026, 4, 9))  # PI 2: Thursday 2 April

    # On demand: /ringkasan → the mentee → the guide to her next PI, short in chat and complete as a document.
    await pp.say("/ringkasan", "Perkembangan mentee")  # not "Dewi Lestari": her joining is announced meanwhile
    await pp.press("Dewi Lestari", "Dewi Lestari")
    guide = await pp.press("🧭 Panduan PI 1", "Panduan")
    assert "Untuk: Dewi Lestari (SMP Negeri 1 Soreang)" in guide.text and "Kamis, 5 Maret 2026" in guide.text
    assert "1. Bagian awal" in guide.text and "(20 menit)" in guide.text and "Refleksi PI 1: belum dikirim" in guide.text
    full = docx_text(await document(pp, "panduan_pi1_dewi_lestari.docx"))
    checklist = content.flows["pi1"].sections[0].checklist[0]
    assert checklist in full and "150 menit" in full

    # The mentee sends PI 1: the PP is offered the jurnal, drafted from her answers.
    await submit_pi1(cgp)
    offer = await pp.next("sudah mengirim refleksi Pendampingan Individu 1", timeout=15)
    assert offer.labels == ["📝 Jurnal PI 1: periksa draf"]

    # Not written yet: the reminder reaches the PP the day after the PI.
    clock.set(utc(2026, 3, 6, 0, 30))  # Friday 07:30 WIB
    await background.plan(bot.deps)
    reminder = await pp.next(JURNAL_REMINDER, timeout=20)  # behind the day's other messages, 1/s per chat
    assert "(pendampingan Kamis, 5 Maret 2026, kemarin)" in reminder.text and "sementara" in reminder.text

    first = await pp.press("📝 Jurnal PI 1: periksa draf", "(1/")
    assert "Draf jawaban untuk" in first.text and "Dewi Lestari" in first.text
    drafts = await write_jurnal(pp, first)
    assert any("Jawaban Dewi" in d for d in drafts.values())
    await pp.press("Kirim", "terkirim")
    sent = await pp.next("Jurnal pendampingan PI 1 untuk Dewi Lestari (dokumen Word)")
    assert sent.kind == "text"
    jurnal = docx_text(await document(pp, "jurnal_pi1_dewi_lestari.docx"))
    assert "Dewi Lestari" in jurnal and "Bambang Sutrisno" in jurnal and "Kamis, 5 Maret 2026" in jurnal
    assert "Jawaban Dewi" in jurnal  # the mentee's answers, through the kept drafts
    assert RTL in jurnal and "Jumat, 20 Maret 2026" in jurnal
    lms = await pp.next("siap ditempel ke LMS")
    assert "JURNAL PENDAMPINGAN INDIVIDU 1" in lms.text and RTL in lms.text
    group = await pp.next("kelompok Bapak/Ibu: 1 dari 4 CGP")
    group_text = docx_text(await document(pp, "jurnal_pi1_kelompok.docx"))
    assert "Dewi Lestari" in group_text and "Agus Setiawan" in group_text  # who has none yet
    assert group.kind == "text"

    # Written: the reminders stop, and planning again does not bring them back.
    rows = await outbox_rows(bot, "PP01", "jurnal_pi1_pp")
    assert [r.status for r in rows if "Dewi" in r.text][1:] == [OutboxStatus.cancelled] * 2
    clock.set(utc(2026, 3, 8, 0, 30))
    await background.plan(bot.deps)
    await nothing_more(emulator, PP, JURNAL_REMINDER)
    assert len([m for m in emulator.sent(PP) if JURNAL_REMINDER in (m.text or "")]) == 1

    # Three days before PI 2 the guide comes by itself, with the RTL agreed in the jurnal of PI 1.
    clock.set(utc(2026, 3, 30, 3, 0))
    await background.plan(bot.deps)
    before = await pp.next("Panduan Pendampingan Individu 2\nUntuk: Dewi Lestari", timeout=20)
    assert "menit)" in before.text and RTL in before.text
    emulator.click(PP, "📄 Panduan lengkap (.docx)", before.message_id)
    full = docx_text(await document(pp, "panduan_pi2_dewi_lestari.docx"))
    assert RTL in full and content.flows["pi2"].sections[0].checklist[0] in full
    await background.plan(bot.deps)  # planning again sends it once
    await nothing_more(emulator, PP, "Panduan Pendampingan Individu 2\nUntuk: Dewi Lestari")

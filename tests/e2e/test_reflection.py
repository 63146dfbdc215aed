"""Reflections walked in Telegram: a CGP's PI from /refleksi to Kirim, her PP's summary, PP flows, concurrency."""
from __future__ import annotations

import asyncio
from datetime import date, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from core.dates import format_date
from store.models import Event, FlowRun, OutboxMessage, Person, RunStatus
from tests.e2e.conftest import EXAMPLES
from tests.e2e.harness import answer_until_review, daytime_clock, is_question, is_review_end, progress


async def _join(bot, codes, external_id, user_id, name="Pengguna"):
    user = bot.user(user_id, name)
    await user.join(codes[external_id], "Selamat datang")
    return user


async def _run(db, external_id, flow_id):
    async with db.session() as s:
        person = await s.scalar(select(Person).where(Person.external_id == external_id))
        return await s.scalar(
            select(FlowRun).options(selectinload(FlowRun.answers))
            .where(FlowRun.person_id == person.id, FlowRun.flow_id == flow_id).order_by(FlowRun.id.desc()).limit(1)
        )


def _answers(run):
    return {a.question_id: a.value for a in run.answers}


async def _open(user, title, expect="(1/"):
    await user.say("/refleksi", "Pilih refleksi")
    return await user.press(title, expect)


async def test_cgp_walks_pi1_with_wrong_inputs_kembali_and_ubah_and_her_pp_gets_the_summary(bot, emulator, db):
    codes = await bot.import_roster(EXAMPLES / "roster.csv")
    pp = await _join(bot, codes, "PP01", 6101, "Bambang")
    cgp = await _join(bot, codes, "CGP01", 6102, "Dewi")

    menu = await cgp.say("/refleksi", "Pilih refleksi")
    assert "▫️ Pendampingan Individu 1 — belum" in menu.text
    first = await cgp.press("Pendampingan Individu 1", "(1/20)")
    assert "▶️ Bagian awal pendampingan" in first.text and {"Sudah", "Belum"} <= set(first.labels)

    wrong = await cgp.say("sudah siap")  # text where a button is expected, not a button's label
    assert "Mohon pilih salah satu tombol" in wrong.text and "(1/20)" in wrong.text
    assert _answers(await _run(db, "CGP01", "pi1")) == {}

    emulator.click(cgp.id, "Sudah", first.message_id)
    chosen = await cgp.next()
    assert chosen.message_id == first.message_id and "✔️ Sudah" in chosen.text and chosen.buttons == []
    q2 = await cgp.next("(2/20)")

    emulator.send_sticker(cgp.id)  # a sticker where text is expected
    wrong = await cgp.next()
    assert "Mohon jawab dengan mengetik teks" in wrong.text and "(2/20)" in wrong.text

    await cgp.say("Proses pertama saya", "(3/20)")
    q4 = await cgp.say("Ekosistem mendukung", "(4/20)")
    back = await cgp.press("Kembali", "(3/20)")
    assert back.message_id == q4.message_id  # Kembali replaces the question in place
    assert "Jawaban tersimpan: Ekosistem mendukung" in back.text
    q4 = await cgp.say("Ekosistem sangat mendukung", "(4/20)")
    given = await answer_until_review(cgp, q4)
    assert set(given) == set(range(4, 21))

    review = _review_text(emulator, cgp.id)
    assert "Ekosistem sangat mendukung" in review and "Jawaban 20" in review and "Ekosistem mendukung\n" not in review

    picker = await cgp.press("Ubah", "Pertanyaan mana")
    assert any(label.startswith("20. ") for label in picker.labels)
    again = await cgp.press("2. Apa saja proses", "(2/20)")
    assert "Jawaban tersimpan: Proses pertama saya" in again.text
    emulator.send_text(cgp.id, "Proses yang sudah diperbaiki")
    await cgp.next(is_review_end)
    assert "Proses yang sudah diperbaiki" in _review_text(emulator, cgp.id)
    assert "Proses pertama saya" not in _review_text(emulator, cgp.id)

    done = await cgp.press("Kirim", "sudah terkirim")
    assert "Pendampingan Individu 1" in done.text and "Bambang Sutrisno" in done.text

    summary = await pp.next("Dewi Lestari mengirim Pendampingan Individu 1", timeout=10)
    for text in ("Proses yang sudah diperbaiki", "Ekosistem sangat mendukung", "Jawaban 20", "➡️ Sudah"):
        assert text in "\n".join(m.text for m in emulator.sent(pp.id))
    last_part = emulator.sent(pp.id)[-1]
    assert "Lihat semua jawaban" in last_part.labels and "Proses yang sudah diperbaiki" in summary.text

    run = await _run(db, "CGP01", "pi1")
    answers = _answers(run)
    assert run.status is RunStatus.submitted and len(answers) == 20
    assert answers["dokumen_siap"] == "sudah" and answers["proses_sebulan"] == "Proses yang sudah diperbaiki"
    assert answers["dukungan_ekosistem"] == "Ekosistem sangat mendukung"

    menu = await cgp.say("/refleksi", "Pilih refleksi")
    assert "✅ Pendampingan Individu 1 — terkirim" in menu.text
    await cgp.press("Pendampingan Individu 1", "tidak dapat diubah")
    assert "Proses yang sudah diperbaiki" in (await cgp.next("Jawaban Bapak/Ibu untuk Pendampingan Individu 1")).text


def _review_text(emulator, chat_id):
    """The newest review, all its parts."""
    sent = emulator.sent(chat_id)
    start = max(i for i, m in enumerate(sent) if "Periksa kembali" in (m.text or ""))  # after a date said back
    end = next(i for i in range(start, len(sent)) if is_review_end(sent[i]))
    return "\n".join(m.text for m in sent[start:end + 1])


async def _submit_pi1(cgp, emulator):
    """Walk PI 1 and send it; return the review message with its Kirim button."""
    first = await _open(cgp, "Pendampingan Individu 1", "(1/20)")
    await answer_until_review(cgp, first, prefix="Rencana PI1")
    review = emulator.last(cgp.id)
    await cgp.press("Kirim", "sudah terkirim")
    return review


async def test_pi2_quotes_pi1_and_takes_an_album_as_one_answer_sent_to_the_pp(bot, emulator, db):
    codes = await bot.import_roster(EXAMPLES / "roster.csv")
    pp = await _join(bot, codes, "PP01", 6201)
    cgp = await _join(bot, codes, "CGP01", 6202)
    review = await _submit_pi1(cgp, emulator)  # its Kirim button now belongs to a finished run
    await pp.next("mengirim Pendampingan Individu 1", timeout=10)

    first = await _open(cgp, "Pendampingan Individu 2", "(1/")
    assert "Pada Pendampingan Individu 1 Bapak/Ibu menuliskan" in first.text
    assert "“Rencana PI1 18”" in first.text and "“Rencana PI1 11”" in first.text  # perubahan_rencana, baik_perlu_perbaikan

    question = await cgp.say("Rencana berjalan baik", "(2/")
    cursor = (await _run(db, "CGP01", "pi2")).cursor
    emulator.press(cgp.id, review.message_id, review.data_for("Kirim"))  # stale: the finished PI 1 run
    stale = await cgp.next("tidak berlaku")
    assert progress(stale) == progress(question)
    assert (await _run(db, "CGP01", "pi2")).cursor == cursor
    async with db.session() as s:
        assert len((await s.scalars(select(OutboxMessage).where(OutboxMessage.kind == "summary"))).all()) == 1

    while "Unggah laporan hasil diskusi" not in question.text:
        choices = [label for label in question.labels if label not in ("Kembali", "Lewati")]
        if choices:
            emulator.click(cgp.id, choices[0], question.message_id)
        else:
            emulator.send_text(cgp.id, f"Isi {progress(question)[0]}")
        question = await cgp.next(is_question)
    n, total = progress(question)

    emulator.send_voice(cgp.id)  # a voice note where a document or photo is expected
    assert "Mohon kirim dokumen, foto" in (await cgp.next()).text
    emulator.send_album(cgp.id, 3, caption="Laporan diskusi")
    received = await cgp.next("Album diterima")
    await asyncio.sleep(0.3)
    assert emulator.events(cgp.id, after=_seq(emulator, cgp.id, received)) == []  # one reply for the album
    emulator.click(cgp.id, "Lanjut", received.message_id)
    chosen = await cgp.next()
    assert chosen.message_id == received.message_id and "✔️ 📎 3 berkas" in chosen.text
    following = await cgp.next(is_question)
    assert progress(following) == (n + 1, total)
    await answer_until_review(cgp, following)

    laporan = _answers(await _run(db, "CGP01", "pi2"))["laporan_diskusi"]
    assert len(laporan) == 3 and {item["kind"] for item in laporan} == {"photo"}
    assert laporan[0]["caption"] == "Laporan diskusi"
    await cgp.press("Kirim", "sudah terkirim")
    await pp.next("mengirim Pendampingan Individu 2", timeout=10)
    photos = await _wait_count(emulator, pp.id, lambda m: m.kind == "photo", 3)
    assert {m.file_id for m in photos} == {item["file_id"] for item in laporan}
    assert "📎 3 berkas" in "\n".join(m.text or "" for m in emulator.sent(pp.id))


def _seq(emulator, chat_id, message):
    return max(seq for seq, _, m in emulator.events(chat_id) if m.message_id == message.message_id)


async def _wait_count(emulator, chat_id, predicate, count, timeout=10.0):
    deadline = asyncio.get_running_loop().time() + timeout
    while len(found := [m for m in emulator.sent(chat_id) if predicate(m)]) < count:
        assert asyncio.get_running_loop().time() < deadline, f"only {len(found)} of {count}"
        await asyncio.sleep(0.05)
    return found


async def test_pp_who_joins_after_the_submission_gets_the_summary_on_joining(bot, emulator, db):
    codes = await bot.import_roster(EXAMPLES / "roster.csv")
    cgp = await _join(bot, codes, "CGP05", 6301)
    first = await _open(cgp, "Pendampingan Individu 6", "(1/3)")
    assert "Belum ada rencana dari pertemuan sebelumnya" in first.text
    await answer_until_review(cgp, first, prefix="Catatan PI6")
    done = await cgp.press("Kirim", "sudah terkirim")
    assert "Andi Rahman" in done.text
    await asyncio.sleep(0.8)  # a few drains: the row waits for Andi, nothing is sent anywhere
    async with db.session() as s:
        row = await s.scalar(select(OutboxMessage).where(OutboxMessage.kind == "summary"))
        assert row is not None and row.sent_at is None

    pp = await _join(bot, codes, "PP02", 6302, "Andi")
    summary = await pp.next("Nurhayati Daeng mengirim Pendampingan Individu 6", timeout=10)
    assert "Catatan PI6 3" in summary.text


async def test_pp_fills_a_jurnal_for_a_mentee_with_lewati_and_a_document(bot, emulator, db):
    codes = await bot.import_roster(EXAMPLES / "roster.csv")
    pp = await _join(bot, codes, "PP01", 6401)
    menu = await pp.say("/refleksi", "Pilih refleksi")
    assert "👥 Jurnal pendampingan PI 1 — 0/4 mentee terkirim" in menu.text
    picker = await pp.press("Jurnal pendampingan PI 1", "Untuk mentee yang mana?")
    assert picker.labels == ["▫️ Agus Setiawan", "▫️ Dewi Lestari", "▫️ Rina Marlina", "▫️ Yusuf Hidayat"]
    question = await pp.press("Dewi Lestari", "(1/")
    assert "Tentang: Dewi Lestari" in question.text
    while "media berupa video" not in question.text:
        if "Sampai tanggal berapa" in question.text:  # the RTL's date: optional, and not from the documents
            assert "⚠️ (sementara — tidak ada di dokumen program)" in question.text
            await pp.press("Lewati", "(dilewati)")
            question = await pp.next(is_question)
        else:
            question = await pp.say(f"Catatan {progress(question)[0]}", is_question)
    assert "Lewati" in question.labels
    skipped = await pp.press("Lewati")
    assert "(dilewati)" in skipped.text
    await pp.next("dokumentasi lainnya")
    emulator.send_document(pp.id, "daftar_hadir.pdf", b"%PDF-1.4 daftar hadir", caption="Daftar hadir")
    await pp.next("Diterima ✅ (1 berkas)")
    await pp.press("Lanjut", is_review_end)
    assert "(belum dijawab)" in _review_text(emulator, pp.id)  # the skipped questions
    done = await pp.press("Kirim", "sudah terkirim")
    assert "Jurnal pendampingan PI 1" in done.text

    async with db.session() as s:
        dewi = await s.scalar(select(Person).where(Person.external_id == "CGP01"))
        run = await s.scalar(select(FlowRun).options(selectinload(FlowRun.answers)).where(FlowRun.flow_id == "jurnal_pi1"))
        assert run.subject_id == dewi.id and run.status is RunStatus.submitted
        answers = _answers(run)
        assert "media_aksi_nyata" not in answers and "tanggal_rtl" not in answers
        assert answers["bahas_tantangan_daring"] == "Catatan 1"
        assert answers["dokumentasi_kegiatan"][0]["kind"] == "document"
        assert answers["dokumentasi_kegiatan"][0]["caption"] == "Daftar hadir"
    menu = await pp.say("/refleksi", "Pilih refleksi")
    assert "👥 Jurnal pendampingan PI 1 — 1/4 mentee terkirim" in menu.text


async def test_pp_records_the_pi3_rpp_agreement_as_four_events(bot, emulator, db):
    codes = await bot.import_roster(EXAMPLES / "roster.csv")
    pp = await _join(bot, codes, "PP01", 6501)
    await pp.say("/refleksi", "Pilih refleksi")
    await pp.press("Kesepakatan RPP dan observasi (PI 3)", "Untuk mentee yang mana?")
    first = await pp.press("Agus Setiawan", "(1/4)")
    assert "12 Maret 2025" in first.text  # the date hint
    wrong = await pp.say("kapan-kapan saja")
    assert "Tanggal belum terbaca" in wrong.text and "(1/4)" in wrong.text
    past = await pp.say("12/3/2025", "sudah lewat")  # an agreement recorded late: past dates are confirmed
    assert past.text.startswith("⚠️ Rabu, 12 Maret 2025 sudah lewat") and "(1/4)" in past.text
    await pp.press("✔️ Ya, tanggal itu benar", "(2/4)")
    await pp.say("19-03-2025", "sudah lewat")
    await pp.press("✔️ Ya, tanggal itu benar", "(3/4)")
    await pp.say("26 Maret 2025", "sudah lewat")
    await pp.press("✔️ Ya, tanggal itu benar", "(4/4)")
    tomorrow = daytime_clock().now().astimezone(ZoneInfo("Asia/Jakarta")).date() + timedelta(days=1)  # the bot's clock
    echoed = await pp.say("besok", lambda m: "Tercatat" in (m.text or ""))
    assert echoed.text.startswith(f"📅 Tercatat: {format_date(tomorrow)}.")
    assert "12 Maret 2025" in _review_text(emulator, pp.id)
    await pp.press("Kirim", "sudah terkirim")

    async with db.session() as s:
        agus = await s.scalar(select(Person).where(Person.external_id == "CGP02"))
        events = {e.kind: e.on_date for e in (await s.scalars(select(Event).where(Event.person_id == agus.id))).all()}
    assert events == {
        "rpp_submit": date(2025, 3, 12), "rpp_return": date(2025, 3, 19),
        "rpp_revision": date(2025, 3, 26), "observation": tomorrow,
    }


async def test_messages_sent_together_never_double_advance_and_users_proceed_in_parallel(bot, emulator, db):
    codes = await bot.import_roster(EXAMPLES / "roster.csv")
    dewi = await _join(bot, codes, "CGP01", 6601)
    agus = await _join(bot, codes, "CGP02", 6602)
    first = await _open(dewi, "Pendampingan Individu 1", "(1/20)")

    data = first.data_for("Sudah")
    emulator.press(dewi.id, first.message_id, data)  # a double tap on the same choice
    emulator.press(dewi.id, first.message_id, data)
    await dewi.next("(2/20)")
    assert "tidak berlaku" in (await dewi.next(lambda m: "tidak berlaku" in m.text)).text
    run = await _run(db, "CGP01", "pi1")
    assert run.cursor == "proses_sebulan" and _answers(run) == {"dokumen_siap": "sudah"}

    emulator.send_text(dewi.id, "Jawaban dua")  # two answers sent at once go to two questions, in order
    emulator.send_text(dewi.id, "Jawaban tiga")
    await dewi.next("(4/20)")
    run = await _run(db, "CGP01", "pi1")
    assert run.cursor == "harapan_kekhawatiran"
    assert _answers(run) == {"dokumen_siap": "sudah", "proses_sebulan": "Jawaban dua", "dukungan_ekosistem": "Jawaban tiga"}

    await _open(agus, "Pendampingan Individu 1", "(1/20)")
    await agus.press("Belum", "(2/20)")
    for n in range(4, 9):  # both people at once, interleaved
        emulator.send_text(dewi.id, f"Dewi {n}")
        emulator.send_text(agus.id, f"Agus {n - 2}")
    await asyncio.gather(dewi.next("(9/20)"), agus.next("(7/20)"))
    dewi_answers = _answers(await _run(db, "CGP01", "pi1"))
    agus_answers = _answers(await _run(db, "CGP02", "pi1"))
    assert len(dewi_answers) == 8 and len(agus_answers) == 6
    assert dewi_answers["kekhawatiran_terjadi"] == "Dewi 5" and agus_answers["kekhawatiran_terjadi"] == "Agus 5"
    assert not any("Agus" in str(v) for v in dewi_answers.values())


async def test_a_long_paste_telegram_cut_in_two_is_one_answer(bot, emulator, db):
    """A 4,500-character paste arrives as 4,096 characters and the rest, back to back: one answer."""
    codes = await bot.import_roster(EXAMPLES / "roster.csv")
    dewi = await _join(bot, codes, "CGP01", 6701)
    await _open(dewi, "Pendampingan Individu 1", "(1/20)")
    await dewi.press("Sudah", "(2/20)")
    paste = ("Proses sebulan ini berjalan baik. " * 140)[:4500]
    emulator.send_text(dewi.id, paste[:4096])
    emulator.send_text(dewi.id, paste[4096:])
    await dewi.next("(3/20)")
    joined = await dewi.next("sambungkan")
    assert "dipotong Telegram" in joined.text and "pertanyaan 2" in joined.text and "(3/20)" in joined.text
    run = await _run(db, "CGP01", "pi1")
    assert run.cursor == "dukungan_ekosistem" and _answers(run)["proses_sebulan"] == paste


async def test_quick_short_answers_each_answer_their_own_question(bot, emulator, db):
    """Queued messages arriving together after a weak signal ("Belum", then a text) are never glued."""
    codes = await bot.import_roster(EXAMPLES / "roster.csv")
    dewi = await _join(bot, codes, "CGP01", 6801)
    await _open(dewi, "Pendampingan Individu 1", "(1/20)")
    emulator.send_text(dewi.id, "  belum ")  # the label of a button, typed
    emulator.send_text(dewi.id, "Ya")
    emulator.send_text(dewi.id, "Sekolah mendukung")
    await dewi.next("(4/20)")
    answers = _answers(await _run(db, "CGP01", "pi1"))
    assert answers == {"dokumen_siap": "belum", "proses_sebulan": "Ya", "dukungan_ekosistem": "Sekolah mendukung"}
    assert not any("sambungkan" in (m.text or "") for m in emulator.sent(dewi.id))

"""Walking a flow: every question kind, progress, sections, Lewati, Kembali, review, Ubah, Kirim."""
from __future__ import annotations

from sqlalchemy import select

from flows import runs
from store.models import Answer, ContentVersion, FlowRun, OutboxMessage, RunStatus


async def start_pi1(chat) -> None:
    await chat.menu()
    assert "▫️ PI 1 — belum" in chat.text
    await chat.press("PI 1")


async def answer_all_pi1(chat) -> None:
    await chat.send("Saya belajar tentang visi.")
    await chat.press("Senang")
    await chat.press("Cukup")
    await chat.press("Visi")
    await chat.press("Diferensiasi")
    await chat.press("Selesai")
    await chat.send("32")
    await chat.send("12/3/2025")
    await chat.media("photo", "P1", caption="Kelas")
    await chat.press("Lanjut")
    await chat.send("Menerapkan budaya positif.")
    await chat.press("Lewati")


async def answers_of(db, person_id) -> dict:
    async with db.session() as s:
        run = await s.scalar(select(FlowRun).where(FlowRun.person_id == person_id))
        return {a.question_id: a.value for a in run.answers}


async def test_full_walk_with_every_kind(db, people, chat_for, flow_content):
    chat = chat_for(people["cgp"])
    await start_pi1(chat)
    assert "📝 PI 1" in chat.text and "Selamat datang di PI 1." in chat.text
    assert "▶️ Bagian Awal" in chat.text and "(1/9) Apa yang Anda pelajari?" in chat.text
    await chat.send("Saya belajar tentang visi.")
    assert "(2/9)" in chat.text and "Bagian Awal" not in chat.text
    await chat.press("Senang")
    assert chat.replies[0].edit and "✔️ Senang" in chat.replies[0].text and not chat.replies[0].buttons
    assert "▶️ Bagian Inti\n▶️ Praktik\n(3/9)" in chat.replies[1].text
    await chat.press("Cukup")
    await chat.press("Visi")
    assert chat.replies[0].edit and "✅ Visi" in chat.buttons()
    await chat.press("Budaya")
    await chat.press("Budaya")
    await chat.press("Diferensiasi")
    await chat.press("Selesai")
    assert "✔️ Visi, Diferensiasi" in chat.replies[0].text
    await chat.send("32")
    assert "(6/9)" in chat.text and "Lewati" in chat.buttons()
    await chat.send("12 Maret 2025")
    assert "▶️ Bagian Akhir" in chat.text and "(7/9)" in chat.text
    await chat.media("photo", "P1", caption="Kelas")
    assert "Diterima" in chat.text and "Lanjut" in chat.buttons()
    await chat.media("document", "D1")
    await chat.press("Lanjut")
    assert "(8/9)" in chat.text
    await chat.send("Menerapkan budaya positif.")
    await chat.press("Lewati")
    assert "Periksa kembali" in chat.text and "(dilewati)" in chat.text
    assert set(chat.buttons()) == {"Kirim", "Ubah"}

    assert await answers_of(db, people["cgp"].id) == {
        "refleksi": "Saya belajar tentang visi.", "perasaan": "senang", "skala": 2,
        "topik": ["visi", "diferensiasi"], "jumlah": 32, "tanggal": "2025-03-12",
        "foto": [{"kind": "photo", "file_id": "P1", "caption": "Kelas"}, {"kind": "document", "file_id": "D1", "caption": None}],
        "rtl": "Menerapkan budaya positif.",
    }
    await chat.press("Kirim")
    assert "sudah terkirim" in chat.text and "Pak Pandu" in chat.text
    async with db.session() as s:
        run = await s.scalar(select(FlowRun))
        assert run.status == RunStatus.submitted and run.submitted_at is not None
        assert {a.content_version for a in run.answers} == {flow_content.version}
        assert await s.get(ContentVersion, flow_content.version) is not None
        rows = (await s.scalars(select(OutboxMessage))).all()
    assert [r.person_id for r in rows] == [people["pp"].id]
    summary = rows[0]
    assert summary.kind == "summary" and summary.dedupe_key == f"summary:{run.id}:{people['pp'].id}:1"
    assert summary.respect_quiet_hours and summary.status.value == "pending"
    assert "Citra mengirim PI 1" in summary.text and "➡️ Senang" in summary.text and "12 Maret 2025" in summary.text
    assert summary.attachments == [{"kind": "photo", "file_id": "P1", "caption": "Kelas"}, {"kind": "document", "file_id": "D1", "caption": None}]
    assert summary.buttons == [[{"text": "Lihat semua jawaban", "data": f"r:m:{people['cgp'].id}"}]]
    await chat.menu()
    assert "✅ PI 1 — terkirim" in chat.text


async def test_back_goes_to_previous_question_and_keeps_answer(db, people, chat_for):
    chat = chat_for(people["cgp"])
    await start_pi1(chat)
    assert "Kembali" not in chat.buttons()
    await chat.send("Jawaban pertama")
    await chat.press("Kembali")
    assert chat.replies[0].edit and "(1/9)" in chat.text and "Jawaban tersimpan: Jawaban pertama" in chat.text
    await chat.send("Jawaban baru")
    assert "(2/9)" in chat.text
    assert (await answers_of(db, people["cgp"].id))["refleksi"] == "Jawaban baru"


async def test_ubah_from_review_returns_to_review(db, people, chat_for):
    chat = chat_for(people["cgp"])
    await start_pi1(chat)
    await answer_all_pi1(chat)
    await chat.press("Ubah")
    assert "Pertanyaan mana" in chat.text
    await chat.press("2. Bagaimana")
    assert "(2/9)" in chat.text and "Jawaban tersimpan: Senang" in chat.text
    await chat.press("Cemas")
    assert "Periksa kembali" in chat.text and "➡️ Cemas" in chat.text
    await chat.press("Ubah")
    await chat.press("9. Catatan")
    await chat.send("Terima kasih")
    assert "Periksa kembali" in chat.text and "Terima kasih" in chat.text
    await chat.press("Ubah")
    await chat.press("1. Apa")
    await chat.press("Kembali")
    assert "Periksa kembali" in chat.text
    answers = await answers_of(db, people["cgp"].id)
    assert answers["perasaan"] == "cemas" and answers["catatan"] == "Terima kasih"


async def test_submitted_is_final_and_not_repeatable(db, people, chat_for):
    chat = chat_for(people["cgp"])
    await start_pi1(chat)
    await answer_all_pi1(chat)
    kirim = chat.buttons()["Kirim"]
    await chat.press("Kirim")
    await chat.data(kirim)
    assert "pesan lama" in chat.text
    await chat.menu()
    await chat.press("PI 1")
    assert "sudah terkirim dan tidak dapat diubah" in chat.text and "Saya belajar tentang visi." in chat.text
    assert "📝 Jawaban Bapak/Ibu untuk PI 1" in chat.text and "Citra mengirim" not in chat.text  # not in the third person
    async with db.session() as s:
        assert len((await s.scalars(select(FlowRun))).all()) == 1
        assert len((await s.scalars(select(OutboxMessage))).all()) == 1
        assert await runs.active_run(s, people["cgp"].id) is None


async def test_cancel_keeps_draft_and_resume_continues(db, people, chat_for):
    chat = chat_for(people["cgp"])
    await start_pi1(chat)
    await chat.send("Satu")
    await chat.press("Biasa")
    await chat.cancel()
    assert "dijeda" in chat.text
    assert await chat.send("apa saja") is None
    await chat.cancel()
    assert "Tidak ada isian" in chat.text
    await chat.menu()
    assert "✏️ PI 1 — sedang diisi" in chat.text
    await chat.press("PI 1")
    assert "Melanjutkan PI 1" in chat.text and "(3/9)" in chat.text
    async with db.session() as s:
        assert await runs.active_run(s, people["cgp"].id) is not None
        assert len((await s.scalars(select(Answer))).all()) == 2


async def test_required_missing_on_kirim_asks_it(db, people, chat_for):
    chat = chat_for(people["cgp"])
    await start_pi1(chat)
    await answer_all_pi1(chat)
    async with db.session() as s:
        answer = await s.scalar(select(Answer).where(Answer.question_id == "jumlah"))
        await s.delete(answer)
    await chat.press("Kirim")
    assert "wajib dijawab sebelum dikirim" in chat.text and "(5/9)" in chat.text
    await chat.send("20")
    assert "Periksa kembali" in chat.text
    await chat.press("Kirim")
    assert "sudah terkirim" in chat.text


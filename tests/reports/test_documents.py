"""The jurnal (per mentee, per group) and the session guide as Word documents, LMS text and chat text."""
from __future__ import annotations

import io
from datetime import date, time
from pathlib import Path
from typing import Any

import docx
import pytest
from docx.oxml.ns import qn

from core.content import Content, load_content
from core.content.templates import JURNAL, KELOMPOK, PANDUAN, SAMPLES, TemplateError
from core.textlen import LIMIT, tg_len
from reports.documents import (
    AnswerSection, Dated, Entry, GroupJurnalDoc, JurnalDoc, MenteeContext, group_jurnal_context, group_jurnal_docx,
    group_jurnal_text, guide_chat_text, guide_context, guide_docx, jurnal_context, jurnal_docx, jurnal_text,
    session_guide,
)


@pytest.fixture(scope="module")
def content(content_dir: Path) -> Content:
    return load_content(content_dir)


def _jurnal(**changes: Any) -> JurnalDoc:
    values: dict[str, Any] = dict(
        pp="Budi Santoso", mentee="Ani Lestari", pi=3, school="SD Negeri 1 Contoh", cohort="Angkatan 9",
        theme="Implementasi Pembelajaran yang Berpihak pada Murid", on=date(2027, 1, 7),
        sections=[
            AnswerSection("Catatan pendampingan per fokus", [
                Entry("Fokus \"Diskusi hasil lokakarya 2\": apa yang dibahas bersama CGP?",
                      "BAGJA sudah diterapkan di kelas 4.\nTantangan: waktu & dukungan <rekan>."),
            ]),
            AnswerSection("Perkembangan CGP", [Entry("Bagaimana perkembangan CGP?", "Portofolio sudah 60% & <blog> siap.")]),
        ],
        rtl=[
            Dated("Menyerahkan RPP berdiferensiasi", date(2027, 1, 11)),
            Dated("Observasi pembelajaran", date(2027, 1, 14), time(8, 0)),
            Dated("Membaca ulang modul 2.2"),
        ],
    )
    values.update(changes)
    return JurnalDoc(**values)


def _document_text(data: bytes) -> str:
    """All text of a .docx in document order, table cells separated by " | "."""
    body = docx.Document(io.BytesIO(data)).element.body
    lines = []
    for block in body.iterchildren():
        if block.tag == qn("w:p"):
            lines.append(docx.text.paragraph.Paragraph(block, None).text)
        elif block.tag == qn("w:tbl"):
            for row in block.iter(qn("w:tr")):
                cells = ["\n".join(docx.text.paragraph.Paragraph(p, None).text for p in cell.iter(qn("w:p")))
                         for cell in row.iter(qn("w:tc"))]
                lines.append(" | ".join(cells))
    return "\n".join(lines)


def test_jurnal_document_holds_the_answers_and_the_dated_rtl(content: Content) -> None:
    text = _document_text(jurnal_docx(content, _jurnal()))
    assert "Jurnal Pendampingan Individu 3" in text
    assert "Calon Guru Penggerak | Ani Lestari" in text and "Tanggal pendampingan | Kamis, 7 Januari 2027" in text
    assert "BAGJA sudah diterapkan di kelas 4.\nTantangan: waktu & dukungan <rekan>." in text  # line break, escaping
    assert "1. Bagaimana perkembangan CGP?\nPortofolio sudah 60% & <blog> siap." in text
    assert "1 | Menyerahkan RPP berdiferensiasi | Senin, 11 Januari 2027" in text
    assert "2 | Observasi pembelajaran | Kamis, 14 Januari 2027, pukul 08.00" in text
    assert "3 | Membaca ulang modul 2.2 | " in text
    assert "sementara" not in text


def test_provisional_jurnal_and_question_are_marked(content: Content) -> None:
    provisional = AnswerSection("Rencana Tindak Lanjut (RTL)", [Entry("Sampai tanggal berapa?", "Senin, 11 Januari 2027", provisional=True)])
    doc = _jurnal(pi=6, provisional=True, sections=[provisional], school=None)
    text = _document_text(jurnal_docx(content, doc))
    assert "Isian sementara — menunggu format resmi dari program" in text
    assert "1. Sampai tanggal berapa? (sementara — tidak ada di dokumen program)" in text
    assert "Sekolah | –" in text
    lms = jurnal_text(content, doc)
    assert "Isian sementara" in lms and "1. Sampai tanggal berapa? (sementara — tidak ada di dokumen program)" in lms


def test_jurnal_as_text_for_the_lms(content: Content) -> None:
    assert jurnal_text(content, _jurnal()) == (
        "JURNAL PENDAMPINGAN INDIVIDU 3\n"
        "Pengajar Praktik: Budi Santoso\n"
        "Calon Guru Penggerak: Ani Lestari\n"
        "Sekolah: SD Negeri 1 Contoh\n"
        "Angkatan: Angkatan 9\n"
        "Tema pendampingan: Implementasi Pembelajaran yang Berpihak pada Murid\n"
        "Tanggal pendampingan: Kamis, 7 Januari 2027\n"
        "\n"
        "A. Catatan pendampingan per fokus\n"
        "1. Fokus \"Diskusi hasil lokakarya 2\": apa yang dibahas bersama CGP?\n"
        "   BAGJA sudah diterapkan di kelas 4.\n"
        "   Tantangan: waktu & dukungan <rekan>.\n"
        "\n"
        "B. Perkembangan CGP\n"
        "1. Bagaimana perkembangan CGP?\n"
        "   Portofolio sudah 60% & <blog> siap.\n"
        "\n"
        "C. Rencana Tindak Lanjut (RTL)\n"
        "1. Menyerahkan RPP berdiferensiasi — Senin, 11 Januari 2027\n"
        "2. Observasi pembelajaran — Kamis, 14 Januari 2027, pukul 08.00\n"
        "3. Membaca ulang modul 2.2\n"
    )
    assert "Belum ada rencana tindak lanjut." in jurnal_text(content, _jurnal(rtl=[]))


def _group() -> GroupJurnalDoc:
    other = _jurnal(mentee="Cahyo", school="SMP Negeri 2", rtl=[Dated("Mengumpulkan lembar umpan balik")],
                    sections=[AnswerSection("Perkembangan CGP", [Entry("Bagaimana perkembangan CGP?", "Baru mulai.")])])
    return GroupJurnalDoc(pp="Budi Santoso", pi=3, as_of=date(2027, 1, 12), jurnals=[_jurnal(), other],
                          missing=["Citra", "Dodi"], cohort="Angkatan 9", theme="Implementasi Pembelajaran yang Berpihak pada Murid")


def test_group_document_has_an_overview_and_each_mentees_jurnal(content: Content) -> None:
    text = _document_text(group_jurnal_docx(content, _group()))
    assert "Jurnal Pendampingan Individu 3 — Kelompok Budi Santoso" in text
    assert "Jurnal terisi | 2 dari 4 CGP" in text and "Belum ada jurnal untuk: Citra, Dodi" in text
    # The next follow-up from the day of the document: the RPP (11 Jan) is past, the observation is next.
    assert "1 | Ani Lestari | SD Negeri 1 Contoh | Kamis, 7 Januari 2027 | Observasi pembelajaran — Kamis, 14 Januari 2027, pukul 08.00" in text
    assert "2 | Cahyo | SMP Negeri 2 | Kamis, 7 Januari 2027 | Mengumpulkan lembar umpan balik" in text
    assert text.index("1. Ani Lestari") < text.index("Portofolio sudah 60% & <blog> siap.") < text.index("2. Cahyo") < text.index("Baru mulai.")


def test_group_as_text_for_the_lms(content: Content) -> None:
    text = group_jurnal_text(content, _group())
    assert text.startswith(
        "JURNAL PENDAMPINGAN INDIVIDU 3 — KELOMPOK Budi Santoso\nAngkatan: Angkatan 9\n"
        "Tema pendampingan: Implementasi Pembelajaran yang Berpihak pada Murid\nPer tanggal: Selasa, 12 Januari 2027\n"
        "Jurnal terisi: 2 dari 4 CGP\nBelum ada jurnal untuk: Citra, Dodi\n"
    )
    assert text.count("JURNAL PENDAMPINGAN INDIVIDU 3\n") == 2
    assert text.index("Calon Guru Penggerak: Ani Lestari") < text.index("Calon Guru Penggerak: Cahyo")


def _mentee(**changes: Any) -> MenteeContext:
    values: dict[str, Any] = dict(
        name="Ani Lestari", school="SD Negeri 1 Contoh", reflection_sent=date(2027, 1, 4),
        reflection=[AnswerSection("Keterlaksanaan tahapan BAGJA", [
            Entry("Apakah Bapak/Ibu telah menerapkan metode BAGJA?", "Sudah, untuk program literasi pagi.")])],
        last_rtl=[Dated("Menyusun rencana komunitas praktisi", date(2026, 12, 20))],
        aksi_nyata=[Entry("Apa rencana Bapak/Ibu ke depannya?", "Membuka kelas berbagi tiap Jumat.")],
        feedback_360="pending",
        agreed_dates=[Dated("Observasi pembelajaran", date(2027, 2, 4), time(9, 30))],
    )
    values.update(changes)
    return MenteeContext(**values)


def test_guide_document_from_the_pi3_flow(content: Content) -> None:
    guide = session_guide(content, content.flows["pi3"], _mentee(), on=date(2027, 1, 7))
    text = _document_text(guide_docx(content, guide))
    assert "Panduan Pendampingan Individu 3" in text and "Tanggal | Kamis, 7 Januari 2027" in text
    assert "Tema pendampingan | Implementasi Pembelajaran yang Berpihak pada Murid" in text
    assert "Penilaian | Refleksi CGP" in text and "Calon Guru Penggerak | Ani Lestari" in text
    assert "Diskusi rencana menerapkan pembelajaran sosial-emosional" in text  # a focus item
    assert "☐ Self evaluation (penilaian sendiri) tentang kompetensi guru penggerak sudah diisi." in text  # prepared
    # The three parts with their minutes, the sub-topics numbered under the core part.
    assert "1. Bagian awal pendampingan (20 menit)" in text and "2. Bagian inti pendampingan (145 menit)" in text
    assert "2.3. Keterlaksanaan tahapan BAGJA (60 menit)" in text and "3. Bagian akhir pendampingan (15 menit)" in text
    assert "☐ Mengapresiasi kemajuan-kemajuan yang disampaikan oleh Calon Guru Penggerak" in text  # checklist
    assert "Apakah Bapak/Ibu sudah mempelajari Modul 2.2? Apa yang dipelajari pada modul tersebut?" in text  # to ask
    # This mentee's context.
    assert "Refleksi PI 3: terkirim Senin, 4 Januari 2027 (1 jawaban)" in text
    assert "Feedback 360: belum dilaporkan selesai" in text
    assert "Observasi pembelajaran: Kamis, 4 Februari 2027, pukul 09.30" in text
    assert "Menyusun rencana komunitas praktisi — Minggu, 20 Desember 2026" in text
    assert "Membuka kelas berbagi tiap Jumat." in text and "Sudah, untuk program literasi pagi." in text


def test_guide_without_a_mentee_or_date(content: Content) -> None:
    guide = session_guide(content, content.flows["pi6"])
    text = _document_text(guide_docx(content, guide))
    assert "Isian sementara — menunggu format resmi dari program" in text  # PI 6 is empty in the documents
    assert "Tanggal | –" in text and "Tentang" not in text and "Calon Guru Penggerak" not in text and "Pemetaan Aset" in text
    assert guide_chat_text(content, guide).startswith("🧭 Panduan Pendampingan Individu 6\n⚠️ Sementara — menunggu format resmi")
    with pytest.raises(ValueError, match="not a PI"):
        session_guide(content, content.flows["lokakarya_0"])


def test_guide_in_chat_is_short_and_says_what_matters(content: Content) -> None:
    guide = session_guide(content, content.flows["pi3"], _mentee(), on=date(2027, 1, 7))
    text = guide_chat_text(content, guide)
    assert text.startswith("🧭 Panduan Pendampingan Individu 3\nUntuk: Ani Lestari (SD Negeri 1 Contoh)\n📅 Kamis, 7 Januari 2027\n")
    for line in ("Tema: Implementasi Pembelajaran yang Berpihak pada Murid", "Penilaian: Refleksi CGP",
                 "• Diskusi rencana menerapkan pembelajaran sosial-emosional",
                 "Alur sesi:\n• 1. Bagian awal pendampingan (20 menit)\n• 2. Bagian inti pendampingan (145 menit)\n"
                 "• 3. Bagian akhir pendampingan (15 menit)",
                 "• Refleksi PI 3: terkirim Senin, 4 Januari 2027 (1 jawaban)", "• Feedback 360: belum dilaporkan selesai",
                 "• Observasi pembelajaran — Kamis, 4 Februari 2027, pukul 09.30",
                 "RTL dan aksi nyata sebelumnya:\n• Menyusun rencana komunitas praktisi — Minggu, 20 Desember 2026\n"
                 "• Membuka kelas berbagi tiap Jumat."):
        assert line in text
    assert "Apakah Bapak/Ibu sudah mempelajari Modul 2.2" not in text  # the questions are in the document
    assert text.endswith("ada di dokumen terlampir.")
    assert tg_len(text) < 2000


def test_guide_in_chat_stays_under_telegrams_limit(content: Content) -> None:
    long = "🙂 Rencana yang sangat panjang " * 200  # emoji count twice in UTF-16
    mentee = _mentee(name="A" * 300, school="S" * 300, last_rtl=[Dated(long, date(2027, 1, 1))] * 30,
                     aksi_nyata=[Entry("?", long)] * 30, agreed_dates=[Dated(long, date(2027, 1, 2))] * 30)
    text = guide_chat_text(content, session_guide(content, content.flows["pi5"], mentee))
    assert tg_len(text) <= LIMIT
    assert "• … dan 26 lainnya" in text and "• … dan 56 lainnya" in text  # 30 dates; 30 RTL + 30 aksi nyata
    assert text.endswith("ada di dokumen terlampir.")
    assert len(text) < tg_len(text)  # the emoji were counted as Telegram counts them

    wordy = content.flows["pi5"].model_copy(update={"theme": "Tema " * 1000})  # content is not shortened item by item
    text = guide_chat_text(content, session_guide(content, wordy, mentee))
    assert tg_len(text) <= LIMIT and text.endswith("\n…") and text.startswith("🧭 Panduan Pendampingan Individu 5\n")


def test_an_edited_template_still_renders(content: Content) -> None:
    template = docx.Document(io.BytesIO(content.templates[JURNAL]))
    title = template.paragraphs[0]
    title.insert_paragraph_before("Dinas Pendidikan — catatan untuk {{ mentee }} ({{ school }})")
    template.add_paragraph("Disusun oleh {{ pp }}, {{ date }}.", style="Heading 2")
    out = io.BytesIO()
    template.save(out)
    edited = content.model_copy(update={"templates": {**content.templates, JURNAL: out.getvalue()}})
    text = _document_text(jurnal_docx(edited, _jurnal()))
    assert text.startswith("Dinas Pendidikan — catatan untuk Ani Lestari (SD Negeri 1 Contoh)\nJurnal Pendampingan Individu 3")
    assert text.endswith("Disusun oleh Budi Santoso, Kamis, 7 Januari 2027.")
    assert "Portofolio sudah 60% & <blog> siap." in text


def test_a_missing_template_is_said_by_name(content: Content) -> None:
    bare = content.model_copy(update={"templates": {}})
    with pytest.raises(TemplateError, match="content/templates/panduan_pi.docx is missing"):
        guide_docx(bare, session_guide(content, content.flows["pi1"]))


def test_answers_with_characters_xml_cannot_hold_still_render(content: Content) -> None:
    doc = _jurnal(sections=[AnswerSection("Catatan", [Entry("Tempelan?", "awal\x0b\x00tengah\takhir")])])
    assert "awaltengah\takhir" in _document_text(jurnal_docx(content, doc))


def _shape(value: Any) -> Any:
    if isinstance(value, dict):
        return {key: _shape(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_shape(value[0])] if value else []
    return type(value).__name__ if value is not None else None


@pytest.mark.parametrize("name", [JURNAL, KELOMPOK, PANDUAN])
def test_the_content_check_samples_have_the_shape_of_the_real_values(content: Content, name: str) -> None:
    guide = session_guide(content, content.flows["pi3"], _mentee())
    real = {JURNAL: lambda: jurnal_context(content, _jurnal()), KELOMPOK: lambda: group_jurnal_context(content, _group()),
            PANDUAN: lambda: guide_context(content, guide)}[name]()
    assert _shape(real) == _shape(SAMPLES[name])

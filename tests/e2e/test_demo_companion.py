"""`pendamping demo --script demo_companion.txt`: a CGP sends PI 1, her PP confirms the drafted jurnal and takes the guide."""
from __future__ import annotations

import zipfile
from pathlib import Path

from docx import Document

from tests.e2e.demo_play import play_demo

RTL = "Menerapkan jurnal refleksi mingguan bersama murid kelas 8."


def _text(path: Path) -> str:
    doc = Document(str(path))
    return "\n".join([p.text for p in doc.paragraphs] + [c.text for t in doc.tables for r in t.rows for c in r.cells])


async def test_demo_companion_drafts_the_jurnal_and_saves_the_documents(tmp_path):
    transcript = await play_demo("demo_companion.txt", tmp_path, timeout=150)
    assert "Dewi Lestari sudah mengirim refleksi Pendampingan Individu 1" in transcript
    assert "↳ menekan [📝 Jurnal PI 1: periksa draf]" in transcript and "📝 Draf jawaban untuk 9 pertanyaan" in transcript
    assert "Jawaban tersimpan: Jawaban Dewi untuk pertanyaan 4." in transcript
    assert "Teks berikut siap ditempel ke LMS" in transcript and f"{RTL} — " in transcript
    saved = {line.split("💾 disimpan: ")[1] for line in transcript.splitlines() if "💾 disimpan: " in line}
    documents = {"demo-berkas/jurnal_pi1_dewi_lestari.docx", "demo-berkas/jurnal_pi1_kelompok.docx",
                 "demo-berkas/panduan_pi1_dewi_lestari.docx"}
    assert documents < saved
    # the export's ZIP holds the photo he sent in the jurnal, named as in the workbook (the demo's date is today's)
    media = [name for name in saved - documents if name.startswith("demo-berkas/berkas-")]
    assert len(media) == 1 and "1 berkas dalam 1 ZIP" in transcript
    with zipfile.ZipFile(tmp_path / media[0]) as archive:
        assert archive.namelist() == ["CGP01-jurnal_pi1-dokumentasi_kegiatan-1.jpg"]
    jurnal = _text(tmp_path / "demo-berkas/jurnal_pi1_dewi_lestari.docx")
    assert "Jawaban Dewi untuk pertanyaan 16." in jurnal and RTL in jurnal
    guide = _text(tmp_path / "demo-berkas/panduan_pi1_dewi_lestari.docx")
    assert "Refleksi PI 1: terkirim Selasa, 1 Desember 2026" in transcript and "Jawaban Dewi untuk pertanyaan 2." in guide and "150 menit" in guide

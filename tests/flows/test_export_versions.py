"""/ekspor after the content changed: old answers stay in their column, removed questions are kept and labelled,
never-joined people have their row, media are file names, the sheet is usable (frozen, filtered), CSV too."""
from __future__ import annotations

import csv
import io
import shutil
import zipfile
from pathlib import Path

from openpyxl import load_workbook

from core.content import load_content
from reports.export import export_csv, export_xlsx
from store.models import Person
from tests.factories import make_person
from tests.flows.test_progress import as_viewer, submitted_pi1

HERE = Path(__file__).parent
REPO = HERE.parents[1]
TEXTS = ("flows.yaml", "waktu.yaml", "scheduler.yaml", "insight.yaml")
RENAMED = "Apa pelajaran terpenting hari ini?"


def _changed(tmp_path: Path):
    """The flows' test content with PI 1's first question reworded and its "tanggal" question removed."""
    root = tmp_path / "content"
    shutil.copytree(HERE / "content", root)
    for name in TEXTS:
        shutil.copy(REPO / "content" / "texts" / name, root / "texts" / name)
    pi1 = root / "flows" / "pi1.yaml"
    text = pi1.read_text(encoding="utf-8").replace("text: Apa yang Anda pelajari?", f"text: {RENAMED}")
    lines = text.splitlines()
    start = next(i for i, line in enumerate(lines) if line.strip() == "- id: tanggal")
    del lines[start:start + 4]
    pi1.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return load_content(root)


async def test_export_survives_a_renamed_and_a_removed_question(db, people, chat_for, flow_content, clock, tmp_path):
    await submitted_pi1(chat_for(people["cgp"]))
    async with db.session() as s:
        await make_person(s, "cgp", mentor=await s.get(Person, people["pp"].id), cohort=people["cohort"], name="Bayu",
                          joined=False)
    changed = _changed(tmp_path)
    assert changed.version != flow_content.version

    name, data = await as_viewer(db, changed, people["koord"], lambda s, c, v: export_xlsx(s, c, v, clock))
    sheet = load_workbook(io.BytesIO(data))["PI 1"]
    rows = list(sheet.iter_rows(values_only=True))
    header = rows[0]
    assert header[10] == RENAMED
    assert "Apa yang Anda pelajari?" in sheet.cell(1, 11).comment.text
    assert header[-1] == "Kapan aksi nyata dimulai? (pertanyaan lama, tidak ditanyakan lagi)"
    citra = next(r for r in rows if r[0] == "Citra")
    assert citra[10] == "Saya belajar tentang visi." and citra[-1].date().isoformat() == "2025-03-12"
    foto = header.index("Kirim dokumentasi kegiatan.")
    assert citra[foto] == f"{people['cgp'].external_id}-pi1-foto-1.jpg"
    bayu = next(r for r in rows if r[0] == "Bayu")
    assert bayu[6:9] == ("belum", "aktif", "belum mulai")
    assert sheet.freeze_panes == "B2" and sheet.auto_filter.ref == sheet.dimensions
    assert sheet.column_dimensions["A"].width >= 8

    name, data = await as_viewer(db, changed, people["koord"], lambda s, c, v: export_csv(s, c, v, clock))
    assert name.endswith(".zip")
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        table = list(csv.reader(io.StringIO(archive.read("PI 1.csv").decode("utf-8-sig"))))
    assert table[0][10] == RENAMED and table[0][-1] == header[-1]
    citra = [r for r in table if r[0] == "Citra"][0]
    assert citra[10] == "Saya belajar tentang visi." and citra[-1].startswith("2025-03-12")
    assert any(r[0] == "Bayu" for r in table)


async def test_csv_neutralises_formulas(db, people, chat_for, flow_content, clock):
    async with db.session() as s:
        (await s.get(Person, people["cgp"].id)).name = '=HYPERLINK("http://contoh.invalid","Klik")'
    _, data = await as_viewer(db, flow_content, people["pp"], lambda s, c, v: export_csv(s, c, v, clock))
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        table = list(csv.reader(io.StringIO(archive.read("PI 1.csv").decode("utf-8-sig"))))
    assert [r[0] for r in table[1:]] == ["'=HYPERLINK(\"http://contoh.invalid\",\"Klik\")", "Cahyo"]

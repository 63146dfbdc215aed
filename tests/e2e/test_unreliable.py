"""When the database or Telegram misbehave for a moment, nothing a person sends is misread."""
from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from flows import runs
from store.models import FlowRun, Person
from tests.e2e.conftest import EXAMPLES

APOLOGY = "terjadi gangguan"


async def _dewi(bot, user_id):
    """Dewi (CGP01) joined, PI 1 open and its first question answered: (2/20) is showing."""
    codes = await bot.import_roster(EXAMPLES / "roster.csv")
    dewi = bot.user(user_id, "Dewi")
    await dewi.say(f"/start {codes['CGP01']}", "Selamat datang")
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

"""SIGKILL the bot process in the middle of a flow: after a restart nothing answered is lost."""
from __future__ import annotations

import asyncio
from contextlib import asynccontextmanager

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from core.clock import SystemClock
from roster import importer as roster
from store.models import FlowRun
from tests.e2e.conftest import EXAMPLES
from tests.e2e.harness import TOKEN, User, answer_until_review, progress
from tests.e2e.test_process import PENDAMPING, _env


@asynccontextmanager
async def bot_process(emulator, database_url, cwd):
    """`pendamping run` as a separate process; yields it so the test can kill it."""
    env = _env(TELEGRAM_BOT_TOKEN=TOKEN, TELEGRAM_API_URL=emulator.base_url, DATABASE_URL=database_url)
    proc = await asyncio.create_subprocess_exec(*PENDAMPING, "run", env=env, cwd=cwd,
                                                stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.DEVNULL)
    try:
        yield proc
    finally:
        if proc.returncode is None:
            proc.kill()
        await proc.wait()


async def _answers(db) -> tuple[str, dict[str, object]]:
    async with db.session() as s:
        run = await s.scalar(select(FlowRun).options(selectinload(FlowRun.answers)))
        return run.cursor, {a.question_id: a.value for a in run.answers}


async def _dewi(emulator, db) -> tuple[User, str]:
    """Import the example roster; Dewi (CGP01) with her invite code."""
    async with db.session() as s:
        result = await roster.import_file(s, (EXAMPLES / "roster.csv").read_bytes(), SystemClock())
    emulator.user(8001, "Dewi")
    return User(emulator, 8001), {p.external_id: c for p, c in result.issued}["CGP01"]


async def _answer_two(dewi: User, code: str) -> None:
    """Join, open PI 1 and answer its first two questions; (3/20) is showing."""
    await dewi.join(code, "Selamat datang", timeout=30)
    await dewi.say("/refleksi", "Pilih refleksi")
    await dewi.press("Pendampingan Individu 1", "(1/20)")
    await dewi.press("Sudah", "(2/20)")
    await dewi.say("Sebelum mati listrik", "(3/20)")


async def test_sigkill_mid_flow_loses_no_answer(emulator, db, database_url, tmp_path):
    dewi, code = await _dewi(emulator, db)

    async with bot_process(emulator, database_url, tmp_path) as proc:
        await _answer_two(dewi, code)
        await dewi.say("Ekosistem sekolah mendukung", "(4/20)")
        proc.kill()  # SIGKILL: no shutdown, no flush
        await proc.wait()
    before = await _answers(db)
    assert before == ("harapan_kekhawatiran", {
        "dokumen_siap": "sudah", "proses_sebulan": "Sebelum mati listrik", "dukungan_ekosistem": "Ekosistem sekolah mendukung",
    })

    async with bot_process(emulator, database_url, tmp_path):
        menu = await dewi.say("/refleksi", "Pilih refleksi", timeout=30)
        assert "✏️ Pendampingan Individu 1 — sedang diisi" in menu.text
        resumed = await dewi.press("Pendampingan Individu 1", "Melanjutkan")
        assert progress(resumed) == (4, 20)
        await answer_until_review(dewi, resumed)
        review = "\n".join(m.text for m in emulator.sent(dewi.id)[-3:])
        assert "➡️ Sebelum mati listrik" in review and "➡️ Ekosistem sekolah mendukung" in review and "➡️ Sudah" in review
    cursor, answers = await _answers(db)
    assert cursor is None and len(answers) == 20 and answers["proses_sebulan"] == "Sebelum mati listrik"


async def _cursor_after(db, question_id: str, timeout: float = 10.0) -> None:
    """Wait until the run has moved past `question_id` (its answer committed)."""
    for _ in range(int(timeout / 0.05)):
        cursor, answers = await _answers(db)
        if question_id in answers and cursor != question_id:
            return
        await asyncio.sleep(0.05)
    raise AssertionError(f"{question_id} was not answered within {timeout} s")


async def test_sigkill_before_the_reply_went_out_handles_the_answer_once(emulator, db, database_url, tmp_path):
    """Killed after the answer was saved but before the next question was sent: Telegram still holds the update
    (it is confirmed only once handled), the restarted bot sees it again, keeps the answer once and shows (4/20)."""
    dewi, code = await _dewi(emulator, db)

    async with bot_process(emulator, database_url, tmp_path) as proc:
        await _answer_two(dewi, code)
        emulator.hold("sendMessage")  # the network stalls while the bot replies
        emulator.send_text(dewi.id, "Ekosistem sekolah mendukung")
        await _cursor_after(db, "dukungan_ekosistem")
        proc.kill()
        await proc.wait()
    emulator.release("sendMessage", drop=True)
    assert [u["message"]["text"] for u in emulator.pending_updates] == ["Ekosistem sekolah mendukung"]

    async with bot_process(emulator, database_url, tmp_path):
        again = await emulator.wait_for(dewi.id, "(4/20)", timeout=30)
        assert progress(again) == (4, 20)
        await dewi.say("Harapan saya", "(5/20)")
    cursor, answers = await _answers(db)
    assert answers["dukungan_ekosistem"] == "Ekosistem sekolah mendukung"
    assert answers["harapan_kekhawatiran"] == "Harapan saya" and len(answers) == 4

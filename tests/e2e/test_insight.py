"""Issue 13 end to end: the koordinator's /ringkasan with per-PP and per-district figures and a chart, a nudge
that reaches exactly the late CGPs once, the PP's one line per mentee."""
from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import date

import pytest

from core.clock import FrozenClock
from store.models import FlowRun, RunStatus
from tests.e2e.harness import KOORDINATOR_ID, RunningBot, running_bot
from tests.e2e.scheduling import DAYTIME, TG_IDS, join, nothing_more, person, received, set_lokakarya

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

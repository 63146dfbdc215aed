"""A flow whose questions await the official format says so to who answers it and to who reads it."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from core.content import load_content
from flows import callbacks
from core.content.schema import Content
from store.models import OutboxMessage
from tests.flows.conftest import REPO


@pytest.fixture(scope="module")
def shipped() -> Content:
    return load_content(REPO / "content")


async def test_provisional_flow_is_marked_in_the_menu_the_flow_and_the_summary(db, people, chat_for, shipped):
    assert shipped.flows["pi6"].awaiting_official and not shipped.flows["pi5"].awaiting_official
    chat = chat_for(people["cgp"], shipped)
    (menu,) = await chat.menu()
    labels = [row[0].label for row in menu.buttons]
    assert "▫️ Pendampingan Individu 6 ⚠️" in labels and "▫️ Pendampingan Individu 5" in labels
    assert "⚠️ Sementara — menunggu format resmi dari program; pertanyaannya dapat berubah." in menu.text

    await chat.press("Pendampingan Individu 6")
    assert chat.text.startswith("📝 Pendampingan Individu 6\n⚠️ Sementara — menunggu format resmi dari program.")
    for n in range(3):
        await chat.send(f"Jawaban {n}")
    await chat.press("Kirim")
    async with db.session() as s:
        [summary] = (await s.scalars(select(OutboxMessage))).all()
    assert summary.person_id == people["pp"].id
    assert summary.text.startswith("📝 Citra mengirim Pendampingan Individu 6\n⚠️ Isian sementara — menunggu format resmi")


async def test_a_provisional_question_is_marked_where_it_is_asked(db, people, chat_for, shipped):
    chat = chat_for(people["pp"], shipped)
    await chat.data(callbacks.OpenForMentee("jurnal_pi1", people["cgp"].id).pack())
    assert "(1/12)" in chat.text and "sementara" not in chat.text
    for n in range(8):
        await chat.send(f"Catatan {n}")
    assert "(9/12) Sampai tanggal berapa tindak lanjut tersebut disepakati untuk dilaksanakan? ⚠️ (sementara — tidak ada di dokumen program)" in chat.text
    await chat.press("Lewati")
    assert "(10/12)" in chat.replies[-1].text and "sementara" not in chat.replies[-1].text

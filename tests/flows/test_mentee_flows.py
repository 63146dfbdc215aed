"""PP flows about one mentee, RPP dates as events, repeatable flows, carry forward, summaries."""
from __future__ import annotations

from datetime import date

from sqlalchemy import select

from flows import callbacks
from flows.render import LIMIT, tg_len
from flows.submit import summary_parts
from store.models import Event, FlowRun, OutboxMessage, RunStatus
from tests.flows.test_walk import answer_all_pi1, start_pi1


async def test_pp_picks_only_own_mentees_and_dates_become_events(db, people, chat_for):
    chat = chat_for(people["pp"])
    await chat.menu()
    assert "Kesepakatan RPP — 0/2 mentee terkirim" in chat.text
    await chat.press("Kesepakatan RPP")
    assert set(chat.buttons()) == {"▫️ Cahyo", "▫️ Citra"}
    await chat.press("Citra")
    assert "Tentang: Citra" in chat.text and "(1/4)" in chat.text
    for typed in ("12/3/2025", "besok", "20 Maret 2025", "1-4-2025"):
        await chat.send(typed)
    await chat.press("Kirim")
    assert "sudah terkirim" in chat.text and "Kora" in chat.text
    async with db.session() as s:
        events = {e.kind: (e.on_date, e.person_id, e.source, e.number) for e in (await s.scalars(select(Event))).all()}
        rows = (await s.scalars(select(OutboxMessage))).all()
    cgp = people["cgp"].id
    assert events == {
        "rpp_submit": (date(2025, 3, 12), cgp, "rpp_agreement", 0),
        "rpp_return": (date(2025, 3, 11), cgp, "rpp_agreement", 0),
        "rpp_revision": (date(2025, 3, 20), cgp, "rpp_agreement", 0),
        "observation": (date(2025, 4, 1), cgp, "rpp_agreement", 0),
    }
    assert [r.person_id for r in rows] == [people["koord"].id, cgp]  # the summary, and the dates for Citra
    assert "Pak Pandu mengirim Kesepakatan RPP\nTentang: Citra" in rows[0].text
    assert "Pengumpulan RPP: Rabu, 12 Maret 2025" in rows[1].text
    await chat.menu()
    assert "1/2 mentee terkirim" in chat.text


async def test_forged_mentee_press_is_refused(db, people, chat_for):
    chat = chat_for(people["pp"])
    await chat.data(callbacks.OpenForMentee("rpp", people["other"].id).pack())
    assert "bukan mentee" in chat.text
    await chat.data(callbacks.OpenForMentee("rpp", 999999).pack())
    assert "bukan mentee" in chat.text
    cgp_chat = chat_for(people["cgp"])
    await cgp_chat.data(callbacks.OpenForMentee("rpp", people["cgp2"].id).pack())
    assert "tidak tersedia untuk peran" in cgp_chat.text
    async with db.session() as s:
        assert (await s.scalars(select(FlowRun))).all() == []


async def test_repeatable_flow_starts_a_new_run_after_submit(db, people, chat_for):
    chat = chat_for(people["pp"])
    for n in range(2):
        await chat.data(callbacks.OpenForMentee("jurnal", people["cgp2"].id).pack())
        assert "(1/2)" in chat.text
        await chat.send(f"Catatan {n}")
        await chat.press("Lewati")
        await chat.press("Kirim")
        assert "sudah terkirim" in chat.text and "diteruskan" not in chat.text  # subject_mentor is the PP
    async with db.session() as s:
        statuses = (await s.scalars(select(FlowRun.status).where(FlowRun.flow_id == "jurnal"))).all()
        assert statuses == [RunStatus.submitted, RunStatus.submitted]
        assert (await s.scalars(select(OutboxMessage))).all() == []


async def test_starting_another_flow_pauses_the_current_one(db, people, chat_for):
    chat = chat_for(people["pp"])
    await chat.data(callbacks.OpenForMentee("jurnal", people["cgp"].id).pack())
    await chat.send("Catatan Citra")
    await chat.data(callbacks.OpenForMentee("jurnal", people["cgp2"].id).pack())
    assert "Tentang: Cahyo" in chat.text
    await chat.data(callbacks.OpenForMentee("jurnal", people["cgp"].id).pack())
    assert "Melanjutkan" in chat.text and "(2/2)" in chat.text
    async with db.session() as s:
        modes = dict((await s.execute(select(FlowRun.subject_id, FlowRun.mode))).all())
    assert modes == {people["cgp"].id: "asking", people["cgp2"].id: "paused"}


async def test_carry_forward_quotes_own_earlier_plan(db, people, chat_for):
    chat = chat_for(people["cgp"])
    await chat.data(callbacks.OpenFlow("pi2").pack())
    assert "(1/2) Di PI 1 Anda menulis:\n(Belum ada rencana" in chat.text
    await chat.cancel()
    other = chat_for(people["cgp2"])
    await start_pi1(other)
    await answer_all_pi1(other)
    await other.press("Kirim")
    await start_pi1(chat)
    await answer_all_pi1(chat)
    await chat.press("Ubah")
    await chat.press("8. Apa")
    await chat.send("Rencana Citra sendiri")
    await chat.press("Kirim")
    await chat.data(callbacks.OpenFlow("pi2").pack())
    assert "Melanjutkan PI 2" in chat.text
    assert "• Apa rencana tindak lanjut Anda?\n  “Rencana Citra sendiri”\nBagaimana pelaksanaannya?" in chat.text
    await chat.send("Berjalan baik")
    assert "▶️ Cerita\n(2/2)" in chat.text


async def test_long_summary_splits_on_question_boundaries(db, people, chat_for):
    chat = chat_for(people["cgp"])
    await start_pi1(chat)
    await chat.send("a" * 4000)
    for step in ("Senang", "Siap", "Visi", "Selesai"):
        await chat.press(step)
    await chat.send("30")
    await chat.press("Lewati")
    await chat.media("photo", "P1")
    await chat.press("Lanjut")
    await chat.send("b" * 200)
    await chat.send("c" * 3000)
    assert len(chat.replies) >= 2 and all(tg_len(r.text) <= LIMIT for r in chat.replies)
    await chat.press("Kirim")
    async with db.session() as s:
        rows = (await s.scalars(select(OutboxMessage).order_by(OutboxMessage.id))).all()
    assert len(rows) == 2 and all(tg_len(r.text) <= LIMIT for r in rows)
    assert [r.dedupe_key.rsplit(":", 1)[1] for r in rows] == ["1", "2"]
    assert rows[0].text.startswith("📝 Citra mengirim PI 1") and "a" * 4000 in rows[0].text
    assert rows[1].text.startswith("Seberapa siap Anda?") and rows[1].text.endswith("c" * 3000)
    assert rows[0].attachments is None and rows[1].attachments == [{"kind": "photo", "file_id": "P1", "caption": None}]
    assert rows[-1].buttons and not rows[0].buttons


def test_block_longer_than_limit_is_cut():
    from flows.render import pack
    parts = pack(["x" * 5000, "y"])
    assert [len(t) for t, _ in parts] == [4096, 904 + 2 + 1] and parts[1][1] == [0, 1]
    emoji = pack(["📝" * 3000])
    assert [tg_len(t) for t, _ in emoji] == [4096, 1904]


def test_summary_of_unanswered_optional_says_skipped(flow_content):
    from types import SimpleNamespace
    from flows.render import Walk
    walk = Walk(flow_content, flow_content.flows["jurnal"], SimpleNamespace(id=1))
    (text, media), = summary_parts(walk, {"catatan": "Baik"}, SimpleNamespace(name="Pak Pandu"), SimpleNamespace(name="Citra"))
    assert text.endswith("Rekaman suara (opsional)\n➡️ (dilewati)") and media == []

"""Stale presses and concurrent updates never double-advance or corrupt a run; state survives restarts."""
from __future__ import annotations

import asyncio
from datetime import datetime, timezone

from sqlalchemy import select

from flows import callbacks, engine, runs
from core.ui import Incoming
from core.ui import Attachment
from store.db import Database
from store.models import Answer, FlowRun
from tests.flows.test_inputs import cursor, goto

AT = datetime(2025, 3, 10, 4, 0, tzinfo=timezone.utc)


async def run_row(db) -> FlowRun:
    async with db.session() as s:
        return await s.scalar(select(FlowRun))


async def test_old_button_is_stale_and_changes_nothing(db, people, chat_for):
    chat = chat_for(people["cgp"])
    await goto(chat, "perasaan")
    old = chat.buttons()["Cemas"]
    await chat.press("Senang")
    before = await run_row(db)
    await chat.data(old)
    assert "pesan lama" in chat.text and "(3/9)" in chat.text
    after = await run_row(db)
    assert after.cursor == "skala" and after.mode == before.mode
    async with db.session() as s:
        assert await s.scalar(select(Answer.value).where(Answer.question_id == "perasaan")) == "senang"


async def test_forged_and_foreign_presses_are_stale(db, people, chat_for):
    mine, theirs = chat_for(people["cgp"]), chat_for(people["cgp2"])
    await goto(theirs, "perasaan")
    foreign = theirs.buttons()["Senang"]
    await goto(mine, "perasaan")
    await mine.data(foreign)
    assert "pesan lama" in mine.text and "(2/9)" in mine.text
    await mine.data("f:r:zz!:perasaan:c0")
    assert "pesan lama" in mine.text
    run = await run_row(db)
    await mine.data(callbacks.RunAction(run.id, "perasaan", "c9").pack())
    await mine.data(callbacks.RunAction(run.id, "perasaan", "c²").pack())  # passes isdigit(), fails int()
    await mine.data(callbacks.RunAction(run.id, "perasaan", "c" + "9" * 20).pack())
    await mine.data(callbacks.RunAction(run.id, "perasaan", "k").pack())  # required: no Lewati
    await mine.data(callbacks.RunAction(run.id, callbacks.REVIEW_QUESTION, "s").pack())  # not in the review yet
    assert "pesan lama" in mine.text
    async with db.session() as s:
        assert (await s.scalars(select(FlowRun.cursor).order_by(FlowRun.id))).all() == ["perasaan", "perasaan"]
        assert await s.scalar(select(Answer).where(Answer.question_id == "perasaan")) is None


async def test_button_of_paused_run_is_stale(db, people, chat_for):
    chat = chat_for(people["cgp"])
    await goto(chat, "perasaan")
    old = chat.buttons()["Senang"]
    await chat.cancel()
    await chat.data(old)
    assert "pesan lama" in chat.text and "/refleksi" in chat.text
    assert await cursor(db) == "perasaan"


async def test_claim_is_compare_and_set(db, people, chat_for):
    await goto(chat_for(people["cgp"]), "perasaan")
    run_id = (await run_row(db)).id
    async with db.sessions() as first, db.sessions() as second:
        a = await first.get(FlowRun, run_id)
        b = await second.get(FlowRun, run_id)
        assert await runs.claim(first, a)
        await first.commit()
        assert not await runs.claim(second, b)
        await second.rollback()
    assert (await run_row(db)).version == a.version


async def handle_in_own_session(db: Database, content, person_id, incoming, clock):
    """One update in its own unit of work: a message (Incoming) or a button's data (str); its replies."""
    from store.models import Person
    async with db.session() as s:
        person = await s.get(Person, person_id)
        if isinstance(incoming, str):
            return (await engine.press(s, content, person, callbacks.FLOWS.unpack(incoming), clock)).replies
        return (await engine.handle(s, content, person, incoming, clock)).replies


async def test_two_texts_at_once_advance_once(db, people, chat_for, flow_content, clock):
    await goto(chat_for(people["cgp"]), "refleksi")
    text = Incoming("text", AT, text="Jawaban")
    results = await asyncio.gather(*(handle_in_own_session(db, flow_content, people["cgp"].id, text, clock) for _ in range(2)))
    texts = sorted(r[0].text for r in results)  # the later one is input for the next question, a choice
    assert texts[0].startswith("(2/9)") and texts[1].startswith("Mohon pilih salah satu tombol")
    assert await cursor(db) == "perasaan"
    async with db.session() as s:
        assert (await s.execute(select(Answer.question_id, Answer.value))).all() == [("refleksi", "Jawaban")]


async def test_same_button_twice_at_once_answers_once(db, people, chat_for, flow_content, clock):
    chat = chat_for(people["cgp"])
    await goto(chat, "perasaan")
    press = chat.buttons()["Senang"]
    results = await asyncio.gather(*(handle_in_own_session(db, flow_content, people["cgp"].id, press, clock) for _ in range(2)))
    assert sum("pesan lama" in r[0].text for r in results) == 1
    assert (await run_row(db)).cursor == "skala"


async def test_album_updates_at_once_lose_nothing(db, people, chat_for, flow_content, clock):
    await goto(chat_for(people["cgp"]), "foto")
    items = [Incoming("media", AT, media=Attachment("photo", f"A{i}"), media_group_id="G") for i in range(5)]
    results = await asyncio.gather(*(handle_in_own_session(db, flow_content, people["cgp"].id, i, clock) for i in items))
    assert sum(len(r) for r in results) == 1
    run = await run_row(db)
    assert sorted(i["file_id"] for i in run.state["items"]) == [f"A{i}" for i in range(5)]
    assert run.version >= 5


async def test_restart_continues_at_same_question(db, people, chat_for):
    chat = chat_for(people["cgp"])
    await goto(chat, "skala")
    await db.dispose()
    chat.db = Database(db.url)
    try:
        await chat.press("Siap")
        assert "(4/9)" in chat.text
        async with chat.db.session() as s:
            assert sorted((await s.scalars(select(Answer.question_id))).all()) == ["perasaan", "refleksi", "skala"]
    finally:
        await chat.db.dispose()


async def test_two_starts_at_once_make_one_run(db, people, flow_content, clock):
    press = callbacks.OpenFlow("pi1").pack()
    results = await asyncio.gather(*(handle_in_own_session(db, flow_content, people["cgp"].id, press, clock) for _ in range(3)))
    assert sum("📝 PI 1" in r[0].text for r in results) == 1
    assert sum("Melanjutkan PI 1" in r[0].text for r in results) == 2
    async with db.session() as s:
        assert len((await s.scalars(select(FlowRun))).all()) == 1

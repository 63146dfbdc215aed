"""Undelivered replies: queued in order, sent even in quiet hours, superseded by the person's next update."""
from __future__ import annotations

from datetime import datetime, timezone

from sqlalchemy import select

from core.clock import FrozenClock
from core.ui import Attachment, Button, Reply
from services import lost_replies
from scheduler.sender import OutboxSender
from store.models import OutboxMessage, OutboxStatus, Person
from tests.factories import make_person
from tests.scheduler.sendkit import FakeSender, fast_budget, texts_content

NIGHT = datetime(2026, 3, 2, 16, 0, tzinfo=timezone.utc)  # 23:00 WIB: inside the default quiet hours
SAID = lost_replies.fingerprint_of(("text", "Jawaban saya"))
REPLIES = [
    Reply("(1/3) Pertanyaan ✔️ Sudah", edit=True),
    Reply("(2/3) Pertanyaan berikutnya", [[Button("Kembali", "f:r:1:q2:b")]], [Attachment("photo", "F1", "foto")]),
    Reply("Berkas ekspor", file=("jawaban.xlsx", b"xlsx")),
]


async def _kept(db) -> Person:
    async with db.session() as s:
        person = await make_person(s)
        await lost_replies.keep(s, person, REPLIES, SAID, update_id=77, now=NIGHT)
    return person


async def _rows(db) -> list[OutboxMessage]:
    async with db.session() as s:
        return list((await s.scalars(select(OutboxMessage).order_by(OutboxMessage.id))).all())


async def test_undelivered_replies_are_queued_in_order_and_sent_during_quiet_hours(db):
    person = await _kept(db)
    rows = await _rows(db)
    assert [(r.dedupe_key, r.kind, r.text) for r in rows] == [
        (f"reply:{person.id}:77:1", "reply", "(1/3) Pertanyaan ✔️ Sudah"),
        (f"reply:{person.id}:77:2", "reply", "(2/3) Pertanyaan berikutnya"),
        (f"reply:{person.id}:77:3", "reply", "Berkas ekspor"),  # the file itself is not queued
    ]
    assert rows[1].buttons == [[{"text": "Kembali", "data": "f:r:1:q2:b"}]]
    assert rows[1].attachments == [{"kind": "photo", "file_id": "F1", "caption": "foto"}]
    assert not any(r.respect_quiet_hours for r in rows)
    async with db.session() as s:
        assert (await s.get(Person, person.id)).undelivered_reply == {"said": SAID, "rows": [r.dedupe_key for r in rows]}

    fake = FakeSender()
    async with OutboxSender(db, fake, texts_content(), FrozenClock(NIGHT), fast_budget(), "w1") as sender:
        stats = await sender.drain_once()
    assert stats.sent == 3 and stats.deferred == 0
    assert fake.texts_to(person.tg_chat_id) == [r.text for r in rows]


async def test_the_next_update_supersedes_what_had_not_gone_out(db):
    person = await _kept(db)
    async with db.session() as s:
        first = await s.scalar(select(OutboxMessage).order_by(OutboxMessage.id))
        first.status = OutboxStatus.sent
    async with db.session() as s:
        lost = await lost_replies.take(s, await s.get(Person, person.id))
    assert lost.said == SAID
    assert [r.text for r in lost.replies] == ["(2/3) Pertanyaan berikutnya", "Berkas ekspor"]
    assert lost.replies[0].buttons == [[Button("Kembali", "f:r:1:q2:b")]]
    assert lost.replies[0].attachments == [Attachment("photo", "F1", "foto")]
    assert [r.status for r in await _rows(db)] == [OutboxStatus.sent, OutboxStatus.cancelled, OutboxStatus.cancelled]
    async with db.session() as s:
        again = await s.get(Person, person.id)
        assert again.undelivered_reply is None and await lost_replies.take(s, again) is None


async def test_replies_the_outbox_delivered_leave_nothing_lost(db):
    person = await _kept(db)
    fake = FakeSender()
    async with OutboxSender(db, fake, texts_content(), FrozenClock(NIGHT), fast_budget(), "w1") as sender:
        await sender.drain_once()
    async with db.session() as s:
        lost = await lost_replies.take(s, await s.get(Person, person.id))
    assert lost.replies == [] and {r.status for r in await _rows(db)} == {OutboxStatus.sent}

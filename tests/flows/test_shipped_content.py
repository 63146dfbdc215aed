"""Every shipped flow can be walked from start to Kirim with valid answers."""
from __future__ import annotations

from pathlib import Path

from sqlalchemy import select

from core.content import load_content
from flows import callbacks
from store.models import FlowRun, RunStatus
from tests.factories import make_cohort, make_person
from tests.flows.chat import Chat

CONTENT = Path(__file__).resolve().parents[2] / "content"


def _shipped():
    return load_content(CONTENT)  # content that does not load fails here, with the file, place and problem


def _valid_text(q) -> str:
    if q.kind == "number":
        return str(int(q.min if q.min is not None else (q.max if q.max is not None else 1)))
    if q.kind == "date":
        return "12/3/2025"
    return "Jawaban contoh"


async def walk_to_submit(chat: Chat, flow) -> None:
    for q in flow.questions():
        ending = {"choice": ":c0", "scale": ":v0", "multi": ":t0"}.get(q.kind)
        if ending:
            await chat.data(next(d for d in chat.buttons().values() if d.endswith(f":{q.id}{ending}")))
            if q.kind == "multi":
                await chat.press("Selesai")
        elif q.kind == "media":
            await chat.media(q.media[0], f"{q.id}-file")
            await chat.press("Lanjut")
        else:
            await chat.send(_valid_text(q))
    assert "Kirim" in chat.buttons(), chat.text
    await chat.press("Kirim")
    assert "sudah terkirim" in chat.text


async def test_every_shipped_flow_walks_to_submit(db, clock):
    content = _shipped()
    async with db.session() as s:
        cohort = await make_cohort(s)
        mentors = {role: await make_person(s, role, cohort=cohort) for role in ("pp", "fsp")}
        await make_person(s, "koordinator", cohort=cohort)
    for flow in content.flows.values():
        role = flow.audience[0]
        async with db.session() as s:
            mentor = mentors["fsp" if role in ("kepsek", "pengawas", "guru") else "pp"]
            person = await make_person(s, role, cohort=cohort, mentor=mentor if role not in ("pp", "fsp") else None)
            mentee = await make_person(s, "cgp" if role == "pp" else "kepsek", cohort=cohort, mentor=person) if flow.subject == "mentee" else None
        chat = Chat(db, content, person, clock)
        await chat.data(callbacks.OpenForMentee(flow.id, mentee.id).pack() if mentee else callbacks.OpenFlow(flow.id).pack())
        assert f"(1/{len(flow.questions())})" in chat.text, (flow.id, chat.text)
        await walk_to_submit(chat, flow)
    async with db.session() as s:
        statuses = (await s.scalars(select(FlowRun.status))).all()
    assert statuses == [RunStatus.submitted] * len(content.flows)

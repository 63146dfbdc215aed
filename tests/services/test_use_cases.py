"""Use cases without Telegram: the unit of work's checks, the dialogue router, joining, a flow answered end to end
(its nudge reopening it, its submission stopping the nudge)."""
from __future__ import annotations

from datetime import datetime, timezone

import pytest
from sqlalchemy import select, text

from core.clock import FrozenClock
from core.ui import Incoming, Reply
from flows.callbacks import FLOWS, OpenFlow, RunAction
from scheduler.callbacks import REMINDERS
from services import background, dialogues, joining, lost_replies, reflection, reminders, siaran
from services.commands import ROLE_COMMANDS
from services.dialogues import DIALOGUES
from services.turn import Turn
from store.db import Database
from store.models import FlowRun, OutboxMessage, OutboxStatus, Person, Role, RunStatus
from tests.factories import make_cohort, make_person
from tests.services.conftest import turn_of

NOW = datetime(2026, 3, 2, 3, 0, tzinfo=timezone.utc)  # Monday 10:00 WIB


@pytest.fixture
def deps(deps_for, content):
    return deps_for(content, FrozenClock(NOW))


async def _people(db):
    async with db.session() as s:
        cohort = await make_cohort(s)
        kor = await make_person(s, "koordinator", cohort=cohort, name="Sri")
        pp = await make_person(s, "pp", cohort=cohort, name="Bu Rina")
        cgp = await make_person(s, "cgp", cohort=cohort, mentor=pp, name="Citra")
    return kor, pp, cgp


def _text(replies: list[Reply]) -> str:
    return "\n".join(r.text for r in replies)


def _said(person: Person, text: str, at: datetime = NOW) -> tuple[Turn, Incoming]:
    return turn_of(person, ("text", text)), Incoming("text", at, text=text)


async def _nudges(db, person: Person) -> list[OutboxMessage]:
    async with db.session() as s:
        return list(await s.scalars(select(OutboxMessage).where(
            OutboxMessage.person_id == person.id, OutboxMessage.rule_id == "refleksi_pi1_belum_selesai",
            OutboxMessage.status == OutboxStatus.pending)))


def _presses(replies: list[Reply]) -> list[RunAction]:
    """The run buttons of the replies, decoded."""
    return [p for r in replies for row in r.buttons for b in row if isinstance(p := FLOWS.unpack(b.data), RunAction)]


def test_messages_go_to_the_dialogues_in_this_order():
    assert [d.name for d in DIALOGUES] == ["siaran", "kalender", "flow", "file", "libur", "idle"]


async def test_someone_not_joined_is_told_how_to_join(db, deps, content):
    outcome = await reflection.menu(deps, Turn(user_id=424242, update_id=1))
    assert _text(outcome.replies) == content.text("error.not_joined") and outcome.person_id is None


async def test_a_command_outside_the_role_is_refused_and_nothing_happens(db, deps, content):
    _, _, cgp = await _people(db)
    outcome = await siaran.compose(deps, turn_of(cgp))
    assert _text(outcome.replies) == content.text("error.not_allowed") and outcome.person_id == cgp.id


async def test_someone_who_left_hears_whom_to_ask(db, deps, content):
    _, _, cgp = await _people(db)
    async with db.session() as s:
        (await s.get(Person, cgp.id)).left_at = NOW
    outcome = await dialogues.message(deps, *_said(cgp, "halo"))
    assert "Sri" in _text(outcome.replies)


async def test_an_idle_text_gets_the_roles_hint(db, deps, content):
    _, pp, cgp = await _people(db)
    assert _text((await dialogues.message(deps, *_said(cgp, "halo"))).replies) == content.text("error.idle_text")
    assert _text((await dialogues.message(deps, *_said(pp, "halo"))).replies) == content.text("error.idle_text")


async def test_a_koordinators_text_feeds_the_broadcast_draft_before_anything_else(db, deps, content):
    kor, _, _ = await _people(db)
    await siaran.compose(deps, turn_of(kor))
    draft = (await siaran.press(deps, turn_of(kor), siaran.SIARAN.unpack("b:k:all"))).replies
    assert _text(draft) == content.text("siaran.ask_text", penerima=content.text("siaran.audience.all"))
    preview = await dialogues.message(deps, *_said(kor, "Lokakarya besok dimulai pukul 08.00."))
    assert "Lokakarya besok dimulai pukul 08.00." in _text(preview.replies)
    cancelled = await dialogues.batal(deps, turn_of(kor))
    assert _text(cancelled.replies) == content.text("siaran.cancelled")


async def test_a_resend_of_an_update_whose_reply_was_lost_gets_that_reply(db, deps, content):
    _, _, cgp = await _people(db)
    lost = [Reply("(2/9) Pertanyaan berikutnya")]
    await lost_replies.keep_undelivered(deps, cgp.id, lost, ("text", "Jawaban saya"), update_id=7)
    outcome = await dialogues.message(deps, *_said(cgp, "Jawaban saya"))
    assert [r.text for r in outcome.replies] == [content.text("error.resent"), "(2/9) Pertanyaan berikutnya"]


async def test_an_update_handled_before_a_restart_shows_where_the_person_is(db, deps, content):
    _, _, cgp = await _people(db)
    await reflection.press(deps, turn_of(cgp), OpenFlow("pi1"))
    async with db.session() as s:
        last = (await s.get(Person, cgp.id)).last_update_id
    # "1" would answer the first question (a choice, by its option's number), were the update not a repeat.
    repeat = Turn(cgp.tg_user_id, last, ("text", "1"), is_repeat=lambda handled: handled is not None and last <= handled)
    outcome = await dialogues.message(deps, repeat, Incoming("text", NOW, text="1"))
    assert "(1/" in _text(outcome.replies)
    async with db.session() as s:
        assert not (await s.scalars(select(FlowRun))).one().answers  # nothing was taken as an answer


async def test_a_flow_answered_through_the_services_is_submitted_once(db, deps, content):
    _, pp, cgp = await _people(db)
    flow = content.flows["pi1"]
    opened = await reflection.press(deps, turn_of(cgp), OpenFlow("pi1"))
    await background.plan(deps)
    nudges = await _nudges(db, cgp)  # "not sent yet" from two days on, with a button back into the flow
    assert nudges and all([b["data"] for b in n.buttons[0]] == ["s:f:pi1", "s:kendala"] for n in nudges)
    resumed = await reminders.press(deps, turn_of(cgp), REMINDERS.unpack("s:f:pi1"))
    assert content.text("flow.resume", title=flow.title) in _text(resumed.replies)
    replies = opened.replies
    assert [q.kind for q in flow.questions()][:2] == ["choice", "text"] and {q.kind for q in flow.questions()} == {"choice", "text"}
    for question in flow.questions():
        if question.kind == "choice":
            first = _presses(replies)[0]
            replies = (await reflection.press(deps, turn_of(cgp), first)).replies
        else:
            replies = (await dialogues.message(deps, *_said(cgp, "Jawaban contoh"))).replies
    kirim = next(p for p in _presses(replies) if p.action == "s")
    sent = await reflection.press(deps, turn_of(cgp), kirim)
    assert "Bu Rina" in _text(sent.replies)
    again = await reflection.press(deps, turn_of(cgp), kirim)
    assert "pesan lama" in _text(again.replies)
    async with db.session() as s:
        assert (await s.scalars(select(FlowRun.status))).all() == [RunStatus.submitted]
    assert await _nudges(db, cgp) == []  # the submission stopped it, in the same unit of work


async def test_joining_says_which_commands_the_chat_shows(db, deps_for, content):
    deps = deps_for(content, FrozenClock(NOW), koordinator_ids="555")
    new = await joining.start(deps, joining.Newcomer(555, 555, "Sri Koordinator"), None)
    assert new.commands == ROLE_COMMANDS[Role.koordinator]
    unknown = await joining.start(deps, joining.Newcomer(556, 556, "Tamu"), "AAAAAAAAAAAAAAAA")
    assert _text(unknown.replies) == content.text("start.invalid_code") and unknown.commands is None
    async with db.session() as s:
        (await s.scalar(select(Person).where(Person.tg_user_id == 555))).left_at = NOW
    left = await joining.start(deps, joining.Newcomer(555, 555, "Sri Koordinator"), None)
    assert left.commands == () and content.text("left.contact_unknown") in _text(left.replies)


async def test_an_update_whose_database_connection_was_dropped_is_handled_on_a_new_one(db, deps, caplog):
    """PostgreSQL (or the network) closed a pooled connection that idled less than the ping interval."""
    if db.is_sqlite:
        pytest.skip("PostgreSQL only: SQLite has no server to drop a connection")
    _, _, cgp = await _people(db)
    async with db.session() as s:  # the connection the next unit of work will take from the pool
        backend = await s.scalar(text("SELECT pg_backend_pid()"))
    admin = Database(db.url)  # its own pool
    async with admin.session() as s:
        assert await s.scalar(text("SELECT pg_terminate_backend(:pid)"), {"pid": backend})
    await admin.dispose()
    outcome = await reflection.menu(deps, turn_of(cgp))
    assert "Pilih refleksi" in _text(outcome.replies)
    assert "the database connection was lost" in caplog.text
    async with db.session() as s:
        assert (await s.get(Person, cgp.id)).last_update_id is not None

"""Setting dates in the chat: a koordinator's Lokakarya dates, a PP's mentee PI dates, and the role checks."""
from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

import pytest
from sqlalchemy import select

from core.clock import FrozenClock
from core.content import load_content
from program.calendar import set_lokakarya_date
from program.callbacks import JADWAL
from scheduler import planner
from services import calendar_dates, dialogue_state, jadwal
from services.turn import Acting
from store.models import ChatInput, Event, OutboxMessage, OutboxStatus
from tests.factories import make_cohort, make_person

NOW = datetime(2026, 3, 1, 5, 0, tzinfo=timezone.utc)  # 12:00 WIB


@pytest.fixture(scope="module")
def content(content_dir):
    return load_content(content_dir)


def buttons(reply) -> dict[str, str]:
    return {b.label: b.data for row in reply.buttons for b in row}


async def setup(s):
    a1, b2 = await make_cohort(s, "A1"), await make_cohort(s, "B2")
    kor = await make_person(s, "koordinator")
    pp = await make_person(s, "pp", cohort=a1, name="Bu Rina")
    other_pp = await make_person(s, "pp", cohort=a1, name="Pak Umar")
    dewi = await make_person(s, cohort=a1, mentor=pp, name="Dewi")
    agus = await make_person(s, cohort=a1, mentor=pp, name="Agus", timezone="Asia/Makassar")
    eko = await make_person(s, cohort=a1, mentor=other_pp, name="Eko")
    far = await make_person(s, cohort=b2, name="Fajar")
    return kor, pp, dewi, agus, eko, far, a1, b2


async def feedback_rows(s, person) -> list[OutboxMessage]:
    return list((await s.execute(
        select(OutboxMessage).where(OutboxMessage.person_id == person.id, OutboxMessage.rule_id == "feedback360_pi3",
                                    OutboxMessage.status == OutboxStatus.pending).order_by(OutboxMessage.due_at)
    )).scalars())


async def test_koordinator_sets_a_lokakarya_date_and_reminders_follow_at_once(db, content):
    clock = FrozenClock(NOW)
    async with db.session() as s:
        kor, pp, dewi, agus, *_ = await setup(s)
        [menu] = await jadwal.jadwal(s, content, kor, clock)
        assert "berkas CSV" in menu.text
        [cohorts] = await calendar_dates.handle_button(s, content, kor, JADWAL.unpack(buttons(menu)["🗓 Atur tanggal Lokakarya"]), clock)
        assert list(buttons(cohorts)) == ["A1 · Angkatan A1", "B2 · Angkatan B2"]
        [lokakarya] = await calendar_dates.handle_button(s, content, kor, JADWAL.unpack(buttons(cohorts)["A1 · Angkatan A1"]), clock)
        assert list(buttons(lokakarya))[:2] == ["Lokakarya Orientasi", "Lokakarya 1"] and len(buttons(lokakarya)) == 8
        [ask] = await calendar_dates.handle_button(s, content, kor, JADWAL.unpack(buttons(lokakarya)["Lokakarya 3"]), clock)
        assert "Lokakarya 3 angkatan A1" in ask.text
        [again] = await calendar_dates.handle_text(s, content, kor, "kapan-kapan", clock)
        assert "tidak dapat dibaca" in again.text
        [confirm] = await calendar_dates.handle_text(s, content, kor, "19 Maret 2026", clock)
        assert "Kamis, 19 Maret 2026" in confirm.text
        assert await feedback_rows(s, dewi) == []  # nothing before Simpan
        [saved] = await calendar_dates.handle_button(s, content, kor, JADWAL.unpack(buttons(confirm)["✅ Simpan"]), clock)
        assert "PI 3 para CGP mengikuti: Kamis, 12 Maret 2026" in saved.text
        assert await s.get(ChatInput, kor.id) is None
        event = await s.scalar(select(Event).where(Event.kind == "lokakarya", Event.number == 3))
        assert event.on_date == date(2026, 3, 19)
        # Feedback 360: from 7 days before PI 3, every 2 days, at 07:00 in each CGP's own zone.
        assert [r.due_at.isoformat() for r in await feedback_rows(s, dewi)] == [
            "2026-03-05T00:00:00+00:00", "2026-03-07T00:00:00+00:00", "2026-03-09T00:00:00+00:00"]
        assert (await feedback_rows(s, agus))[0].due_at.isoformat() == "2026-03-04T23:00:00+00:00"
        [listed] = await calendar_dates.handle_button(s, content, kor, JADWAL.unpack(buttons(cohorts)["A1 · Angkatan A1"]), clock)
        assert "Lokakarya 3 · 19/3/2026" in buttons(listed)


async def test_moving_a_lokakarya_moves_its_reminders(db, content):
    clock = FrozenClock(NOW)
    async with db.session() as s:
        kor, pp, dewi, *_ = await setup(s)
        for when in ("19/3/2026", "26/3/2026"):
            await calendar_dates.handle_button(s, content, kor, JADWAL.unpack(f"j:l:{dewi.cohort_id}:3"), clock)
            await calendar_dates.handle_text(s, content, kor, when, clock)
            await calendar_dates.handle_button(s, content, kor, JADWAL.unpack("j:ok"), clock)
        rows = await feedback_rows(s, dewi)
        assert rows[0].due_at.isoformat() == "2026-03-12T00:00:00+00:00" and len(rows) == 3
        cancelled = (await s.execute(select(OutboxMessage.status).where(
            OutboxMessage.person_id == dewi.id, OutboxMessage.rule_id == "feedback360_pi3",
            OutboxMessage.status == OutboxStatus.cancelled))).scalars().all()
        assert len(cancelled) == 3


async def test_pp_sets_a_mentee_pi_date_and_only_that_mentee_moves(db, content):
    clock = FrozenClock(NOW)
    async with db.session() as s:
        kor, pp, dewi, agus, *_ = await setup(s)
        await set_lokakarya_date(s, await s.get(type(dewi.cohort), dewi.cohort_id), 3, date(2026, 3, 19))
        await planner.plan(s, content, clock)
        [menu] = await jadwal.jadwal(s, content, pp, clock)
        [mentees] = await calendar_dates.handle_button(s, content, pp, JADWAL.unpack(buttons(menu)["🗓 Atur tanggal PI mentee"]), clock)
        assert list(buttons(mentees)) == ["Agus", "Dewi"]
        [pis] = await calendar_dates.handle_button(s, content, pp, JADWAL.unpack(buttons(mentees)["Dewi"]), clock)
        assert "PI 3 · 12/3/2026" in buttons(pis) and "PI 1" in buttons(pis)
        [ask] = await calendar_dates.handle_button(s, content, pp, JADWAL.unpack(buttons(pis)["PI 3 · 12/3/2026"]), clock)
        assert "PI 3 Dewi" in ask.text
        [confirm] = await calendar_dates.handle_text(s, content, pp, "16/3/2026", clock)
        [saved] = await calendar_dates.handle_button(s, content, pp, JADWAL.unpack(buttons(confirm)["✅ Simpan"]), clock)
        assert "Tersimpan: PI 3 Dewi pada Senin, 16 Maret 2026" in saved.text
        assert (await feedback_rows(s, dewi))[0].due_at.isoformat() == "2026-03-09T00:00:00+00:00"
        assert (await feedback_rows(s, agus))[0].due_at.isoformat() == "2026-03-04T23:00:00+00:00"


async def test_forged_and_foreign_data_is_refused(db, content):
    clock = FrozenClock(NOW)
    async with db.session() as s:
        kor, pp, dewi, agus, eko, far, a1, b2 = await setup(s)
        refused = "tidak dapat mengatur"
        for person, data in [
            (dewi, "j:c"), (pp, "j:c"), (pp, f"j:c:{a1.id}"), (pp, f"j:l:{a1.id}:3"), (kor, f"j:l:{a1.id}:99"),
            (kor, "j:l:999:1"), (kor, "j:m"), (dewi, "j:m"), (pp, f"j:m:{eko.id}"), (pp, f"j:p:{eko.id}:3"),
            (pp, f"j:p:{dewi.id}:7"), (pp, f"j:p:{far.id}:1"),
        ]:
            [reply] = await calendar_dates.handle_button(s, content, person, JADWAL.unpack(data), clock)
            assert refused in reply.text, (person.name, data)
        assert JADWAL.unpack("j:p:x:1") is None  # malformed: refused before it gets here (services/jadwal.py)
        assert (await s.execute(select(ChatInput))).first() is None
        # A mentee moved to another PP between the steps: the typed date is refused.
        await calendar_dates.handle_button(s, content, pp, JADWAL.unpack(f"j:p:{dewi.id}:3"), clock)
        dewi.mentor_id = eko.mentor_id
        [reply] = await calendar_dates.handle_text(s, content, pp, "16/3/2026", clock)
        assert refused in reply.text
        assert await s.scalar(select(Event).where(Event.person_id == dewi.id)) is None


async def test_cancel_expiry_and_other_dialogues(db, content, deps_for):
    clock = FrozenClock(NOW)
    async with db.session() as s:
        kor, pp, dewi, *_ = await setup(s)
        acting = Acting(deps_for(content, clock), s, pp)
        assert await calendar_dates.handle_text(s, content, pp, "besok", clock) is None
        assert await calendar_dates.cancel(acting) is None
        await calendar_dates.handle_button(s, content, pp, JADWAL.unpack(f"j:p:{dewi.id}:2"), clock)
        [dropped] = await calendar_dates.cancel(acting)
        assert "dibatalkan" in dropped.text and await s.get(ChatInput, pp.id) is None
        await calendar_dates.handle_button(s, content, pp, JADWAL.unpack(f"j:p:{dewi.id}:2"), clock)
        clock.set(NOW + calendar_dates.STATE_TTL + timedelta(minutes=1))
        assert await calendar_dates.handle_text(s, content, pp, "besok", clock) is None  # abandoned: typing goes elsewhere
        [stale] = await calendar_dates.handle_button(s, content, pp, JADWAL.unpack("j:ok"), clock)
        assert "tidak berlaku" in stale.text
        await dialogue_state.save(s, kor, "siaran", {"step": "text"})
        assert await calendar_dates.handle_text(s, content, kor, "besok", clock) is None
        assert (await s.get(ChatInput, kor.id)).kind == "siaran"


async def test_plan_people_leaves_everyone_else_alone(db, content):
    clock = FrozenClock(NOW)
    async with db.session() as s:
        kor, pp, dewi, agus, eko, far, a1, b2 = await setup(s)
        await set_lokakarya_date(s, a1, 3, date(2026, 3, 19))
        await planner.plan(s, content, clock)
        before = {r.id for r in await feedback_rows(s, eko)}
        await set_lokakarya_date(s, a1, 3, date(2026, 3, 26))
        stats = await planner.plan_people(s, content, clock, [dewi.id])
        assert stats.people == 1 and stats.cancelled >= 3 and stats.inserted >= 3
        assert {r.id for r in await feedback_rows(s, eko)} == before  # not re-planned yet: untouched
        assert (await feedback_rows(s, dewi))[0].due_at.isoformat() == "2026-03-12T00:00:00+00:00"

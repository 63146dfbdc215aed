"""One time zone rule: the person's zone, else DEFAULT_TZ, in every place that turns instants into days."""
from __future__ import annotations

import io
from datetime import date, datetime, time, timezone
from pathlib import Path
from types import SimpleNamespace

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from core.clock import FrozenClock
from core.content import load_content
from core.content.schema import Content
from core.zones import abbreviation, local_today, zone_name
from flows import callbacks, engine
from reports.export import export_xlsx
from core.ui import Incoming
from scheduler import planner
from scheduler.sender import OutboxSender
from store.models import Answer, Broadcast, Event, FlowRun, OutboxMessage, Person, RunStatus
from tests.factories import make_cohort, make_person
from services import siaran
from services.callbacks import SIARAN
from services.jadwal import jadwal
from tests.scheduler.sendkit import FakeSender, add_row, fast_budget, texts_content

SHIPPED = Path(__file__).resolve().parents[2] / "content"
WITA = "Asia/Makassar"


def utc(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=timezone.utc)


@pytest.fixture(scope="module")
def wita_content() -> Content:
    """The shipped content as a deployment with DEFAULT_TZ=Asia/Makassar loads it."""
    return load_content(SHIPPED, default_tz=WITA)


def test_own_zone_else_the_configured_default():
    assert zone_name(SimpleNamespace(timezone=None), WITA) == WITA
    assert zone_name(SimpleNamespace(timezone="Asia/Jayapura"), WITA) == "Asia/Jayapura"
    assert zone_name(SimpleNamespace(timezone="Mars/Olympus"), WITA) == WITA
    assert zone_name(None, WITA) == WITA
    assert abbreviation(zone_name(None, WITA)) == "WITA"
    # 23:30 WIB is already the next day in WITA
    assert local_today(None, WITA, FrozenClock(utc(2026, 3, 4, 16, 30))) == date(2026, 3, 5)


async def _cgp_without_zone(s):
    cohort = await make_cohort(s)
    pp = await make_person(s, "pp", cohort=cohort, timezone=None)
    cgp = await make_person(s, "cgp", cohort=cohort, mentor=pp, timezone=None)
    return pp, cgp


async def test_planner_times_reminders_in_the_default_zone(db, wita_content):
    async with db.session() as s:
        _, cgp = await _cgp_without_zone(s)
        s.add(Event(kind="rpp_submit", number=0, person_id=cgp.id, on_date=date(2026, 3, 10), source="rpp_agreement"))
    async with db.session() as s:
        await planner.plan(s, wita_content, FrozenClock(utc(2026, 3, 1, 3)))
    async with db.session() as s:
        due = (await s.scalars(select(OutboxMessage.due_at).where(
            OutboxMessage.person_id == cgp.id, OutboxMessage.rule_id == "rpp_submit_pengingat",
        ).order_by(OutboxMessage.due_at))).all()
    # 07:00 WITA is 23:00 UTC the day before (07:00 WIB would be 00:00 UTC)
    assert due == [utc(2026, 3, 6, 23), utc(2026, 3, 8, 23), utc(2026, 3, 9, 23)]


async def test_jadwal_shows_the_default_zone(db, wita_content):
    async with db.session() as s:
        _, cgp = await _cgp_without_zone(s)
        s.add(Event(kind="observation", number=0, person_id=cgp.id, on_date=date(2026, 3, 12), at_time=time(8, 0),
                    source="rpp_agreement"))
    async with db.session() as s:
        (reply,) = await jadwal(s, wita_content, cgp, FrozenClock(utc(2026, 3, 1, 3)))
    assert reply.text.splitlines()[0] == wita_content.text("jadwal.heading", zona="WITA")
    assert "Kamis, 12 Maret 2026, pukul 08.00 WITA" in reply.text


async def test_besok_is_read_in_the_default_zone(db, wita_content):
    clock = FrozenClock(utc(2026, 3, 4, 16, 30))  # 23:30 WIB on the 4th, 00:30 WITA on the 5th
    async with db.session() as s:
        pp, cgp = await _cgp_without_zone(s)
    async with db.session() as s:
        person = await s.get(Person, pp.id)
        flow = wita_content.flows["pi3_kesepakatan_rpp"]
        await engine.press(s, wita_content, person, callbacks.OpenForMentee(flow.id, cgp.id), clock)
    async with db.session() as s:
        person = await s.get(Person, pp.id)
        await engine.handle(s, wita_content, person, Incoming("text", clock.now(), text="besok"), clock)
    async with db.session() as s:
        value = await s.scalar(select(Answer.value).where(Answer.question_id == "tanggal_rpp_diserahkan"))
    assert value == "2026-03-06"


async def test_a_siaran_time_is_read_in_the_default_zone(db, wita_content):
    clock = FrozenClock(utc(2026, 11, 20, 3))
    async with db.session() as s:
        kor = await make_person(s, "koordinator", timezone=None)
        await make_person(s, "cgp", cohort=await make_cohort(s))
        await siaran.start(s, wita_content, kor, clock)
        await siaran.handle_button(s, wita_content, kor, SIARAN.unpack("b:k:all"), clock)
        await siaran.handle_text(s, wita_content, kor, "Rapat daring.", clock)
        [ask] = await siaran.handle_button(s, wita_content, kor, SIARAN.unpack("b:sched"), clock)
        assert "WITA" in ask.text
        [reply] = await siaran.handle_text(s, wita_content, kor, "25/11/2026 08:00", clock)
        send_at = await s.scalar(select(Broadcast.send_at))
    assert send_at == utc(2026, 11, 25, 0)  # 08:00 WITA
    assert "Rabu, 25 November 2026, pukul 08.00 WITA" in reply.text


async def test_export_times_are_in_the_default_zone(db, wita_content):
    async with db.session() as s:
        pp, cgp = await _cgp_without_zone(s)
        s.add(FlowRun(person_id=cgp.id, flow_id="pi1", status=RunStatus.submitted, mode="done", state={}, version=0,
                      content_version=wita_content.version, started_at=utc(2026, 3, 4, 10),
                      updated_at=utc(2026, 3, 4, 16, 30), submitted_at=utc(2026, 3, 4, 16, 30), answers=[]))
    async with db.session() as s:
        name, data = await export_xlsx(s, wita_content, await s.get(Person, pp.id), FrozenClock(utc(2026, 3, 4, 16, 30)))
    sheet = load_workbook(io.BytesIO(data)).worksheets[0]
    header = [c.value for c in sheet[1]]
    submitted = sheet.cell(row=2, column=header.index(wita_content.text("export.column.submitted")) + 1).value
    assert submitted == datetime(2026, 3, 5, 0, 30)  # wall-clock WITA
    assert name == wita_content.text("export.filename", date="2026-03-05")


async def test_quiet_hours_of_a_person_without_zone_follow_the_default(db):
    at = utc(2026, 3, 2, 13, 30)  # 20:30 WIB (not quiet yet), 21:30 WITA (quiet until 06:00)
    async with db.session() as s:
        person = await make_person(s, timezone=None)
        await add_row(s, person, "r1", at)
    content = texts_content().model_copy(update={"default_tz": WITA})
    fake = FakeSender()
    async with OutboxSender(db, fake, content, FrozenClock(at), fast_budget(), "w1") as sender:
        stats = await sender.drain_once()
    assert (stats.sent, stats.deferred) == (0, 1)
    async with db.session() as s:
        assert await s.scalar(select(OutboxMessage.due_at)) == utc(2026, 3, 2, 22)  # 06:00 WITA

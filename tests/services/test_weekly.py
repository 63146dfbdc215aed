"""The koordinator's weekly report: Monday morning in their zone, once a week, with the week's broadcasts."""
from __future__ import annotations

import io
from datetime import date, datetime, timedelta, timezone

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from core.clock import FrozenClock
from core.content import load_content
from services import progress, weekly
from store.models import Broadcast, Event, OutboxMessage, OutboxStatus
from tests.factories import make_cohort, make_person
from tests.services.conftest import turn_of

PNG = b"\x89PNG\r\n\x1a\n"
MONDAY_0730_WIB = datetime(2026, 3, 9, 0, 30, tzinfo=timezone.utc)


@pytest.fixture(scope="module")
def content(content_dir):
    return load_content(content_dir)


@pytest.fixture
async def people(db):
    async with db.session() as s:
        cohort = await make_cohort(s)
        s.add(Event(kind="lokakarya", number=1, cohort_id=cohort.id, on_date=date(2026, 2, 20)))
        kor = await make_person(s, "koordinator", cohort=cohort, name="Sri")
        pp = await make_person(s, "pp", cohort=cohort, name="Bu Rina")
        await make_person(s, "cgp", cohort=cohort, mentor=pp, name="Dewi")
        await make_person(s, "cgp", cohort=cohort, mentor=pp, name="Eka", joined=False)
        broadcast = Broadcast(created_by=kor.id, audience={"kind": "all"}, text="Lokakarya 2 dimulai pukul 08.00 di aula.",
                              send_at=MONDAY_0730_WIB - timedelta(days=2), status="done")
        s.add(broadcast)
        await s.flush()
        s.add(OutboxMessage(dedupe_key="b1", person_id=pp.id, kind="broadcast", broadcast_id=broadcast.id, text="x",
                            status=OutboxStatus.sent, due_at=broadcast.send_at))
    return kor


async def _reports(db) -> list[OutboxMessage]:
    async with db.session() as s:
        return list(await s.scalars(select(OutboxMessage).where(OutboxMessage.dedupe_key.like("laporan-mingguan:%"))))


@pytest.mark.parametrize("at", [MONDAY_0730_WIB - timedelta(hours=1),  # 06:30
                                MONDAY_0730_WIB + timedelta(hours=5),  # 12:30
                                MONDAY_0730_WIB + timedelta(days=1)])  # Tuesday
async def test_only_on_monday_morning(deps_for, content, db, people, at):
    assert await weekly.plan_reports(deps_for(content, FrozenClock(at))) == 0
    assert await _reports(db) == []


async def test_once_a_week_with_late_people_and_broadcasts(deps_for, content, db, people):
    deps = deps_for(content, FrozenClock(MONDAY_0730_WIB))
    assert await weekly.plan_reports(deps) == 1
    assert await weekly.plan_reports(deps_for(content, FrozenClock(MONDAY_0730_WIB + timedelta(hours=2)))) == 0
    [report] = await _reports(db)
    assert report.person_id == people.id and report.respect_quiet_hours
    assert "• Bu Rina: 2 — Dewi, Eka" in report.text
    assert "1. Bu Rina — 2 dari 2 mentee terlambat (100%)" in report.text
    assert "🚫 Belum bergabung (1): Eka" in report.text
    assert "• #1 «Lokakarya 2 dimulai pukul 08.00 di aula.»: terkirim 1, menunggu 0, gagal 0" in report.text
    assert report.buttons == [[{"text": "📊 Grafik dan berkas Excel", "data": "g:w"}]]
    next_week = deps_for(content, FrozenClock(MONDAY_0730_WIB + timedelta(days=7)))
    assert await weekly.plan_reports(next_week) == 1


async def test_the_button_brings_the_workbook_and_three_charts(deps_for, content, db, people):
    outcome = await progress.press(deps_for(content, FrozenClock(MONDAY_0730_WIB)), turn_of(people), weekly.WeeklyFiles())
    files, over_time, delivery = outcome.replies
    assert files.file[0] == "laporan-mingguan-2026-03-09.xlsx" and files.photo[1].startswith(PNG)
    assert "minggu ke minggu" in over_time.text and over_time.photo[1].startswith(PNG)
    assert "siaran terakhir (#1)" in delivery.text and delivery.photo[1].startswith(PNG)
    book = load_workbook(io.BytesIO(files.file[1]))
    assert [r[:4] for r in book["Per PP"].iter_rows(min_row=2, values_only=True)] == [("Bu Rina", 2, 1, 2)]
    assert [r[2:4] for r in book["Siaran"].iter_rows(min_row=2, values_only=True)] == [(1, 0)]

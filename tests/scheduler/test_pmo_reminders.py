"""The shipped PMO month reminders: on the month's workshop when it is dated, else on a working day, never naming a
workshop that is not planned."""
from __future__ import annotations

from datetime import date

import pytest

from core.clock import FrozenClock
from core.content.loader import load_content
from program.calendar import set_lokakarya_date
from scheduler.planner import plan
from tests.factories import make_cohort, make_person
from tests.scheduler.planning_support import SHIPPED, WIB, rows, utc

PLANNED_AT = utc(2026, 10, 20, 3)  # Tuesday 20 October 2026, 10:00 WIB


@pytest.fixture(scope="module")
def shipped():
    return load_content(SHIPPED)


async def _school(db, workshop: date | None = None):
    async with db.session() as s:
        cohort = await make_cohort(s, "PSP1")
        fsp = await make_person(s, "fsp", cohort=cohort, timezone=WIB)
        kepsek = await make_person(s, "kepsek", cohort=cohort, mentor=fsp, timezone=WIB)
        if workshop is not None:
            await set_lokakarya_date(s, cohort, workshop.month, workshop, kind="lokakarya_psp")
    return fsp, kepsek


async def _november(db, content, who):
    async with db.session() as s:
        await plan(s, content, FrozenClock(PLANNED_AT))
        return {rule: [r for r in await rows(s, rule_id=rule, person_id=who.id) if "pmo_month11@" in r.dedupe_key]
                for rule in ("pmo_bulanan_kepsek", "pmo_bulanan_fsp")}


async def test_a_month_without_a_workshop_names_none_and_keeps_its_reminders_off_the_sunday_the_1st(db, shipped):
    fsp, kepsek = await _school(db)  # 1 November 2026 is a Sunday; no workshop is dated in November
    [kepsek_row] = (await _november(db, shipped, kepsek))["pmo_bulanan_kepsek"]
    [fsp_row] = (await _november(db, shipped, fsp))["pmo_bulanan_fsp"]
    for row in (kepsek_row, fsp_row):
        assert "1 November" not in row.text and "Minggu" not in row.text
        assert "Lokakarya Sekolah Penggerak bulan November:" not in row.text
        assert "Bulan November belum ada lokakarya Sekolah Penggerak yang dijadwalkan." in row.text
        # the seed's table has no November topics; sent in October, the text names the month, not "bulan ini"
        assert "Untuk bulan November tidak ada topik monitoring khusus" in row.text and "Bulan ini" not in row.text
    # The month's day is the working day before the Sunday (Saturday 31 October), as the rules move days off
    # earlier: H-5 is Monday 26 October and H-3 Wednesday 28 October, 07:00 WIB.
    assert kepsek_row.due_at == utc(2026, 10, 26, 0)
    assert fsp_row.due_at == utc(2026, 10, 28, 0)
    assert "Mohon laporkan perkembangan PMO level sekolah" in kepsek_row.text


async def test_a_month_with_a_workshop_names_it_and_hangs_on_it(db, shipped):
    fsp, kepsek = await _school(db, date(2026, 11, 11))  # Wednesday
    [kepsek_row] = (await _november(db, shipped, kepsek))["pmo_bulanan_kepsek"]
    [fsp_row] = (await _november(db, shipped, fsp))["pmo_bulanan_fsp"]
    for row in (kepsek_row, fsp_row):
        assert "Lokakarya Sekolah Penggerak bulan November: Rabu, 11 November 2026." in row.text
        assert "belum ada lokakarya" not in row.text
    assert kepsek_row.due_at == utc(2026, 11, 6, 0)  # H-5, Friday
    assert fsp_row.due_at == utc(2026, 11, 7, 0)  # H-3 is Sunday the 8th: Saturday

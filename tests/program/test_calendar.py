"""Cohort Lokakarya dates, PI dates that follow them (or the PP's), RPP dates, PMO months, CSV import."""
from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import func, select

from core.clock import FrozenClock
from core.dates import format_date
from program.calendar import SharedItems, build_items, cohort_events, events_for, person_events, set_lokakarya_date, set_pi_date
from program.calendar_import import CalendarImportError, import_calendar_csv
from store.models import Event
from tests.factories import make_cohort, make_person
from tests.scheduler.planning_support import plan_content, utc  # noqa: F401

BEFORE = date(2025, 1, 1)  # "today" for imports of 2025 dates


def test_dates_are_written_in_indonesian():
    assert format_date(date(2025, 5, 12)) == "Senin, 12 Mei 2025"
    assert format_date(date(2025, 8, 17)) == "Minggu, 17 Agustus 2025"


async def test_pi_follows_the_lokakarya_unless_the_pp_sets_it(db, plan_content):
    async with db.session() as s:
        cohort = await make_cohort(s)
        cgp = await make_person(s, "cgp", cohort=cohort)
        await set_lokakarya_date(s, cohort, 2, date(2025, 4, 14))
        await set_lokakarya_date(s, cohort, 3, date(2025, 5, 12))
        await set_lokakarya_date(s, cohort, 3, date(2025, 5, 19))  # moved: the same event row
        await set_pi_date(s, cgp, 2, date(2025, 4, 9))
        s.add(Event(kind="rpp_submit", number=0, person_id=cgp.id, on_date=date(2025, 5, 22)))
        await s.flush()
        items = await events_for(s, plan_content, cgp, FrozenClock(utc(2025, 5, 1)))
        assert await s.scalar(select(func.count()).select_from(Event).where(Event.kind == "lokakarya")) == 2
    assert [(i.kind, i.number, i.on_date, i.source) for i in items] == [
        ("pi", 2, date(2025, 4, 9), "pp"),
        ("lokakarya", 2, date(2025, 4, 14), "koordinator"),
        ("pi", 3, date(2025, 5, 12), "derived"),
        ("lokakarya", 3, date(2025, 5, 19), "koordinator"),
        ("rpp_submit", 0, date(2025, 5, 22), "koordinator"),
    ]


async def test_shared_items_are_each_persons_own_items(db, plan_content):
    """A batch's people without dates of their own share one list per role, cohort and day; the others get theirs."""
    async with db.session() as s:
        cohort, other = await make_cohort(s), await make_cohort(s, "B2")
        await set_lokakarya_date(s, cohort, 2, date(2025, 4, 14))
        await set_lokakarya_date(s, other, 2, date(2025, 4, 21))
        plain, twin, moved = [await make_person(s, "cgp", cohort=cohort) for _ in range(3)]
        pp, elsewhere = await make_person(s, "pp", cohort=cohort), await make_person(s, "cgp", cohort=other)
        await set_pi_date(s, moved, 2, date(2025, 4, 2))
        people = [plain, twin, moved, pp, elsewhere]
        cohorts = await cohort_events(s, (p.cohort_id for p in people))
        own = await person_events(s, (p.id for p in people))
    shared = SharedItems(plan_content, cohorts)
    today = date(2025, 3, 20)
    for person in people:
        assert shared.of(person, own[person.id], today) == build_items(plan_content, person, cohorts[person.cohort_id],
                                                                        own[person.id], today)
    assert shared.of(plain, [], today) is shared.of(twin, [], today)
    assert (2, date(2025, 4, 2)) in {(i.number, i.on_date) for i in shared.of(moved, own[moved.id], today) if i.kind == "pi"}
    assert (2, date(2025, 4, 2)) not in {(i.number, i.on_date) for i in shared.of(plain, [], today) if i.kind == "pi"}
    assert shared.of(plain, [], today) != shared.of(elsewhere, [], today)
    assert shared.of(plain, [], today) != shared.of(pp, [], today)


async def test_school_roles_get_pmo_months_on_their_workshop_day(db, plan_content):
    async with db.session() as s:
        cohort = await make_cohort(s, "PSP")
        kepsek = await make_person(s, "kepsek", cohort=cohort)
        await set_lokakarya_date(s, cohort, 9, date(2025, 9, 18), kind="lokakarya_psp")
        items = await events_for(s, plan_content, kepsek, FrozenClock(utc(2025, 8, 20)))
    pmo = [(i.number, i.on_date) for i in items if i.kind == "pmo_month"]
    assert pmo[:3] == [(8, date(2025, 8, 1)), (9, date(2025, 9, 18)), (10, date(2025, 10, 1))]
    assert (8, date(2026, 8, 1)) in pmo  # and the next program year
    assert not any(i.kind == "pi" for i in items)


async def test_csv_import_sets_lokakarya_dates(db, plan_content):
    async with db.session() as s:
        await make_cohort(s, "A1")
        await make_cohort(s, "B2")
        count = await import_calendar_csv(s, "angkatan;lokakarya;tanggal\nA1;1;2025-03-10\nA1;2;14/04/2025\nB2;1;12 Mei 2025\n", BEFORE)
        got = sorted((e.number, e.on_date) for e in (await s.execute(select(Event))).scalars())
    assert count == 3 and got == [(1, date(2025, 3, 10)), (1, date(2025, 5, 12)), (2, date(2025, 4, 14))]


async def test_csv_import_rejects_bad_rows_and_writes_nothing(db, plan_content):
    async with db.session() as s:
        await make_cohort(s, "A1")
        with pytest.raises(CalendarImportError) as caught:
            await import_calendar_csv(s, "angkatan,lokakarya,tanggal\nA1,1,2025-03-10\nZZ,2,2025-04-14\nA1,x,2025-04-14\nA1,3,besok lusa kapan\n", BEFORE)
        assert await s.scalar(select(func.count()).select_from(Event)) == 0
    report = caught.value.report(plan_content).splitlines()
    assert [p.row for p in caught.value.problems] == [3, 4, 5]
    assert report[1] == "• Baris 3: angkatan \"ZZ\" tidak dikenal."
    assert "nomor Lokakarya \"x\"" in report[2] and "tanggal \"besok lusa kapan\"" in report[3]


async def test_csv_import_needs_the_columns(db, plan_content):
    async with db.session() as s:
        with pytest.raises(CalendarImportError) as caught:
            await import_calendar_csv(s, "angkatan,tanggal\nA1,2025-03-10\n", BEFORE)
    assert caught.value.problems[0].code == "missing_column"


async def test_csv_import_rejects_past_and_out_of_order_lokakarya_dates(db, plan_content):
    async with db.session() as s:
        a1 = await make_cohort(s, "A1")
        await make_cohort(s, "B2")
        await set_lokakarya_date(s, a1, 3, date(2025, 5, 19))  # already set in the database
        with pytest.raises(CalendarImportError) as caught:
            await import_calendar_csv(s, (
                "angkatan,lokakarya,tanggal\n"
                "A1,1,2025-03-10\n"
                "A1,2,2025-03-03\n"  # before Lokakarya 1 of the same file
                "A1,4,2025-05-12\n"  # before Lokakarya 3 as set
                "B2,1,2025-01-06\n"  # a week ago
                "B2,2,2025-03-03\n"  # another cohort: its own order
            ), date(2025, 1, 13))
        assert await s.scalar(select(func.count()).select_from(Event)) == 1
    report = caught.value.report(plan_content).splitlines()
    assert [p.row for p in caught.value.problems] == [3, 4, 5]
    assert report[1:] == [
        "• Baris 3: Lokakarya 2 (Senin, 3 Maret 2025) lebih awal dari Lokakarya 1 (Senin, 10 Maret 2025). "
        "Periksa kembali kedua tanggal itu.",
        "• Baris 4: Lokakarya 4 (Senin, 12 Mei 2025) lebih awal dari Lokakarya 3 (Senin, 19 Mei 2025). "
        "Periksa kembali kedua tanggal itu.",
        "• Baris 5: tanggal Senin, 6 Januari 2025 sudah lewat. Periksa tahunnya, atau hapus baris Lokakarya yang sudah "
        "berlangsung.",
    ]
    async with db.session() as s:  # in order, with the dates already set: imported
        assert await import_calendar_csv(s, "angkatan,lokakarya,tanggal\nA1,2,2025-04-14\nA1,4,2025-06-16\n", date(2025, 1, 13)) == 2

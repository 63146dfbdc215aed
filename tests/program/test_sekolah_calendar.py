"""Sekolah Penggerak workshop dates from a calendar file: KB1 and "PMO <bulan>" rows, dated within their month."""
from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from core.content import Content, load_content
from program.calendar_import import CalendarImportError, import_calendar_csv
from store.models import Event
from tests.factories import make_cohort

TODAY = date(2027, 1, 4)


@pytest.fixture(scope="module")
def content(content_dir) -> Content:
    return load_content(content_dir)


async def test_kb1_and_pmo_month_rows_set_sp_workshops_beside_pgp_lokakarya(db, content):
    async with db.session() as s:
        await make_cohort(s, "SP3")
        text = "angkatan,lokakarya,tanggal\nSP3,KB1,2027-02-10\nSP3,PMO Maret,10 Maret 2027\nSP3,SP 4,2027-04-14\nSP3,1,2027-02-01\n"
        assert await import_calendar_csv(s, text, TODAY, content) == 4
        events = {(e.kind, e.number): e.on_date for e in await s.scalars(select(Event))}
    assert events == {("lokakarya_psp", 2): date(2027, 2, 10), ("lokakarya_psp", 3): date(2027, 3, 10),
                      ("lokakarya_psp", 4): date(2027, 4, 14), ("lokakarya", 1): date(2027, 2, 1)}


async def test_a_workshop_outside_its_month_or_an_unknown_one_rejects_the_file(db, content):
    async with db.session() as s:
        await make_cohort(s, "SP3")
        with pytest.raises(CalendarImportError) as rejected:
            await import_calendar_csv(s, "angkatan,lokakarya,tanggal\nSP3,KB1,2027-03-02\nSP3,PMO Juli kedua,2027-07-02\n",
                                      TODAY, content)
        assert await s.scalar(select(Event.id)) is None
    assert [(p.row, p.code) for p in rejected.value.problems] == [(2, "wrong_month"), (3, "bad_number")]
    assert "bulan Februari" in rejected.value.report(content)

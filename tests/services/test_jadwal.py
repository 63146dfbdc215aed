"""/jadwal lists the next items in the person's zone and sends them as an .ics file."""
from __future__ import annotations

from datetime import date, time

from icalendar import Calendar

from core.clock import FrozenClock
from core.content import load_content
from program.calendar import set_lokakarya_date
from services.jadwal import jadwal, jadwal_ics
from store.models import Event
from tests.factories import make_cohort, make_person
from tests.scheduler.planning_support import WIT, WITA, holidays_content, plan_content, utc  # noqa: F401


async def _cgp(db, tz: str):
    async with db.session() as s:
        cohort = await make_cohort(s)
        pp = await make_person(s, "pp", cohort=cohort)
        cgp = await make_person(s, "cgp", cohort=cohort, mentor=pp, timezone=tz)
        await set_lokakarya_date(s, cohort, 2, date(2025, 4, 14))
        await set_lokakarya_date(s, cohort, 3, date(2025, 5, 19))
        s.add(Event(kind="observation", number=0, person_id=cgp.id, on_date=date(2025, 5, 28), at_time=time(8, 0)))
    return pp, cgp


async def test_jadwal_lists_upcoming_items_in_the_persons_zone(db, plan_content):
    _, cgp = await _cgp(db, WITA)
    async with db.session() as s:
        (reply,) = await jadwal(s, plan_content, cgp, FrozenClock(utc(2025, 5, 1)))
    lines = reply.text.splitlines()
    assert lines[0] == plan_content.text("jadwal.heading", zona="WITA")
    assert lines[1:] == [
        "• Senin, 12 Mei 2025 — PI 3 (Pendampingan Individu)",
        "• Senin, 19 Mei 2025 — Lokakarya 3: Pemimpin Pembelajaran",
        "• Rabu, 28 Mei 2025, pukul 08.00 WITA — Observasi kelas (PI 4)",
    ]
    assert [[b.data for b in row] for row in reply.buttons] == [["j:ics"]]


async def test_the_pp_sees_their_mentees_dates(db, plan_content):
    pp, cgp = await _cgp(db, WITA)
    async with db.session() as s:
        (reply,) = await jadwal(s, plan_content, pp, FrozenClock(utc(2025, 5, 1)))
    assert f"Observasi kelas (PI 4) — {cgp.name}" in reply.text and "WIB" in reply.text


async def test_jadwal_without_dates_says_so(db, plan_content):
    async with db.session() as s:
        person = await make_person(s, "cgp", timezone=WIT)
        (reply,) = await jadwal(s, plan_content, person, FrozenClock(utc(2025, 5, 1)))
    assert reply.text == plan_content.text("jadwal.empty") and reply.buttons == []


async def test_ics_file_holds_the_upcoming_items(db, plan_content):
    _, cgp = await _cgp(db, WIT)
    async with db.session() as s:
        reply = await jadwal_ics(s, plan_content, cgp, FrozenClock(utc(2025, 5, 1)))
    name, data = reply.file
    events = {str(e["summary"]): e for e in Calendar.from_ical(data).walk("VEVENT")}
    assert name == "jadwal.ics" and len(events) == 3
    assert events["PI 3 (Pendampingan Individu)"].decoded("dtstart") == date(2025, 5, 12)
    start = events["Observasi kelas (PI 4)"].decoded("dtstart")
    assert start == utc(2025, 5, 27, 23)  # 08:00 WIT
    async with db.session() as s:
        empty = await jadwal_ics(s, plan_content, await make_person(s, "cgp"), FrozenClock(utc(2025, 5, 1)))
    assert empty.file is None and empty.text == plan_content.text("jadwal.ics_empty")


async def test_a_lokakarya_title_is_not_labelled_twice(db, content_dir):
    shipped = load_content(content_dir)  # its titles are "Lokakarya Orientasi", "Lokakarya 1", …
    async with db.session() as s:
        cohort = await make_cohort(s)
        cgp = await make_person(s, "cgp", cohort=cohort)
        await set_lokakarya_date(s, cohort, 0, date(2025, 5, 5))
        await set_lokakarya_date(s, cohort, 1, date(2025, 6, 2))
        (reply,) = await jadwal(s, shipped, cgp, FrozenClock(utc(2025, 5, 1)))
    assert "• Senin, 5 Mei 2025 — Lokakarya Orientasi" in reply.text.splitlines()
    assert "• Senin, 2 Juni 2025 — Lokakarya 1" in reply.text.splitlines()
    assert "Lokakarya 1: Lokakarya 1" not in reply.text



async def test_jadwal_lists_the_days_off_of_the_coming_weeks_in_the_persons_zone(db, holidays_content):
    async with db.session() as s:
        cohort = await make_cohort(s)
        await set_lokakarya_date(s, cohort, 3, date(2026, 9, 3))
        jakarta = await make_person(s, "cgp", cohort=cohort, province="DKI Jakarta")
        bali = await make_person(s, "cgp", cohort=cohort, timezone=WITA, province="Bali")
        clock = FrozenClock(utc(2026, 7, 20, 16))  # Monday 20 July 23:00 WIB, Tuesday 21 July 00:00 WITA
        (early_jakarta,) = await jadwal(s, holidays_content, jakarta, clock)
        (early_bali,) = await jadwal(s, holidays_content, bali, clock)
        clock.set(utc(2026, 8, 20, 3))
        (later_jakarta,) = await jadwal(s, holidays_content, jakarta, clock)
        (later_bali,) = await jadwal(s, holidays_content, bali, clock)
    heading = holidays_content.text("jadwal.holidays_heading", minggu=4)
    assert heading not in early_jakarta.text  # 20 July + 4 weeks ends on Sunday 16 August
    assert early_bali.text.split(heading)[1].splitlines() == ["", "• Senin, 17 Agustus 2026 — Hari Kemerdekaan Republik Indonesia"]
    national = [
        "• Selasa, 25 Agustus 2026 — Maulid Nabi Muhammad",
        "• Jumat, 28 Agustus 2026 s.d. Sabtu, 29 Agustus 2026 — Cuti bersama tambahan (perkiraan, menunggu penetapan resmi)",
    ]
    assert later_jakarta.text.split("\n\n" + heading + "\n")[1].splitlines() == national
    assert later_bali.text.split("\n\n" + heading + "\n")[1].splitlines() == [
        *national, "• Senin, 31 Agustus 2026 s.d. Sabtu, 5 September 2026 — Libur tengah semester",
    ]
    assert "PI 3" in later_bali.text.split(heading)[0] and [[b.data for b in row] for row in later_bali.buttons] == [["j:ics"]]


async def test_jadwal_without_dates_still_lists_the_days_off(db, holidays_content):
    async with db.session() as s:
        person = await make_person(s, "cgp")
        (reply,) = await jadwal(s, holidays_content, person, FrozenClock(utc(2026, 8, 10, 3)))
    assert reply.text.startswith(holidays_content.text("jadwal.empty") + "\n\n🏖")
    assert "Senin, 17 Agustus 2026 — Hari Kemerdekaan Republik Indonesia" in reply.text

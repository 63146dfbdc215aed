"""/ringkasan at a glance: a koordinator's per-PP and per-district figures with a chart, who is late, the nudge;
a PP's one line per mentee."""
from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

import pytest
from sqlalchemy import select

from core.clock import FrozenClock
from core.ui import Reply
from services import progress
from services.progress import GLANCE, LateList, NeverJoined, Nudge, Page, Scope
from reports.standing import chart, columns_of, groups_of, mentor_names, participants, standings
from store.models import Event, FlowRun, OutboxMessage, Person, RunStatus
from tests.factories import make_cohort, make_person
from tests.services.conftest import turn_of

NOW = datetime(2026, 3, 2, 3, 0, tzinfo=timezone.utc)  # Monday 10:00 WIB
PNG = b"\x89PNG\r\n\x1a\n"


@pytest.fixture
def deps(deps_for, content):
    return deps_for(content, FrozenClock(NOW))


@pytest.fixture
async def cohort(db):
    """Lokakarya 1 was on 20 Feb (PI 1 a week before: due), Lokakarya 2 is on 20 Mar (PI 2 not yet due).
    Bu Rina (Bandung): Citra submitted PI 1, Dewi has not, Eka never joined. Pak Budi (Garut): Fajar's PI 1 is a draft."""
    async with db.session() as s:
        c = await make_cohort(s)
        s.add_all([Event(kind="lokakarya", number=1, cohort_id=c.id, on_date=date(2026, 2, 20)),
                   Event(kind="lokakarya", number=2, cohort_id=c.id, on_date=date(2026, 3, 20))])
        people = {
            "kor": await make_person(s, "koordinator", cohort=c, name="Sri"),
            "rina": await make_person(s, "pp", cohort=c, name="Bu Rina"),
            "budi": await make_person(s, "pp", cohort=c, name="Pak Budi"),
        }
        people["citra"] = await make_person(s, "cgp", cohort=c, mentor=people["rina"], name="Citra", district="Kota Bandung")
        people["dewi"] = await make_person(s, "cgp", cohort=c, mentor=people["rina"], name="Dewi", district="Kota Bandung")
        people["eka"] = await make_person(s, "cgp", cohort=c, mentor=people["rina"], name="Eka", district="Kota Bandung",
                                          joined=False, school="SDN 3 Bandung")
        people["fajar"] = await make_person(s, "cgp", cohort=c, mentor=people["budi"], name="Fajar", district="Kab. Garut")
        s.add_all([FlowRun(person_id=people["citra"].id, flow_id="pi1", status=RunStatus.submitted, content_version="v",
                           submitted_at=NOW - timedelta(days=10)),
                   FlowRun(person_id=people["fajar"].id, flow_id="pi1", status=RunStatus.draft, content_version="v")])
    return people


def _text(replies: list[Reply]) -> str:
    return "\n".join(r.text for r in replies)


def _buttons(replies: list[Reply]) -> dict[str, str]:
    return {b.label: b.data for r in replies for row in r.buttons for b in row}


async def test_koordinator_sees_groups_districts_and_a_chart(deps, cohort):
    outcome = await progress.overview(deps, turn_of(cohort["kor"]))
    text = _text(outcome.replies)
    assert "Seluruhnya: 3/4 CGP bergabung (75%) · terlambat: 3 orang" in text
    assert "• Bu Rina: gabung 67% · PI 1 33% · ⏰ 2" in text
    assert "• Pak Budi: gabung 100% · PI 1 0% · ⏰ 1" in text
    assert "• Kota Bandung: gabung 67% · PI 1 33% · ⏰ 2" in text
    assert "• Kab. Garut: gabung 100% · PI 1 0% · ⏰ 1" in text
    assert "PI 2" not in text  # not due yet: no column
    assert text.index("Per kelompok PP:") < text.index("Per kabupaten/kota:")
    [reply] = outcome.replies
    assert reply.photo is not None and reply.photo[1].startswith(PNG)
    buttons = _buttons(outcome.replies)
    assert GLANCE.unpack(buttons["⏰ Bu Rina (2)"]) == LateList(Scope.pp, cohort["rina"].id)
    assert GLANCE.unpack(buttons["🚫 Belum bergabung (1)"]) == NeverJoined(Scope.all, 0)


async def test_late_names_then_one_nudge_a_day(deps, db, cohort):
    late = await progress.press(deps, turn_of(cohort["kor"]), LateList(Scope.pp, cohort["rina"].id))
    text = _text(late.replies)
    assert "1. Dewi — PI 1" in text and "2. Eka — PI 1" in text and "Citra" not in text
    nudge = GLANCE.unpack(_buttons(late.replies)["📣 Kirim pengingat (2)"])
    assert nudge == Nudge(Scope.pp, cohort["rina"].id)
    first = _text((await progress.press(deps, turn_of(cohort["kor"]), nudge)).replies)
    assert "Pengingat dikirim ke 1 orang" in first and "1 orang belum bergabung" in first
    again = _text((await progress.press(deps, turn_of(cohort["kor"]), nudge)).replies)
    assert "Pengingat dikirim ke 0 orang" in again and "1 orang sudah diingatkan hari ini" in again
    async with db.session() as s:
        rows = list(await s.scalars(select(OutboxMessage).where(OutboxMessage.kind == "nudge")))
    assert [r.person_id for r in rows] == [cohort["dewi"].id]
    assert "Dewi" in rows[0].text and "PI 1" in rows[0].text and rows[0].respect_quiet_hours


async def test_never_joined_list(deps, cohort):
    text = _text((await progress.press(deps, turn_of(cohort["kor"]), NeverJoined(Scope.all, 0))).replies)
    assert "1. Eka — Calon Guru Penggerak (CGP), SDN 3 Bandung" in text and "Dewi" not in text


async def test_district_button_and_forged_ones(deps, cohort):
    by_district = _text((await progress.press(deps, turn_of(cohort["kor"]), LateList(Scope.district, cohort["fajar"].id))).replies)
    assert "Kab. Garut" in by_district and "1. Fajar — PI 1" in by_district
    forged = _text((await progress.press(deps, turn_of(cohort["kor"]), LateList(Scope.district, cohort["rina"].id))).replies)
    assert "tidak berlaku" in forged
    pp_tries = _text((await progress.press(deps, turn_of(cohort["rina"]), Nudge(Scope.all, 0))).replies)
    assert "tidak berlaku" in pp_tries


async def test_pp_sees_one_line_per_mentee(deps, cohort):
    outcome = await progress.overview(deps, turn_of(cohort["rina"]))
    [reply] = outcome.replies
    lines = reply.text.splitlines()
    assert lines[3].startswith("1. Citra — PI 1: ✅")
    assert lines[4].startswith("2. Dewi — PI 1: ⏰")
    assert lines[5].startswith("3. Eka — PI 1: ⏰") and lines[5].endswith("belum bergabung")
    assert "Fajar" not in reply.text
    assert [b.label for row in reply.buttons for b in row] == ["Citra", "Dewi", "Eka"]


async def test_pp_pages_when_long(deps, db, cohort):
    async with db.session() as s:
        for n in range(20):
            await make_person(s, "cgp", mentor=cohort["budi"], name=f"Mentee {n:02d}")
    first = (await progress.overview(deps, turn_of(cohort["budi"]))).replies[0]
    assert "Halaman 1/2" in first.text and "15. Mentee 13" in first.text and "Mentee 14" not in first.text
    assert GLANCE.unpack(_buttons([first])["Berikutnya ▶️"]) == Page(1)
    second = (await progress.press(deps, turn_of(cohort["budi"]), Page(1))).replies[0]
    assert "Halaman 2/2" in second.text and "16. Mentee 14" in second.text and second.edit


async def test_the_chart_shows_the_tables_figures(deps, db, content, cohort):
    async with db.session() as s:
        people = await participants(s, await s.get(Person, cohort["kor"].id))
        today = date(2026, 3, 2)
        found = await standings(s, content, people, today)
        columns = columns_of(content, found, today)
        by_pp, by_district = groups_of(content, found, columns, await mentor_names(s, people))
    drawn = await chart(content, columns, by_pp, by_district, today)
    assert drawn.png.startswith(PNG) and drawn.columns == ("PI 1",)
    assert drawn.labels == ("Pak Budi", "Bu Rina")  # the most behind first
    assert drawn.values == ((0.0,), (1 / 3,))
    assert "0/1" in drawn.texts and "1/3" in drawn.texts


async def test_someone_who_left_is_keluar_for_their_pp_and_out_of_the_koordinators_figures(deps, db, cohort):
    async with db.session() as s:
        (await s.get(Person, cohort["dewi"].id)).left_at = NOW
    pp = _text((await progress.overview(deps, turn_of(cohort["rina"]))).replies)
    assert "2. Dewi (keluar) — PI 1" in pp
    koordinator = _text((await progress.overview(deps, turn_of(cohort["kor"]))).replies)
    assert "Seluruhnya: 2/3 CGP bergabung (67%) · terlambat: 2 orang" in koordinator
    assert "• Bu Rina: gabung 50% · PI 1 50% · ⏰ 1" in koordinator

"""Each morning a PP with news gets one digest: done with excerpts, late, due within 7 days."""
from __future__ import annotations

from datetime import date

from core.clock import FrozenClock
from scheduler.digest import plan_digests
from store.models import Answer, Event, FlowRun, Person, RunStatus
from tests.factories import make_cohort, make_person
from tests.scheduler.planning_support import WIB, WIT, plan_content, rows, utc  # noqa: F401


async def _group(db, pp_tz: str = WIB):
    async with db.session() as s:
        cohort = await make_cohort(s)
        pp = await make_person(s, "pp", cohort=cohort, timezone=pp_tz, name="Bu PP")
        ani = await make_person(s, "cgp", cohort=cohort, mentor=pp, name="Ani")
        budi = await make_person(s, "cgp", cohort=cohort, mentor=pp, name="Budi")
        await make_person(s, "cgp", cohort=cohort, mentor=pp, name="Citra")
    return pp, ani, budi


async def test_digest_lists_done_late_and_due_with_an_excerpt(db, plan_content):
    pp, ani, budi = await _group(db)
    now = utc(2025, 5, 12, 0, 30)  # Mon 12 May, 07:30 WIB
    async with db.session() as s:
        done = FlowRun(person_id=ani.id, flow_id="refleksi_pi3", content_version="t", status=RunStatus.submitted,
                       started_at=utc(2025, 5, 10), submitted_at=utc(2025, 5, 11, 9))
        s.add(done)
        await s.flush()
        s.add(Answer(run_id=done.id, question_id="rtl", value="Saya akan mencoba diferensiasi konten di kelas " * 4, content_version="t"))
        s.add(Answer(run_id=done.id, question_id="skor", value=4, content_version="t"))
        s.add(FlowRun(person_id=budi.id, flow_id="refleksi_pi3", content_version="t", started_at=utc(2025, 5, 2)))
        s.add(Event(kind="rpp_submit", number=0, person_id=budi.id, on_date=date(2025, 5, 15)))
        s.add(Event(kind="rpp_return", number=0, person_id=budi.id, on_date=date(2025, 5, 30)))  # beyond 7 days
    async with db.session() as s:
        assert await plan_digests(s, plan_content, FrozenClock(now)) == 1
        assert await plan_digests(s, plan_content, FrozenClock(now)) == 0  # once a day
        (digest,) = await rows(s, kind="digest")
    assert digest.person_id == pp.id and digest.dedupe_key == f"digest:{pp.id}:2025-05-12"
    text = digest.text
    assert "Selamat pagi, Bu PP" in text
    assert "Ani — Refleksi PI 3" in text and "“Saya akan mencoba diferensiasi" in text and "…”" in text
    assert "Budi — Refleksi PI 3 belum selesai (dimulai Jumat, 2 Mei 2025)" in text
    assert "Budi — Pengumpulan RPP, Kamis, 15 Mei 2025" in text
    assert "Citra" not in text and "dikembalikan" not in text


async def test_no_digest_when_there_is_nothing_to_report(db, plan_content):
    await _group(db)
    async with db.session() as s:
        assert await plan_digests(s, plan_content, FrozenClock(utc(2025, 5, 12, 0, 30))) == 0
        assert await rows(s, kind="digest") == []


async def test_digest_waits_for_the_morning_in_the_pps_zone(db, plan_content):
    pp, _, budi = await _group(db, WIT)
    async with db.session() as s:
        s.add(Event(kind="rpp_submit", number=0, person_id=budi.id, on_date=date(2025, 5, 15)))
    async with db.session() as s:
        assert await plan_digests(s, plan_content, FrozenClock(utc(2025, 5, 11, 21))) == 0  # 06:00 WIT
        assert await plan_digests(s, plan_content, FrozenClock(utc(2025, 5, 11, 22))) == 1  # 07:00 WIT


async def test_people_who_left_are_neither_in_a_digest_nor_get_one(db, plan_content):
    pp, ani, budi = await _group(db)
    now = utc(2025, 5, 12, 0, 30)  # Mon 12 May, 07:30 WIB
    async with db.session() as s:
        s.add(FlowRun(person_id=ani.id, flow_id="refleksi_pi3", content_version="t", started_at=utc(2025, 5, 2)))
        s.add(Event(kind="rpp_submit", number=0, person_id=budi.id, on_date=date(2025, 5, 15)))
        (await s.get(Person, budi.id)).left_at = now
        other = await make_person(s, "pp", name="Pak Keluar", left_at=now)
        mentee = await make_person(s, "cgp", mentor=other, name="Dodi")
        s.add(FlowRun(person_id=mentee.id, flow_id="refleksi_pi3", content_version="t", started_at=utc(2025, 5, 2)))
    async with db.session() as s:
        assert await plan_digests(s, plan_content, FrozenClock(now)) == 1
        (digest,) = await rows(s, kind="digest")
    assert digest.person_id == pp.id and "Ani" in digest.text and "Budi" not in digest.text

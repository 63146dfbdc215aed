"""The PP's companion without Telegram: drafts from earlier answers, the guide's mentee context, the guide's
planning, who may open a guide, and the follow-up reminders of the shipped rules."""
from __future__ import annotations

from datetime import date, datetime, timezone

import pytest
from sqlalchemy import select

from core.clock import FrozenClock
from core.content import Content, load_content
from flows import prefill
from flows.submit import Submitted
from program.calendar import set_lokakarya_date
from scheduler.planner import plan
from services import companion
from services.turn import Acting
from store.models import Acknowledgement, Answer, Event, FlowRun, OutboxMessage, Person, RunStatus
from tests.factories import make_cohort, make_person
from tests.services.conftest import turn_of


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=timezone.utc)


@pytest.fixture(scope="module")
def content(content_dir) -> Content:
    return load_content(content_dir)


async def _group(db):
    async with db.session() as s:
        cohort = await make_cohort(s)
        pp = await make_person(s, "pp", cohort=cohort, name="Bu Sari")
        cgp = await make_person(s, "cgp", cohort=cohort, mentor=pp, name="Pak Dodi", school="SMPN 2")
        other = await make_person(s, "pp", cohort=cohort, name="Pak Lain")
        for number, day in ((1, date(2026, 3, 12)), (2, date(2026, 4, 9)), (3, date(2026, 5, 14)), (4, date(2026, 6, 11))):
            await set_lokakarya_date(s, cohort, number, day)  # PI n a week before each
    return pp, cgp, other


async def _run(db, person, flow_id, answers, subject=None, status=RunStatus.submitted, at=utc(2026, 3, 5, 3)):
    async with db.session() as s:
        s.add(FlowRun(
            person_id=person.id, subject_id=subject.id if subject else None, flow_id=flow_id, content_version="t",
            started_at=at, submitted_at=at if status == RunStatus.submitted else None, status=status,
            answers=[Answer(question_id=q, value=v, content_version="t") for q, v in answers.items()],
        ))


async def test_a_jurnal_is_drafted_from_the_mentees_latest_sent_answers_only(db, content):
    pp, cgp, _ = await _group(db)
    await _run(db, cgp, "pi1", {"harapan_kekhawatiran": "Harapan murid aktif", "ide_baru": "Ide jurnal refleksi"})
    await _run(db, cgp, "pi2", {"perubahan_diri": "belum dikirim"}, status=RunStatus.draft)
    async with db.session() as s:
        one = await prefill.drafts(s, content, content.flows["jurnal_pi1"], pp.id, cgp.id)
        two = await prefill.drafts(s, content, content.flows["jurnal_pi2"], pp.id, cgp.id)
    assert one["bahas_tantangan_daring"] == "Harapan murid aktif"
    assert one["rencana_tindak_lanjut"] == "Ide jurnal refleksi"
    assert "tanggal_rtl" not in one and "bahas_portofolio" not in one  # nothing to draw on
    assert two == {}  # a draft of the mentee is not theirs to show yet


async def test_the_guide_carries_the_last_rtl_the_feedback_360_and_the_agreed_dates(db, content):
    pp, cgp, _ = await _group(db)
    await _run(db, pp, "jurnal_pi2", {"rencana_tindak_lanjut": "Rencana PP", "tanggal_rtl": "2026-04-20",
                                      "rtl_disepakati": "Menyusun RPP berdiferensiasi\n• Mengajak rekan diskusi"}, subject=cgp)
    async with db.session() as s:
        s.add(Acknowledgement(person_id=cgp.id, key="feedback360_pi3"))
        s.add(Event(kind="rpp_submit", number=0, person_id=cgp.id, on_date=date(2026, 5, 10), source="flow"))
    async with db.session() as s:
        guide = await companion.session_guide(s, content, pp, cgp, 3, FrozenClock(utc(2026, 5, 1)))
    assert guide.on == date(2026, 5, 7) and guide.pi == 3
    assert [(d.text, d.on) for d in guide.mentee.last_rtl] == [  # the date is the agreed items' (asked after them)
        ("Rencana PP", None), ("Menyusun RPP berdiferensiasi", date(2026, 4, 20)), ("Mengajak rekan diskusi", date(2026, 4, 20))]
    assert guide.mentee.feedback_360 == "done" and guide.mentee.reflection_sent is None
    assert [d.on for d in guide.mentee.agreed_dates] == [date(2026, 5, 10)]
    assert any(p.minutes for p in guide.parts) and any(p.checklist for p in guide.parts)


def test_the_next_pi_is_the_first_not_past(content):
    dates = {1: date(2026, 3, 5), 2: date(2026, 4, 2)}
    assert companion.next_pi(dates, date(2026, 3, 5), content) == 1
    assert companion.next_pi(dates, date(2026, 3, 6), content) == 2
    assert companion.next_pi(dates, date(2026, 5, 1), content) == 2
    assert companion.next_pi({}, date(2026, 5, 1), content) == 1


async def test_guides_are_planned_three_days_ahead_once(db, content):
    pp, cgp, _ = await _group(db)
    async with db.session() as s:
        assert await companion.plan_guides(s, content, FrozenClock(utc(2026, 2, 28, 3))) == 0  # PI 1 in 5 days
        assert await companion.plan_guides(s, content, FrozenClock(utc(2026, 3, 2, 3))) == 1
        assert await companion.plan_guides(s, content, FrozenClock(utc(2026, 3, 3, 3))) == 0
        row = await s.scalar(select(OutboxMessage).where(OutboxMessage.dedupe_key.like("guide:%")))
    assert row.person_id == pp.id and "Pak Dodi" in row.text and "menit" in row.text
    assert row.buttons[0][0]["data"] == companion.GuideDoc(cgp.id, 1).pack()


async def test_a_guide_already_queued_is_not_built_again(db, content, monkeypatch):
    """Planning runs every few minutes: a guide is built once, when its row is queued."""
    await _group(db)
    built, build = [], companion.session_guide

    async def counted(*args, **kwargs):
        built.append(args[3].id)
        return await build(*args, **kwargs)

    monkeypatch.setattr(companion, "session_guide", counted)
    async with db.session() as s:
        assert await companion.plan_guides(s, content, FrozenClock(utc(2026, 3, 2, 3))) == 1
        assert await companion.plan_guides(s, content, FrozenClock(utc(2026, 3, 2, 4))) == 0
    assert len(built) == 1


async def test_only_the_mentees_own_pp_gets_the_guide(db, content, deps_for):
    pp, cgp, other = await _group(db)
    deps = deps_for(content, FrozenClock(utc(2026, 3, 2, 3)))
    mine = await companion.press(deps, turn_of(pp), companion.GuideDoc(cgp.id, 1))
    theirs = await companion.press(deps, turn_of(other), companion.GuideDoc(cgp.id, 1))
    forged = await companion.press(deps, turn_of(pp), None)
    assert mine.replies[0].file[0] == "panduan_pi1_pak_dodi.docx" and "Pak Dodi" in mine.replies[0].text
    assert theirs.replies[0].text == forged.replies[0].text == content.text("companion.refused")
    assert theirs.replies[0].file is None


async def test_after_pi_4_the_cgp_prepares_pi_5_with_check_ins_and_the_pp_rates_keaktifan(db, content):
    pp, cgp, other = await _group(db)
    async with db.session() as s:
        await plan(s, content, FrozenClock(utc(2026, 6, 4, 3)), horizon_days=30)  # the day of PI 4
        prepare = await s.scalars(select(OutboxMessage).where(OutboxMessage.rule_id.like("pi5_persiapan%"))
                                  .order_by(OutboxMessage.due_at))
        prepare = [(r.rule_id, r.due_at.date(), r.person_id) for r in prepare]
        rating = list(await s.scalars(select(OutboxMessage).where(OutboxMessage.rule_id == "keaktifan_lokakarya_pp")))
    assert prepare == [("pi5_persiapan_mulai", date(2026, 6, 5), cgp.id), ("pi5_persiapan_cek", date(2026, 6, 11), cgp.id),
                       ("pi5_persiapan_cek", date(2026, 6, 18), cgp.id), ("pi5_persiapan_cek", date(2026, 6, 25), cgp.id)]
    assert sorted((r.person_id, r.due_at.date()) for r in rating) == [(pp.id, date(2026, 6, 12)), (other.id, date(2026, 6, 12))]
    assert "Lokakarya 4 sudah berlangsung" in rating[0].text


async def test_a_long_jurnal_comes_as_documents_and_lms_text_in_messages_telegram_takes(db, content, deps_for):
    pp, cgp, _ = await _group(db)
    long = "Catatan panjang tentang diskusi. " * 300  # ~9900 characters per answer
    answers = {q.id: long for q in content.flows["jurnal_pi1"].questions() if q.kind == "text"}
    await _run(db, pp, "jurnal_pi1", {**answers, "rtl_disepakati": "Butir RTL yang disepakati"}, subject=cgp)
    async with db.session() as s:
        person = await s.get(Person, pp.id)
        acting = Acting(deps_for(content, FrozenClock(utc(2026, 3, 6, 3))), s, person)
        replies = await companion.after_submit(acting, Submitted("jurnal_pi1", summary_to=[]))
    files = [r.file[0] for r in replies if r.file]
    assert files == ["jurnal_pi1_pak_dodi.docx", "jurnal_pi1_kelompok.docx"]
    texts = [r.text for r in replies if not r.file]
    assert len(texts) > 2 and all(len(t.encode("utf-16-le")) // 2 <= 4096 for t in texts)
    assert "Butir RTL yang disepakati" in "".join(texts)


async def test_guides_between_full_passes_are_planned_only_for_the_people_given(db, content):
    pp, cgp, other = await _group(db)
    clock = FrozenClock(utc(2026, 3, 2, 3))
    async with db.session() as s:
        assert await companion.plan_guides(s, content, clock, people=[]) == 0
        assert await companion.plan_guides(s, content, clock, people=[other.id]) == 0  # not the mentee's PP
        assert await companion.plan_guides(s, content, clock, people=[cgp.id]) == 1  # the mentee: their PP's guide

"""Privacy use cases without Telegram: the consent gate, erasure keeping the counts, a purge's dry run, days off."""
from __future__ import annotations

from datetime import date, datetime, timezone

import pytest
from sqlalchemy import func, select

from core.clock import FrozenClock
from core.consent import notice_version
from core.parsing import parse_date
from program.holidays import NewDayOff, is_days_off_file, read_days_off
from services import audit, privacy, privacy_data, reflection
from services.privacy_callbacks import Agree, Decline
from store.models import Answer, AuditEntry, FlowRun, Person, RunStatus
from tests.factories import make_cohort, make_person
from tests.services.conftest import turn_of

NOW = datetime(2026, 3, 2, 3, 0, tzinfo=timezone.utc)


@pytest.fixture
def deps(deps_for, content):
    return deps_for(content, FrozenClock(NOW))


async def _with_run(db, status=RunStatus.submitted, **fields):
    async with db.session() as s:
        cohort = await make_cohort(s)
        pp = await make_person(s, "pp", cohort=cohort, name="PP")
        cgp = await make_person(s, "cgp", cohort=cohort, mentor=pp, name="Citra", **fields)
        run = FlowRun(person_id=cgp.id, flow_id="pi1", content_version="t", status=status)
        run.answers.append(Answer(question_id="proses_sebulan", value="Rahasia", content_version="t"))
        run.answers.append(Answer(question_id="foto", value=[{"kind": "photo", "file_id": "F"}], content_version="t"))
        s.add(run)
    return cohort, cgp


async def test_without_consent_only_the_notice_and_its_buttons_pass(db, deps, content):
    _, cgp = await _with_run(db, consent_version=None)
    menu = await reflection.menu(deps, turn_of(cgp))
    assert "Pemberitahuan data pribadi" in menu.replies[0].text
    assert [b.label for b in menu.replies[0].buttons[0]] == ["Setuju", "Tidak setuju"]
    declined = await privacy.press(deps, turn_of(cgp, ("button", Decline().pack())), Decline())
    assert "tidak menyetujui" in declined.replies[0].text
    agreed = await privacy.press(deps, turn_of(cgp, ("button", Agree().pack())), Agree())
    assert "Selamat datang di Pendamping, Citra" in agreed.replies[0].text
    async with db.session() as s:
        person = await s.get(Person, cgp.id)
        assert person.consent_version == notice_version(content) and person.consent_at == NOW
    assert "Pilih refleksi" in (await reflection.menu(deps, turn_of(cgp))).replies[0].text


async def test_erase_removes_answers_and_the_link_but_keeps_the_submitted_run(db, content):
    _, cgp = await _with_run(db)
    async with db.session() as s:
        person = await s.get(Person, cgp.id)
        held = await privacy_data.erase(s, content, person, NOW)
    assert (held.runs, held.answers, held.files) == (1, 2, 1)
    async with db.session() as s:
        person = await s.get(Person, cgp.id)
        assert person.name == f"Peserta terhapus #{cgp.id}" and person.tg_user_id is None and person.external_id is None
        assert await s.scalar(select(func.count()).select_from(Answer)) == 0
        assert await s.scalar(select(FlowRun.status)) is RunStatus.submitted


async def test_a_purge_dry_run_counts_and_changes_nothing(db, deps):
    cohort, _ = await _with_run(db, status=RunStatus.draft)
    ok, text = await privacy.purge(deps, cohort.code, None, dry_run=True)
    assert ok and "1 isian berisi 2 jawaban dan 1 berkas/foto; data pribadi 2 orang" in text
    async with db.session() as s:
        assert await s.scalar(select(func.count()).select_from(Answer)) == 2
        assert await s.scalar(select(func.count()).select_from(AuditEntry)) == 0
    ok, text = await privacy.purge(deps, cohort.code, date(2026, 1, 1), dry_run=False)  # runs are newer: kept
    assert ok and "dihapus 0 isian" in text
    ok, _ = await privacy.purge(deps, cohort.code, None, dry_run=False)
    async with db.session() as s:
        assert await s.scalar(select(func.count()).select_from(Answer)) == 0
        assert await s.scalar(select(func.count()).select_from(FlowRun)) == 0  # a draft goes entirely
        assert await s.scalar(select(func.count()).select_from(AuditEntry).where(AuditEntry.action == "purge")) == 2


def test_a_days_off_file_is_told_from_others_and_read_all_or_nothing():
    assert is_days_off_file("tanggal;libur;provinsi\n")
    assert not is_days_off_file("angkatan,lokakarya,tanggal\n") and not is_days_off_file("id,nama,peran\n")
    parse = lambda text: parse_date(text, date(2026, 3, 1))  # noqa: E731
    days, bad = read_days_off("tanggal,libur,provinsi\n17/3/2026,Rapat,\n2026-03-20,Hari jadi,Bali\n", parse)
    assert days == [NewDayOff(date(2026, 3, 17), "Rapat"), NewDayOff(date(2026, 3, 20), "Hari jadi", "Bali")] and bad == []
    _, bad = read_days_off("tanggal,libur\nbesok lusa kapan,Rapat\n2026-03-20,\n", parse)
    assert bad == [2, 3]


async def test_riwayat_shows_a_cohorts_koordinator_only_what_concerns_the_cohort(db, deps_for, content):
    async with db.session() as s:
        a, b = await make_cohort(s, "A"), await make_cohort(s, "B")
        kor_a = await make_person(s, "koordinator", cohort=a, name="Koord A")
        kor_b = await make_person(s, "koordinator", cohort=b, name="Koord B")
        everyone = await make_person(s, "koordinator", name="Koord Pusat")
        for actor, action in ((kor_a, "export"), (kor_b, "broadcast"), (everyone, "roster_import"), (None, "purge")):
            await audit.record(s, actor, action)
    deps = deps_for(content, FrozenClock(datetime(2026, 3, 2, 3, 0, tzinfo=timezone.utc)))
    shown = (await audit.riwayat(deps, turn_of(kor_a))).replies[0].text
    assert "Koord A" in shown and "Koord Pusat" in shown and "Koord B" not in shown
    assert content.text("audit.command_line") in shown
    assert "Koord B" in (await audit.riwayat(deps, turn_of(everyone))).replies[0].text  # no cohort: all of them

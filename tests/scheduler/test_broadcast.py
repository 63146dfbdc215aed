"""Broadcasts expand to one outbox row per recipient, can be cancelled, and report their delivery."""
from __future__ import annotations

import time as perf
from datetime import datetime, time, timedelta, timezone

import pytest
from sqlalchemy import func, select

from core.clock import FrozenClock
from scheduler.broadcasts import (
    Audience, broadcast_from_cli, broadcast_report, cancel_broadcast, create_broadcast,
    forecast, plan_broadcast_reports,
)
from scheduler.sender import OutboxSender
from store.models import Broadcast, OutboxMessage, OutboxStatus, Person
from tests.factories import make_cohort, make_person
from tests.scheduler.sendkit import FakeSender, fast_budget, texts_content

NOW = datetime(2026, 3, 2, 3, 0, tzinfo=timezone.utc)
CONTENT = texts_content()


async def world(s):
    a1, b2 = await make_cohort(s, "A1"), await make_cohort(s, "B2")
    kor = await make_person(s, "koordinator", name="Pak Koor")
    pp = await make_person(s, "pp", cohort=a1, name="Bu Rina")
    pp2 = await make_person(s, "pp", cohort=b2)
    cgps = [
        await make_person(s, mentor=pp, cohort=a1, school="SMPN 1 Ambon", district="Kota Ambon", name="Andi"),
        await make_person(s, mentor=pp, cohort=a1, school="SMPN 2 Ambon", district="Kota Ambon", name="Budi", joined=False),
        await make_person(s, mentor=pp2, cohort=b2, school="SDN 3 Jayapura", district="Kota Jayapura", name="Citra"),
    ]
    return kor, pp, pp2, cgps


async def recipients(s, creator, audience: Audience) -> list[str]:
    """The names of the people a broadcast to `audience` is queued for, by name."""
    b = await create_broadcast(s, creator, audience, "Halo", NOW)
    return list((await s.scalars(select(Person.name).join(OutboxMessage, OutboxMessage.person_id == Person.id)
                                 .where(OutboxMessage.broadcast_id == b.id).order_by(Person.name))).all())


@pytest.mark.parametrize(("audience", "names"), [
    (Audience("all"), {"Pak Koor", "Bu Rina", "Andi", "Budi", "Citra", "pp2"}),
    (Audience("role", "cgp"), {"Andi", "Budi", "Citra"}),
    (Audience("cohort", "A1"), {"Bu Rina", "Andi", "Budi"}),
    (Audience("school", "SMPN 2 Ambon"), {"Budi"}),
    (Audience("district", "Kota Ambon"), {"Andi", "Budi"}),
])
async def test_audiences_select_the_right_people(db, audience, names):
    async with db.session() as s:
        kor, pp, pp2, cgps = await world(s)
        pp2.name = "pp2"
        assert set(await recipients(s, kor, audience)) == names
        expected = await forecast(s, audience, NOW, "Asia/Jakarta")
        assert (expected.now, expected.not_joined) == (len(names) - ("Budi" in names), int("Budi" in names))


async def test_mentor_group_is_a_pps_mentees(db):
    async with db.session() as s:
        kor, pp, pp2, cgps = await world(s)
        assert await recipients(s, kor, Audience("mentor_group", str(pp.id))) == ["Andi", "Budi"]


def test_audience_rejects_nonsense():
    for bad in (("all", "x"), ("role", None), ("role", "raja"), ("mentor_group", "Bu Rina"), ("planet", "x")):
        with pytest.raises(ValueError):
            Audience(*bad)


async def test_create_expands_once_per_recipient_and_cancel_stops_pending(db):
    async with db.session() as s:
        kor, pp, pp2, cgps = await world(s)
        b = await create_broadcast(s, kor, Audience("role", "cgp"), "Halo CGP", NOW + timedelta(hours=1))
    async with db.session() as s:
        rows = (await s.execute(select(OutboxMessage).where(OutboxMessage.broadcast_id == b.id))).scalars().all()
        assert sorted(r.dedupe_key for r in rows) == sorted(f"b:{b.id}:{p.id}" for p in cgps)
        assert {(r.kind, r.text, r.due_at, r.status) for r in rows} == {
            ("broadcast", "Halo CGP", NOW + timedelta(hours=1), OutboxStatus.pending)}
        assert await cancel_broadcast(s, b.id) == 3
        assert await cancel_broadcast(s, b.id) is None
    async with db.session() as s:
        statuses = (await s.execute(select(OutboxMessage.status).where(OutboxMessage.broadcast_id == b.id))).scalars().all()
        assert set(statuses) == {OutboxStatus.cancelled}
        assert (await s.get(Broadcast, b.id)).status == "cancelled"


async def test_twenty_thousand_recipients_expand_quickly(db):
    async with db.session() as s:
        kor = await make_person(s, "koordinator")
        await s.execute(Person.__table__.insert(), [
            {"name": f"CGP {i}", "role": "cgp", "tg_user_id": 10_000_000 + i, "tg_chat_id": 10_000_000 + i,
             "external_id": f"X{i}"} for i in range(20_000)])
    async with db.session() as s:
        started = perf.perf_counter()
        b = await create_broadcast(s, kor, Audience("role", "cgp"), "Pengumuman", NOW)
    elapsed = perf.perf_counter() - started
    async with db.session() as s:
        assert await s.scalar(select(func.count()).select_from(OutboxMessage).where(OutboxMessage.broadcast_id == b.id)) == 20_000
    assert elapsed < 3.0, f"expansion took {elapsed:.2f} s"


async def test_report_after_delivery_counts_outcomes_and_names_never_joined(db):
    clock = FrozenClock(NOW)
    async with db.session() as s:
        kor, pp, pp2, cgps = await world(s)
        andi, budi, citra = cgps
        b = await create_broadcast(s, kor, Audience("role", "cgp"), "Halo", NOW)
    # Citra has blocked the bot; Budi never joined.
    fake = FakeSender(unreachable={citra.tg_chat_id})
    async with db.session() as s:
        assert await plan_broadcast_reports(s, CONTENT, clock) == 0  # nothing sent yet
    async with OutboxSender(db, fake, CONTENT, clock, fast_budget(), "w") as sender:
        await sender.drain_once()
    async with db.session() as s:
        report = await broadcast_report(s, b.id, NOW, CONTENT.default_tz)
        assert (report.sent, report.failed, report.blocked, report.pending) == (1, 0, 1, 0)
        assert report.never_joined_names == ["Budi"]
        assert await plan_broadcast_reports(s, CONTENT, clock) == 1
    async with db.session() as s:
        assert await plan_broadcast_reports(s, CONTENT, clock) == 0  # reported once
        notice = (await s.execute(select(OutboxMessage).where(OutboxMessage.dedupe_key == f"b:{b.id}:report"))).scalar_one()
        assert notice.person_id == kor.id
        assert "terkirim 1, gagal 0, diblokir 1, menunggu 0" in notice.text and "Budi" in notice.text
        assert (await s.get(Broadcast, b.id)).status == "done"
    async with OutboxSender(db, fake, CONTENT, clock, fast_budget(), "w") as sender:
        await sender.drain_once()
    async with db.session() as s:
        assert (await s.get(OutboxMessage, notice.id)).status == OutboxStatus.sent
        assert (await broadcast_report(s, b.id, NOW, CONTENT.default_tz)).sent == 1  # the report is no recipient's message


async def test_people_who_left_are_in_no_audience_or_count_and_blocked_people_still_are(db):
    async with db.session() as s:
        kor, pp, pp2, cgps = await world(s)
        andi, budi, citra = cgps
        andi.left_at, budi.left_at, citra.blocked_at = NOW, NOW, NOW  # Budi left before ever joining
        for audience in (Audience("all"), Audience("role", "cgp"), Audience("cohort", "A1"), Audience("mentor_group", str(pp.id))):
            assert "Andi" not in await recipients(s, kor, audience)
        expected = await forecast(s, Audience("role", "cgp"), NOW, "Asia/Jakarta")
        assert (expected.total, expected.unreachable, expected.not_joined) == (1, 1, 0)  # Citra, blocked, still counts
        b = await create_broadcast(s, kor, Audience("role", "cgp"), "Halo", NOW)
        assert [r.person_id for r in (await s.execute(select(OutboxMessage).where(OutboxMessage.broadcast_id == b.id))).scalars()] == [citra.id]


async def test_a_person_who_left_after_the_broadcast_was_queued_counts_nowhere(db):
    clock = FrozenClock(NOW)
    async with db.session() as s:
        kor, pp, pp2, cgps = await world(s)
        andi, budi, citra = cgps
        b = await create_broadcast(s, kor, Audience("role", "cgp"), "Halo", NOW)
        andi.left_at, budi.left_at, citra.blocked_at = NOW, NOW, NOW
    async with OutboxSender(db, FakeSender(), CONTENT, clock, fast_budget(), "w") as sender:
        await sender.drain_once()
    async with db.session() as s:
        report = await broadcast_report(s, b.id, NOW, CONTENT.default_tz)
        assert (report.sent, report.failed, report.blocked, report.pending) == (0, 0, 1, 0)
        assert report.never_joined_names == []


async def test_report_waits_while_rows_are_deferred(db):
    evening = datetime(2026, 3, 2, 15, 0, tzinfo=timezone.utc)  # 22:00 WIB
    clock = FrozenClock(evening)
    async with db.session() as s:
        kor, pp, pp2, cgps = await world(s)
        b = await create_broadcast(s, kor, Audience("cohort", "A1"), "Halo", evening)
    async with OutboxSender(db, FakeSender(), CONTENT, clock, fast_budget(), "w") as sender:
        await sender.drain_once()
    async with db.session() as s:
        report = await broadcast_report(s, b.id, evening, CONTENT.default_tz)
        assert (report.pending, report.quiet, report.quiet_ends) == (0, 2, (time(6),))
        assert await plan_broadcast_reports(s, CONTENT, clock) == 0


@pytest.mark.parametrize("urgent", [False, True])
async def test_the_report_keeps_the_koordinators_quiet_hours_unless_the_broadcast_was_urgent(db, urgent):
    """Found by bench.cohort: the report of a broadcast finished late at night rang the koordinator at 00:00."""
    clock = FrozenClock(NOW)
    async with db.session() as s:
        kor, pp, pp2, cgps = await world(s)
        b = await create_broadcast(s, kor, Audience("cohort", "A1"), "Halo", NOW, urgent=urgent)
    async with OutboxSender(db, FakeSender(), CONTENT, clock, fast_budget(), "w") as sender:
        await sender.drain_once()
    clock.set(datetime(2026, 3, 2, 17, 0, tzinfo=timezone.utc))  # 00:00 WIB: the reports job runs at midnight
    async with db.session() as s:
        assert await plan_broadcast_reports(s, CONTENT, clock) == 1
        row = await s.scalar(select(OutboxMessage).where(OutboxMessage.broadcast_id == b.id, OutboxMessage.kind == "notice"))
        assert row.person_id == kor.id and row.respect_quiet_hours is not urgent


async def test_cli_broadcast_parses_the_audience(db):
    async with db.session() as s:
        kor, pp, pp2, cgps = await world(s)
        pp.external_id = "PP-7"
        b, expected = await broadcast_from_cli(s, CONTENT, "mentor_group=PP-7", "Halo kelompok", NOW)
        assert (expected.now, expected.not_joined) == (1, 1) and b.created_by == kor.id
        b2, expected = await broadcast_from_cli(s, CONTENT, "all", "Halo semua", NOW)
        assert expected.now == 5
        for bad in ("role=raja", "mentor_group=nobody", "cohort"):
            with pytest.raises(ValueError):
                await broadcast_from_cli(s, CONTENT, bad, "x", NOW)


async def test_cli_broadcast_is_reported_to_a_koordinator_still_in_the_program(db):
    async with db.session() as s:
        kor, pp, pp2, cgps = await world(s)
        kor.left_at = NOW
        second = await make_person(s, "koordinator", name="Bu Koor")
        b, _ = await broadcast_from_cli(s, CONTENT, "all", "Halo semua", NOW)
        assert b.created_by == second.id

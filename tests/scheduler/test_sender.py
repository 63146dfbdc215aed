"""The outbox sender delivers each due row once and handles 429, 403, transient errors and quiet hours."""
from __future__ import annotations

import asyncio
import time as clock_time
from types import SimpleNamespace
from datetime import datetime, time, timedelta, timezone

import pytest
from sqlalchemy import select, text

from core.clock import FrozenClock
from core.foreground import Foreground
from services.background import OutboxAlarm
from store.outbox import wake_rows
from core.ratelimit import RateBudget
from scheduler.sender import (
    REPLIES_FIRST, DrainStats, MaybeSent, OutboxSender, due_rows_query, PermanentError, RetryLater, TransientError,
)
from scheduler import sender as sender_module
from scheduler.chat_member import on_blocked
from store.models import OutboxMessage, OutboxStatus, Person
from tests.factories import make_person
from tests.scheduler.sendkit import FakeSender, add_row, fast_budget, texts_content

# 03:00 UTC = 10:00 WIB = 12:00 WIT: outside quiet hours everywhere in Indonesia.
NOON = datetime(2026, 3, 2, 3, 0, tzinfo=timezone.utc)
CONTENT = texts_content()


def make_sender(db, fake, clock, **kw) -> OutboxSender:
    return OutboxSender(db, fake, CONTENT, clock, kw.pop("budget", fast_budget()), "w1", **kw)


async def drain(db, fake, clock, **kw) -> DrainStats:
    async with make_sender(db, fake, clock, **kw) as sender:
        return await sender.drain_once()


async def rows_by_key(db) -> dict[str, OutboxMessage]:
    async with db.session() as s:
        return {r.dedupe_key: r for r in (await s.execute(select(OutboxMessage))).scalars()}


async def test_each_due_row_is_sent_once_in_order_and_marked(db):
    clock = FrozenClock(NOON)
    async with db.session() as s:
        a, b = await make_person(s), await make_person(s)
        for i in range(20):
            await add_row(s, a if i % 2 else b, f"k{i:02d}", NOON - timedelta(minutes=40 - i))
        await add_row(s, a, "later", NOON + timedelta(minutes=1))
        chats = {a.id: a.tg_chat_id, b.id: b.tg_chat_id}
    fake = FakeSender()
    stats = await drain(db, fake, clock, batch_size=3)
    assert stats.sent == 20 and fake.calls and len(fake.calls) == 20
    assert fake.texts_to(chats[a.id]) == [f"pesan k{i:02d}" for i in range(1, 20, 2)]
    rows = await rows_by_key(db)
    assert rows["later"].status == OutboxStatus.pending
    assert all(r.status == OutboxStatus.sent and r.sent_at == NOON and r.telegram_message_id
               for k, r in rows.items() if k != "later")
    assert (await drain(db, fake, clock)).sent == 0
    clock.set(NOON + timedelta(minutes=2))
    assert (await drain(db, fake, clock)).sent == 1
    assert len(fake.calls) == 21


async def test_buttons_attachments_and_silent_flag_are_passed(db):
    buttons = [[{"text": "Sudah selesai", "data": "s:done:1"}]]
    photo = {"kind": "photo", "file_id": "F1", "caption": "foto"}
    async with db.session() as s:
        p = await make_person(s)
        await add_row(s, p, "loud", NOON, buttons=buttons)
        await add_row(s, p, "quiet", NOON + timedelta(seconds=1), silent=True, attachments=[photo])
    fake = FakeSender()
    await drain(db, fake, FrozenClock(NOON + timedelta(seconds=5)))
    assert [(c.text, c.buttons, c.silent, c.attachment) for c in fake.calls] == [
        ("pesan loud", buttons, False, None), ("pesan quiet", None, True, None), (None, None, True, photo)]


async def test_not_joined_rows_wait_until_the_person_has_a_chat(db):
    async with db.session() as s:
        p = await make_person(s, joined=False)
        await add_row(s, p, "k", NOON - timedelta(days=3), kind="summary")
        await add_row(s, p, "stale", NOON - timedelta(days=4))
        await add_row(s, p, "fresh", NOON - timedelta(days=1))
    fake = FakeSender()
    assert (await drain(db, fake, FrozenClock(NOON))).sent == 0
    assert {r.status for r in (await rows_by_key(db)).values()} == {OutboxStatus.waiting}  # parked off the due index
    async with db.session() as s:
        person = await s.get(Person, p.id)
        person.tg_user_id = person.tg_chat_id = 555
        assert await wake_rows(s, p.id, NOON) == 2
    assert (await drain(db, fake, FrozenClock(NOON))).sent == 2
    assert {c.chat_id for c in fake.calls} == {555}
    assert (await rows_by_key(db))["stale"].status == OutboxStatus.cancelled


async def test_429_pauses_the_whole_sender_then_retries(db):
    async with db.session() as s:
        p, q = await make_person(s), await make_person(s)
        await add_row(s, p, "p1", NOON)
        await add_row(s, q, "q1", NOON + timedelta(seconds=1))
    budget = fast_budget()
    fake = FakeSender(errors={p.tg_chat_id: [RetryLater(0.4)]})
    started = clock_time.monotonic()
    stats = await drain(db, fake, FrozenClock(NOON + timedelta(seconds=2)), budget=budget, batch_size=1)
    assert (stats.sent, stats.retried) == (2, 1)
    # The 429 row was retried, and the other chat's row also waited out the retry_after.
    assert [c.chat_id for c in fake.calls] == [p.tg_chat_id, q.tg_chat_id]
    assert min(c.at for c in fake.calls) - started >= 0.4
    assert all(r.status == OutboxStatus.sent for r in (await rows_by_key(db)).values())


async def test_403_marks_person_blocked_tells_mentor_once_and_continues(db):
    clock = FrozenClock(NOON)
    async with db.session() as s:
        pp = await make_person(s, "pp")
        cgp = await make_person(s, mentor=pp, name="Bu Sari")
        other = await make_person(s)
        for i in range(3):
            await add_row(s, cgp, f"c{i}", NOON - timedelta(minutes=3 - i))
        await add_row(s, other, "o", NOON)
    fake = FakeSender(unreachable={cgp.tg_chat_id})
    stats = await drain(db, fake, clock, batch_size=2)
    assert stats.blocked == 1
    rows = await rows_by_key(db)
    assert rows["c0"].status == OutboxStatus.blocked and "blocked" in rows["c0"].last_error
    assert {rows["c1"].status, rows["c2"].status} <= {OutboxStatus.pending, OutboxStatus.waiting}  # kept, not sent
    assert rows["o"].status == OutboxStatus.sent
    notices = [r for r in rows.values() if r.kind == "notice"]
    assert len(notices) == 1 and notices[0].person_id == pp.id and "Bu Sari" in notices[0].text
    async with db.session() as s:
        person = await s.get(Person, cgp.id)
        assert person.blocked_at == NOON and not person.reachable
    # Still blocked: nothing more is tried for them and the mentor is told exactly once, in this
    # drain or already in the first one (the notice is queued while the first drain is running).
    stats = await drain(db, fake, clock)
    assert stats.blocked == 0
    to_mentor = [c for c in fake.calls if c.chat_id == pp.tg_chat_id]
    assert [c.text for c in to_mentor] == [notices[0].text]
    rows = await rows_by_key(db)
    assert len([r for r in rows.values() if r.kind == "notice"]) == 1
    assert rows["c1"].status == rows["c2"].status == OutboxStatus.waiting  # parked until the person is back


async def test_transient_errors_back_off_then_fail(db):
    clock = FrozenClock(NOON)
    async with db.session() as s:
        p = await make_person(s)
        await add_row(s, p, "k", NOON)
    fake = FakeSender(errors={p.tg_chat_id: [TransientError("Timed out")] * 3})
    async with make_sender(db, fake, clock, max_attempts=3, backoff_seconds=10) as sender:
        assert (await sender.drain_once()).retried == 1
        row = (await rows_by_key(db))["k"]
        assert (row.status, row.attempts, row.due_at) == (OutboxStatus.pending, 1, NOON + timedelta(seconds=10))
        assert row.last_error == "TransientError: Timed out"
        clock.set(NOON + timedelta(seconds=9))
        assert (await sender.drain_once()).retried == 0  # not due yet
        clock.set(NOON + timedelta(seconds=10))
        await sender.drain_once()
        row = (await rows_by_key(db))["k"]
        assert (row.attempts, row.due_at) == (2, NOON + timedelta(seconds=30))  # 10 s, then 20 s
        clock.set(NOON + timedelta(seconds=30))
        assert (await sender.drain_once()).failed == 1
        row = (await rows_by_key(db))["k"]
        assert (row.status, row.attempts) == (OutboxStatus.failed, 3)
        assert fake.calls == []


async def test_transient_error_then_success_is_sent(db):
    clock = FrozenClock(NOON)
    async with db.session() as s:
        p = await make_person(s)
        await add_row(s, p, "k", NOON)
    fake = FakeSender(errors={p.tg_chat_id: [TransientError("502 Bad Gateway")]})
    async with make_sender(db, fake, clock, backoff_seconds=5) as sender:
        await sender.drain_once()
        clock.set(NOON + timedelta(seconds=5))
        assert (await sender.drain_once()).sent == 1
        row = (await rows_by_key(db))["k"]
        assert (row.status, row.attempts) == (OutboxStatus.sent, 1)


async def test_a_timed_out_send_is_retried_and_marked_maybe_duplicate(db):
    clock = FrozenClock(NOON)
    async with db.session() as s:
        p, q = await make_person(s), await make_person(s)
        await add_row(s, p, "timed-out", NOON)
        await add_row(s, q, "refused", NOON)
    fake = FakeSender(errors={p.tg_chat_id: [MaybeSent("Timed out")], q.tg_chat_id: [TransientError("502")]})
    async with make_sender(db, fake, clock, backoff_seconds=5) as sender:
        await sender.drain_once()
        clock.set(NOON + timedelta(seconds=5))
        assert (await sender.drain_once()).sent == 2
    rows = await rows_by_key(db)
    assert rows["timed-out"].status == OutboxStatus.sent and rows["timed-out"].maybe_duplicate
    assert rows["refused"].status == OutboxStatus.sent and not rows["refused"].maybe_duplicate


async def test_recovery_requeues_only_our_own_leftover_claims_and_those_of_the_dead(db):
    clock = FrozenClock(NOON)
    async with db.session() as s:
        p = await make_person(s)
        for key in ("ours", "dead", "live"):
            await add_row(s, p, key, NOON, status=OutboxStatus.sending, claimed_at=NOON)
    other = OutboxSender(db, FakeSender(), CONTENT, clock, fast_budget(), "w2")
    async with make_sender(db, FakeSender(), clock) as sender, other:
        rows = await rows_by_key(db)  # unknown claimers are gone: taken over at the first start
        assert {(r.status, r.maybe_duplicate) for r in rows.values()} == {(OutboxStatus.pending, True)}
        async with db.session() as s:
            for key, claimer in (("ours", sender.worker_id), ("live", other.worker_id)):
                await s.execute(text("UPDATE outbox SET status = 'sending', claimed_by = :w, maybe_duplicate = false "
                                     "WHERE dedupe_key = :k"), {"w": claimer, "k": key})
        assert await sender.recover() == 1
        rows = await rows_by_key(db)
        assert (rows["ours"].status, rows["ours"].maybe_duplicate) == (OutboxStatus.pending, True)
        assert (rows["live"].status, rows["live"].claimed_by) == (OutboxStatus.sending, other.worker_id)


async def test_permanent_error_fails_at_once(db):
    async with db.session() as s:
        p = await make_person(s)
        await add_row(s, p, "k", NOON)
    fake = FakeSender(errors={p.tg_chat_id: [PermanentError("Bad Request: message is too long")]})
    assert (await drain(db, fake, FrozenClock(NOON))).failed == 1
    row = (await rows_by_key(db))["k"]
    assert row.status == OutboxStatus.failed and "too long" in row.last_error and row.attempts == 0


async def test_quiet_hours_defer_in_each_persons_zone(db):
    # 22:30 UTC is 05:30 WIB (quiet until 06:00) but 07:30 WIT.
    at = datetime(2026, 3, 2, 22, 30, tzinfo=timezone.utc)
    async with db.session() as s:
        wib = await make_person(s, timezone="Asia/Jakarta")
        wit = await make_person(s, timezone="Asia/Jayapura")
        owl = await make_person(s, timezone="Asia/Jakarta", quiet_start=time(23, 0), quiet_end=time(5, 0))
        for p in (wib, wit, owl):
            await add_row(s, p, f"r{p.id}", at)
        await add_row(s, wib, "urgent", at, respect_quiet_hours=False)
    fake = FakeSender()
    clock = FrozenClock(at)
    stats = await drain(db, fake, clock)
    assert (stats.sent, stats.deferred) == (3, 1)
    assert sorted(c.chat_id for c in fake.calls) == sorted([wit.tg_chat_id, owl.tg_chat_id, wib.tg_chat_id])
    rows = await rows_by_key(db)
    deferred = rows[f"r{wib.id}"]
    assert deferred.status == OutboxStatus.pending
    assert deferred.due_at == datetime(2026, 3, 2, 23, 0, tzinfo=timezone.utc)  # 06:00 WIB
    clock.set(deferred.due_at)
    assert (await drain(db, fake, clock)).sent == 1


async def test_quiet_hours_evening_in_wit_waits_until_morning(db):
    at = datetime(2026, 3, 2, 12, 30, tzinfo=timezone.utc)  # 19:30 WIB, 21:30 WIT
    async with db.session() as s:
        wib = await make_person(s, timezone="Asia/Jakarta")
        wit = await make_person(s, timezone="Asia/Jayapura")
        await add_row(s, wib, "wib", at)
        await add_row(s, wit, "wit", at)
    fake = FakeSender()
    await drain(db, fake, FrozenClock(at))
    assert [c.chat_id for c in fake.calls] == [wib.tg_chat_id]
    assert (await rows_by_key(db))["wit"].due_at == datetime(2026, 3, 2, 21, 0, tzinfo=timezone.utc)  # 06:00 WIT


async def test_a_block_at_night_tells_the_mentor_when_their_quiet_hours_end(db):
    night = datetime(2026, 10, 10, 17, 0, tzinfo=timezone.utc)  # 00:00 WIB (the cohort run's mismatch: a harness race)
    clock = FrozenClock(night)
    async with db.session() as s:
        pp = await make_person(s, "pp")
        cgp = await make_person(s, mentor=pp, name="Bu Sari")
        assert await on_blocked(s, CONTENT, cgp, clock)
    fake = FakeSender()
    assert (await drain(db, fake, clock)).deferred == 1 and fake.calls == []
    [notice] = (await rows_by_key(db)).values()
    assert notice.due_at == datetime(2026, 10, 10, 23, 0, tzinfo=timezone.utc)  # 06:00 WIB
    clock.set(notice.due_at)
    assert (await drain(db, fake, clock)).sent == 1 and fake.texts_to(pp.tg_chat_id)[0].startswith("Pesan Pendamping untuk Bu Sari")


async def test_due_query_uses_the_partial_index(db):
    async with db.session() as s:
        dialect = s.get_bind().dialect
        compiled = due_rows_query(NOON, 10).compile(dialect=dialect, compile_kwargs={"literal_binds": True})
        if not db.is_sqlite:
            await s.execute(text("SET LOCAL enable_seqscan = off"))
        explain = "EXPLAIN QUERY PLAN " if db.is_sqlite else "EXPLAIN "
        plan = " ".join(str(r) for r in (await s.execute(text(explain + str(compiled)))).all())
    assert "ix_outbox_pending_due" in plan


async def test_run_picks_up_new_rows_until_stopped(db):
    clock = FrozenClock(NOON)
    async with db.session() as s:
        p = await make_person(s)
        await add_row(s, p, "first", NOON)
    fake = FakeSender()
    stop = asyncio.Event()
    async with make_sender(db, fake, clock) as sender, OutboxAlarm(db, clock) as alarm:
        task = asyncio.create_task(sender.run(stop, alarm))
        await asyncio.sleep(0.2)
        async with db.session() as s:
            await add_row(s, p, "second", NOON)
        await asyncio.sleep(0.3)
        stop.set()
        await asyncio.wait_for(task, 2)
    assert [c.text for c in fake.calls] == ["pesan first", "pesan second"]


async def test_drain_for_sends_when_a_row_falls_due_then_returns_in_time(db):
    clock = FrozenClock(NOON)
    async with db.session() as s:
        p = await make_person(s)
        await add_row(s, p, "now", NOON)
        await add_row(s, p, "soon", NOON + timedelta(minutes=1))
    fake = FakeSender()
    async with make_sender(db, fake, clock) as sender, OutboxAlarm(db, clock) as alarm:

        async def later():
            await asyncio.sleep(0.2)
            assert len(fake.calls) == 1
            clock.set(NOON + timedelta(minutes=1))

        started = clock_time.monotonic()
        stats, _ = await asyncio.gather(sender.drain_for(0.6, alarm), later())
        assert 0.5 <= clock_time.monotonic() - started < 1.5
        assert stats.sent == 2 and len(fake.calls) == 2


class CountingBudget:
    """fast_budget() that remembers which sends asked for the paid lane."""

    def __init__(self, paid_active: bool = False) -> None:
        self.inner, self.lanes, self.paid_active = fast_budget(), [], paid_active
        self.chat_interval = self.inner.chat_interval

    def slot(self, chat_id=None, *, interactive=False, paid=False):
        self.lanes.append(paid)
        return self.inner.slot(chat_id, interactive=interactive, paid=paid)

    @property
    def paused_for(self) -> float:
        return 0.0

    def pause(self, seconds: float) -> None:
        self.inner.pause(seconds)

    def monotonic(self) -> float:
        return self.inner.monotonic()

    async def sleep(self, seconds: float) -> None:
        await self.inner.sleep(seconds)


async def test_paid_rows_go_paid_in_big_claims_and_other_rows_stay_free(db):
    clock = FrozenClock(NOON)
    async with db.session() as s:
        people = [await make_person(s) for _ in range(40)]
        await add_row(s, people[0], "free", NOON - timedelta(minutes=5))
        for i, p in enumerate(people):
            await add_row(s, p, f"paid{i:02d}", NOON - timedelta(minutes=1), kind="broadcast", paid=True)
    fake, budget = FakeSender(), CountingBudget()
    sender = make_sender(db, fake, clock, budget=budget, batch_size=2, paid_batch_size=30)
    claims = []
    claim = sender._claim

    async def counted_claim():
        rows = await claim()
        claims.append(len(rows))
        return rows

    sender._claim = counted_claim
    async with sender:
        stats = await sender.drain_once()
    assert stats.sent == 41
    assert [(c.text, c.paid) for c in fake.calls if c.chat_id == people[0].tg_chat_id] == [
        ("pesan free", False), ("pesan paid00", True)]
    assert sum(c.paid for c in fake.calls) == 40 and budget.lanes.count(True) == 40
    assert claims[:3] == [2, 30, 9]  # the first claim finds paid rows, so the next ones are big


@pytest.mark.parametrize("refusals, paid_at_the_end, paid00", [
    (1, 0, OutboxStatus.sent),  # the Stars ran out: it goes unpaid, and so does the rest
    (2, 28, OutboxStatus.failed),  # the message itself: refused unpaid too, the broadcast goes on paid
])
async def test_a_refused_paid_send_holds_paid_sends_unless_the_message_itself_is_refused(db, refusals, paid_at_the_end,
                                                                                      paid00):
    async with db.session() as s:
        people = [await make_person(s) for _ in range(40)]
        for i, p in enumerate(people):
            await add_row(s, p, f"paid{i:02d}", NOON - timedelta(minutes=1), kind="broadcast", paid=True)
    fake = FakeSender(errors={people[0].tg_chat_id: [PermanentError("Bad Request: refused") for _ in range(refusals)]})
    async with make_sender(db, fake, FrozenClock(NOON), budget=CountingBudget(), batch_size=2,
                           paid_batch_size=10) as sender:
        stats = await sender.drain_once()
    assert stats.sent == 41 - refusals and (await rows_by_key(db))["paid00"].status == paid00
    assert fake.calls[0].text == "pesan paid01" and not fake.calls[0].paid  # after the refusal, held
    assert sum(c.paid for c in fake.calls[-28:]) == paid_at_the_end  # after its retry


async def test_while_paid_sends_are_going_out_other_rows_go_paid_too(db):
    async with db.session() as s:
        p = await make_person(s)
        await add_row(s, p, "reminder", NOON)
    fake = FakeSender()
    await drain(db, fake, FrozenClock(NOON), budget=CountingBudget(paid_active=True))
    assert [(c.text, c.paid) for c in fake.calls] == [("pesan reminder", True)]


async def test_one_persons_many_rows_do_not_hold_up_everyone_elses(db):
    """A mentor's guides due together go one per chat interval, between the others' messages, in order."""
    async with db.session() as s:
        mentor = await make_person(s, "pp")
        others = [await make_person(s) for _ in range(20)]
        for i in range(4):
            await add_row(s, mentor, f"guide{i}", NOON)
        for i, p in enumerate(others):
            await add_row(s, p, f"other{i:02d}", NOON)
    fake = FakeSender()
    stats = await drain(db, fake, FrozenClock(NOON), budget=RateBudget(rate=30, bulk_rate=29))
    assert stats.sent == 24
    mentor_calls = [c for c in fake.calls if c.chat_id == mentor.tg_chat_id]
    assert [c.text for c in mentor_calls] == [f"pesan guide{i}" for i in range(4)]
    assert all(b.at - a.at >= 1.0 for a, b in zip(mentor_calls, mentor_calls[1:]))
    last_other = max(c.at for c in fake.calls if c.chat_id != mentor.tg_chat_id)
    assert last_other < mentor_calls[1].at  # nobody waited behind the mentor's second guide


async def test_a_claim_lets_the_updates_in_hand_finish_first(db):
    """Replies first: the sender shares the event loop with people's updates, so it waits (briefly) for them."""
    clock = FrozenClock(NOON)
    async with db.session() as s:
        await add_row(s, await make_person(s), "k", NOON)
    fake, foreground, events = FakeSender(), Foreground(), []

    async def update() -> None:
        with foreground.handling():
            await asyncio.sleep(0.1)
            events.append(("update handled", len(fake.calls)))

    handling = asyncio.create_task(update())
    await asyncio.sleep(0)
    assert (await drain(db, fake, clock, foreground=foreground)).sent == 1
    await handling
    assert events == [("update handled", 0)]


async def test_a_long_update_delays_the_outbox_only_briefly(db):
    clock = FrozenClock(NOON)
    async with db.session() as s:
        await add_row(s, await make_person(s), "k", NOON)
    foreground = Foreground()
    with foreground.handling():  # e.g. an import of a big roster
        started = clock_time.monotonic()
        assert (await drain(db, FakeSender(), clock, foreground=foreground)).sent == 1
        assert clock_time.monotonic() - started < REPLIES_FIRST * 3 + 1


class _FakeTime:
    """A budget's monotonic time and sleep that move the sender's clock along: waiting takes clock time."""

    def __init__(self, clock: FrozenClock) -> None:
        self.clock, self.t = clock, 0.0

    def now(self) -> float:
        return self.t

    async def sleep(self, seconds: float) -> None:
        self.t += seconds
        self.clock.set(self.clock.now() + timedelta(seconds=seconds))
        await asyncio.sleep(0)


def _waiting_budget(clock: FrozenClock) -> RateBudget:
    """A budget still paused for 5 s (a 429 from just before): its slots open 5 s of clock time later."""
    fake_time = _FakeTime(clock)
    budget = RateBudget(rate=10_000, bulk_rate=10_000, chat_interval=0, min_gap=0,
                        now=fake_time.now, sleep=fake_time.sleep)
    budget.pause(5)
    return budget


async def test_quiet_hours_that_begin_while_a_row_waits_for_its_slot_hold_it_back(db):
    before_nine = datetime(2026, 3, 2, 13, 59, 59, tzinfo=timezone.utc)  # 20:59:59 WIB; the slot opens at 21:00:04
    clock = FrozenClock(before_nine)
    async with db.session() as s:
        wib = await make_person(s, timezone="Asia/Jakarta")
        await add_row(s, wib, "quiet", before_nine)
        await add_row(s, wib, "urgent", before_nine, respect_quiet_hours=False)
    fake = FakeSender()
    stats = await drain(db, fake, clock, budget=_waiting_budget(clock))
    assert clock.now() > before_nine + timedelta(seconds=1)  # the wait did cross 21:00
    assert fake.texts_to(wib.tg_chat_id) == ["pesan urgent"]
    assert (stats.sent, stats.deferred) == (1, 1)
    held = (await rows_by_key(db))["quiet"]
    assert held.status == OutboxStatus.pending
    assert held.due_at == datetime(2026, 3, 2, 23, 0, tzinfo=timezone.utc)  # 06:00 WIB
    assert (await drain(db, fake, clock)).sent == 0
    clock.set(held.due_at)
    assert (await drain(db, fake, clock)).sent == 1 and fake.texts_to(wib.tg_chat_id)[-1] == "pesan quiet"


async def test_quiet_hours_that_begin_between_a_rows_text_and_its_attachment_do_not_split_it(db):
    before_nine = datetime(2026, 3, 2, 13, 59, 59, tzinfo=timezone.utc)  # 20:59:59 WIB
    clock = FrozenClock(before_nine)
    photo = {"kind": "photo", "file_id": "F1"}
    async with db.session() as s:
        wib = await make_person(s, timezone="Asia/Jakarta")
        await add_row(s, wib, "album", before_nine, attachments=[photo])
    fake_time = _FakeTime(clock)
    # The text's slot opens at once; the attachment's waits out the chat interval (2 s), past 21:00.
    budget = RateBudget(rate=10_000, bulk_rate=10_000, chat_interval=2, min_gap=0, now=fake_time.now,
                        sleep=fake_time.sleep)
    fake = FakeSender()
    stats = await drain(db, fake, clock, budget=budget)
    assert clock.now() > before_nine + timedelta(seconds=1)
    assert (stats.sent, stats.deferred) == (1, 0)
    assert [(c.text, c.attachment) for c in fake.calls] == [("pesan album", None), (None, photo)]
    assert (await rows_by_key(db))["album"].status == OutboxStatus.sent


async def test_a_persons_spacing_is_kept_on_the_budgets_time(db, monkeypatch):
    """The sender's own wait for a busy person runs on the budget's time (a simulation skips it), not the process's."""
    class SkippingTime:
        t = 1000.0

        def now(self) -> float:
            return self.t

        async def sleep(self, seconds: float) -> None:
            self.t += max(seconds, 0.0)
            await asyncio.sleep(0)

    skipping = SkippingTime()
    monkeypatch.setattr(sender_module, "monotonic_time", SimpleNamespace(monotonic=lambda: 0.0))  # the process's
    async with db.session() as s:
        mentor, other = await make_person(s, "pp"), await make_person(s)
        for i in range(3):
            await add_row(s, mentor, f"guide{i}", NOON)
        await add_row(s, other, "other", NOON)
    fake = FakeSender()
    budget = RateBudget(now=skipping.now, sleep=skipping.sleep)
    original = fake._send

    async def stamped(call):
        message_id = await original(call)
        call.at = skipping.now()
        return message_id

    fake._send = stamped
    async with asyncio.timeout(30):  # with the process's time standing still, a wait on it never ends
        stats = await drain(db, fake, FrozenClock(NOON), budget=budget)
    assert stats.sent == 4
    guides = [c.at for c in fake.calls if c.chat_id == mentor.tg_chat_id]
    assert len(guides) == 3 and all(b - a >= 1.0 for a, b in zip(guides, guides[1:]))

"""Invite codes: unguessable, stored hashed, single-use even under concurrent redeems."""
from __future__ import annotations

import asyncio
import re
from datetime import datetime, timezone

from sqlalchemy import select

from core.clock import FrozenClock
from roster.invites import Outcome, add_codes, generate_code, hash_code, invite_link, redeem, reissue_codes
from store.models import InviteCode, Person
from tests.factories import make_person

NOW = datetime(2026, 2, 3, 4, 5, tzinfo=timezone.utc)


def test_codes_are_unique_deep_link_safe_and_long_enough():
    codes = {generate_code() for _ in range(2000)}
    assert len(codes) == 2000
    for code in codes:
        # 16 base64url characters carry 96 bits; deep-link payloads allow at most 64 of A-Za-z0-9_-.
        assert re.fullmatch(r"[A-Za-z0-9_-]{16}", code)
    assert not [code for code in codes if code.startswith("-")]  # a spreadsheet would take "-…" for a formula


def test_hash_and_link():
    assert hash_code("abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
    assert invite_link("PendampingBot", "Ab_-12") == "https://t.me/PendampingBot?start=Ab_-12"
    assert invite_link("@PendampingBot", "x") == "https://t.me/PendampingBot?start=x"


async def test_issue_stores_only_the_hash_and_revokes_the_previous_code(db):
    clock = FrozenClock(NOW)
    async with db.session() as s:
        person = await make_person(s, "pp", joined=False)
        ((_, first),) = await reissue_codes(s, [person.id], clock=clock)
        ((_, second),) = await reissue_codes(s, [person.id], clock=clock)
    async with db.session() as s:
        rows = list(await s.scalars(select(InviteCode).order_by(InviteCode.id)))
    assert [r.code_hash for r in rows] == [hash_code(first), hash_code(second)]
    assert rows[0].revoked_at == NOW and rows[1].revoked_at is None
    async with db.session() as s:
        assert (await redeem(s, first, 1, 1, clock)).outcome == Outcome.invalid
        assert (await redeem(s, second, 1, 1, clock)).outcome == Outcome.joined


async def test_redeem_binds_the_account_once(db):
    clock = FrozenClock(NOW)
    async with db.session() as s:
        person = await make_person(s, "cgp", joined=False)
        code = (await add_codes(s, [person], clock))[0].code
    async with db.session() as s:
        result = await redeem(s, f" {code}\n", 555, 777, clock)
    assert result.outcome == "joined" and result.person.id == person.id
    async with db.session() as s:
        stored = await s.get(Person, person.id)
        invite = await s.scalar(select(InviteCode))
    assert (stored.tg_user_id, stored.tg_chat_id, stored.joined_at) == (555, 777, NOW)
    assert invite.used_at == NOW

    async with db.session() as s:
        again = await redeem(s, code, 555, 777, clock)
        other = await redeem(s, code, 556, 778, clock)
    assert again.outcome == Outcome.already_joined and again.person.id == person.id
    assert other.outcome == Outcome.used
    async with db.session() as s:
        assert (await s.get(Person, person.id)).tg_user_id == 555


async def test_wrong_and_malformed_codes_are_invalid(db):
    clock = FrozenClock(NOW)
    async with db.session() as s:
        assert (await redeem(s, generate_code(), 1, 1, clock)).outcome == Outcome.invalid
    # Malformed codes are refused before any database access: no session is needed.
    for code in ("", "short", "A" * 17, "AAAAAAAAAAAAAAA!", "AAAAAAAA AAAAAAA"):
        assert (await redeem(None, code, 1, 1, clock)).outcome == Outcome.invalid


async def test_code_of_a_person_bound_elsewhere_is_refused(db):
    clock = FrozenClock(NOW)
    async with db.session() as s:
        person = await make_person(s, "cgp", joined=True)
        code = (await add_codes(s, [person], clock))[0].code
    async with db.session() as s:
        result = await redeem(s, code, 999_001, 999_001, clock)
    assert result.outcome == Outcome.already_joined_other
    async with db.session() as s:
        assert (await s.scalar(select(InviteCode))).used_at is None
        assert (await s.get(Person, person.id)).tg_user_id != 999_001


async def test_account_already_bound_to_another_person_is_refused(db):
    clock = FrozenClock(NOW)
    async with db.session() as s:
        bound = await make_person(s, "cgp", joined=True)
        newcomer = await make_person(s, "cgp", joined=False)
        code = (await add_codes(s, [newcomer], clock))[0].code
    async with db.session() as s:
        result = await redeem(s, code, bound.tg_user_id, bound.tg_chat_id, clock)
    assert result.outcome == Outcome.user_bound_other and result.person.id == bound.id
    async with db.session() as s:
        assert (await s.get(Person, newcomer.id)).tg_user_id is None
        assert (await s.scalar(select(InviteCode))).used_at is None


async def test_concurrent_redeems_of_one_code_have_one_winner(db):
    clock = FrozenClock(NOW)
    async with db.session() as s:
        person = await make_person(s, "cgp", joined=False)
        code = (await add_codes(s, [person], clock))[0].code

    async def attempt(user_id: int) -> Outcome:
        async with db.session() as s:
            return (await redeem(s, code, user_id, user_id, clock)).outcome

    outcomes = await asyncio.gather(*(attempt(700 + i) for i in range(4)))
    assert sorted(outcomes) == sorted([Outcome.joined] + [Outcome.used] * 3)
    winner = 700 + outcomes.index(Outcome.joined)
    async with db.session() as s:
        assert (await s.get(Person, person.id)).tg_user_id == winner


async def test_reissue_skips_joined_people_and_revokes_old_codes(db):
    clock = FrozenClock(NOW)
    async with db.session() as s:
        waiting = await make_person(s, "cgp", joined=False)
        other = await make_person(s, "cgp", joined=False)
        joined = await make_person(s, "cgp", joined=True)
        old = (await add_codes(s, [waiting], clock))[0].code
    async with db.session() as s:
        issued = await reissue_codes(s, clock=clock)
    assert [p.id for p, _ in issued] == [waiting.id, other.id]
    assert joined.id not in [p.id for p, _ in issued]
    async with db.session() as s:
        only_other = await reissue_codes(s, [other.id, joined.id], clock=clock)
    assert [p.id for p, _ in only_other] == [other.id]
    async with db.session() as s:
        assert (await redeem(s, old, 1, 1, clock)).outcome == Outcome.invalid
        assert (await redeem(s, issued[1].code, 2, 2, clock)).outcome == Outcome.invalid
        assert (await redeem(s, issued[0].code, 3, 3, clock)).outcome == Outcome.joined
        assert (await redeem(s, only_other[0].code, 4, 4, clock)).outcome == Outcome.joined

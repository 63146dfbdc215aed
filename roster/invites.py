"""Single-use invite codes: issue (only the hash is stored), redeem by binding a Telegram account."""
from __future__ import annotations

import enum
import hashlib
import logging
import re
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from typing import NamedTuple

from sqlalchemy import insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from core.clock import Clock, SystemClock
from store.models import InviteCode, Person
from core.sheets import formula_like

log = logging.getLogger(__name__)

CODE_BYTES = 12  # 96 bits of randomness
CODE_LENGTH = 16  # base64url of 12 bytes, no padding
CODE_PATTERN = re.compile(r"[A-Za-z0-9_-]{%d}" % CODE_LENGTH)
SYSTEM_CLOCK = SystemClock()
REVOKE_CHUNK = 500


class Outcome(enum.StrEnum):
    joined = "joined"  # the account is now bound to the person
    already_joined = "already_joined"  # this account was already bound to this person
    invalid = "invalid"  # malformed, unknown or revoked code
    used = "used"  # the code was redeemed before
    already_joined_other = "already_joined_other"  # the code's person is bound to another account
    user_bound_other = "user_bound_other"  # this account is bound to another person
    left = "left"  # the code's person, not joined, left the program


@dataclass(frozen=True)
class RedeemResult:
    outcome: Outcome
    person: Person | None = None  # the code's person; for user_bound_other, the account's person


class IssuedCode(NamedTuple):
    """A freshly issued code; the plaintext exists only here, never in the database."""

    person: Person
    code: str


def generate_code() -> str:
    """Return a fresh unguessable code usable as a t.me deep-link payload.

    Never one starting with "-": in the handout spreadsheet it would read as a formula (or get a quote).
    """
    while formula_like(code := secrets.token_urlsafe(CODE_BYTES)):
        pass
    return code


def hash_code(code: str) -> str:
    """Return the SHA-256 hex digest under which a code is stored."""
    return hashlib.sha256(code.encode("ascii")).hexdigest()


def is_code_shaped(code: str) -> bool:
    return bool(CODE_PATTERN.fullmatch(code))


def invite_link(bot_username: str, code: str) -> str:
    """Return the deep link that starts the bot with the code."""
    return f"https://t.me/{bot_username.lstrip('@')}?start={code}"


async def revoke_codes(session: AsyncSession, person_ids: list[int], clock: Clock) -> None:
    """Revoke the unused, unrevoked codes of these people."""
    if not person_ids:
        return
    await session.execute(
        update(InviteCode)
        .where(InviteCode.person_id.in_(person_ids), InviteCode.used_at.is_(None), InviteCode.revoked_at.is_(None))
        .values(revoked_at=clock.now())
        .execution_options(synchronize_session=False)
    )


async def add_codes(session: AsyncSession, people: Sequence[Person], clock: Clock) -> list[IssuedCode]:
    """Store a new code for each flushed person, without revoking older ones; return the plaintexts."""
    issued = [IssuedCode(person, generate_code()) for person in people]
    if issued:
        now = clock.now()
        await session.execute(insert(InviteCode), [
            {"person_id": i.person.id, "code_hash": hash_code(i.code), "created_at": now} for i in issued])
    return issued


async def reissue_codes(session: AsyncSession, person_ids: list[int] | None = None, *, clock: Clock = SYSTEM_CLOCK) -> list[IssuedCode]:
    """Give new codes to people (all, or those listed) who have not joined and are still in the program;
    their old codes stop working."""
    query = select(Person).where(Person.tg_user_id.is_(None), ~Person.left).order_by(Person.id)
    if person_ids is not None:
        query = query.where(Person.id.in_(person_ids))
    people = list(await session.scalars(query))
    for start in range(0, len(people), REVOKE_CHUNK):
        await revoke_codes(session, [p.id for p in people[start:start + REVOKE_CHUNK]], clock)
    return await add_codes(session, people, clock)


async def redeem(session: AsyncSession, code: str, tg_user_id: int, tg_chat_id: int, clock: Clock) -> RedeemResult:
    """Bind the Telegram account to the code's person if the code is live; single-use under concurrency."""
    code = code.strip()
    if not is_code_shaped(code):
        return RedeemResult(Outcome.invalid)
    # One statement, so the code and its person are read from the same snapshot.
    found = (await session.execute(
        select(InviteCode, Person).join(Person, Person.id == InviteCode.person_id).where(InviteCode.code_hash == hash_code(code))
    )).one_or_none()
    if found is None:
        return RedeemResult(Outcome.invalid)
    invite, person = found
    if person.tg_user_id == tg_user_id:
        return RedeemResult(Outcome.already_joined, person)
    if person.left and person.tg_user_id is None:  # their codes were revoked when they left: say why
        return RedeemResult(Outcome.left, person)
    if invite.revoked_at is not None:
        return RedeemResult(Outcome.invalid)
    if invite.used_at is not None:
        return RedeemResult(Outcome.used, person)
    if person.tg_user_id is not None:
        return RedeemResult(Outcome.already_joined_other, person)
    bound = await session.scalar(select(Person).where(Person.tg_user_id == tg_user_id))
    if bound is not None:
        return RedeemResult(Outcome.user_bound_other, bound)

    now = clock.now()
    # Conditional updates: of two concurrent redeems only one sees used_at IS NULL.
    claimed = await session.execute(
        update(InviteCode)
        .where(InviteCode.id == invite.id, InviteCode.used_at.is_(None), InviteCode.revoked_at.is_(None))
        .values(used_at=now)
        .execution_options(synchronize_session=False)
    )
    if claimed.rowcount != 1:
        return RedeemResult(Outcome.used, person)
    bound_now = await session.execute(
        update(Person)
        .where(Person.id == person.id, Person.tg_user_id.is_(None))
        .values(tg_user_id=tg_user_id, tg_chat_id=tg_chat_id, joined_at=now)
        .execution_options(synchronize_session=False)
    )
    if bound_now.rowcount != 1:
        # Another code of this person won meanwhile; this code is useless now, so consuming it is harmless.
        return RedeemResult(Outcome.already_joined_other, person)
    await session.refresh(person)
    log.info("person %s joined", person.id)
    return RedeemResult(Outcome.joined, person)

"""Joining and belonging: /start with an invite code, koordinators from the configuration, /bantuan, a command
nobody has, blocking and unblocking the bot, and what someone who left the program is told instead of any menu.

The commands a chat should show come back as a value (`Joined.commands`); the bot publishes them.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from core.content.schema import Content
from core.ui import Reply
from roster import invites
from scheduler import chat_member
from services.commands import ROLE_COMMANDS
from services.context import Deps
from services.privacy_consent import hold_messages, needs_consent, notice
from store.models import Person, Role
from store.outbox import wake_rows
from store.people import by_telegram_user

log = logging.getLogger(__name__)

CONTACTS = 3  # koordinator named in the message to someone who left
REDEEM_TEXT = {
    invites.Outcome.invalid: "start.invalid_code",
    invites.Outcome.used: "start.used_code",
    invites.Outcome.user_bound_other: "start.already_joined_other",
    invites.Outcome.already_joined_other: "start.person_bound_elsewhere",
}


@dataclass(frozen=True)
class Newcomer:
    """Who pressed Start, from where."""

    user_id: int
    chat_id: int
    full_name: str


@dataclass
class Joined:
    """The replies to /start, and the commands the chat should show: the role's, () for the default ones, None to leave them."""

    replies: list[Reply]
    commands: tuple[str, ...] | None = None


async def left_reply(session: AsyncSession, content: Content, person: Person) -> list[Reply]:
    """What someone who left gets for anything they send: no longer registered, and whom to ask."""
    names = list(await session.scalars(
        select(Person.name).where(Person.role == Role.koordinator, Person.cohort_id == person.cohort_id, ~Person.left)
        .order_by(Person.name).limit(CONTACTS)
    )) if person.cohort_id is not None else []
    contact = content.text("left.contact", nama=", ".join(names)) if names else content.text("left.contact_unknown")
    return [Reply(content.text("left.message", nama=person.name, kontak=contact))]


def help_text(content: Content, person: Person) -> str:
    role = person.role.value
    lines = [content.text("help.header", peran=content.text(f"role.{role}"))]
    lines += [content.text("help.line", perintah=c, keterangan=content.text(f"command.{c}")) for c in ROLE_COMMANDS[person.role]]
    lines += ["", content.text(f"help.footer_{role}")]
    return "\n".join(lines)


async def start(deps: Deps, newcomer: Newcomer, code: str | None) -> Joined:
    """Bind the account to its person via the code, or greet someone already known."""
    content, clock = deps.content, deps.clock
    joined: Person | None = None
    async with deps.db.session() as session:
        person = await by_telegram_user(session, newcomer.user_id)
        replies: list[Reply] = []
        if person is None and code:
            result = await invites.redeem(session, code, newcomer.user_id, newcomer.chat_id, clock)
            if result.outcome in (invites.Outcome.joined, invites.Outcome.already_joined):
                joined = person = result.person
            elif result.outcome is invites.Outcome.left:
                replies = await left_reply(session, content, result.person)
            else:
                replies = [Reply(content.text(REDEEM_TEXT.get(result.outcome, "start.invalid_code")))]
        if person is None and newcomer.user_id in deps.settings.koordinator_ids:
            joined = person = await _bootstrap_koordinator(session, newcomer, deps)
        if person is None:
            return Joined(replies if code else [Reply(content.text("start.no_code"))])
        if person.blocked:
            person.blocked_at = None  # they pressed Start: they no longer block the bot
        if person.left:
            return Joined(await left_reply(session, content, person), commands=())
        if person.tg_chat_id != newcomer.chat_id:
            person.tg_chat_id = newcomer.chat_id
        if needs_consent(content, person):  # nothing else, not even parked rows, until they agree
            hold_messages(person)
            return Joined([notice(content, person)], commands=ROLE_COMMANDS[person.role])
        # Rows parked while they were away (not joined, blocked, or left and back on the roster).
        await wake_rows(session, person.id, clock.now())
        if joined is not None and person.role is Role.koordinator and not code:
            greeting = content.text("start.koordinator_new", nama=person.name)
        else:
            greeting = welcome(content, person, new=joined is not None)
        return Joined([Reply(f"{greeting}\n\n{help_text(content, person)}")], commands=ROLE_COMMANDS[person.role])


def welcome(content: Content, person: Person, new: bool) -> str:
    """The greeting of someone who just joined (or agreed to the privacy notice), or of someone known."""
    if not new:
        return content.text("start.welcome_back", nama=person.name)
    cohort = f", angkatan {person.cohort.name}" if person.cohort else ""
    return content.text("start.welcome_new", nama=person.name, peran=content.text(f"role.{person.role.value}"), angkatan=cohort)


async def _bootstrap_koordinator(session: AsyncSession, newcomer: Newcomer, deps: Deps) -> Person:
    person = Person(
        name=newcomer.full_name, role=Role.koordinator, tg_user_id=newcomer.user_id, tg_chat_id=newcomer.chat_id,
        joined_at=deps.clock.now(),
    )
    session.add(person)
    await session.flush()
    log.info("koordinator %s joined from configured ids", person.id)
    return person


async def help_(deps: Deps, user_id: int) -> list[Reply]:
    """/bantuan, for anyone: people not yet joined are told how to join, people who left whom to ask."""
    content = deps.content
    async with deps.db.session() as session:
        person = await by_telegram_user(session, user_id)
        if person is not None and person.left:
            return await left_reply(session, content, person)
        if person is not None and needs_consent(content, person):
            return [notice(content, person)]
        return [Reply(help_text(content, person) if person else content.text("help.not_joined"))]


async def unknown_command(deps: Deps, user_id: int) -> list[Reply]:
    """A command nobody has: say so (someone who left is told whom to ask)."""
    async with deps.db.session() as session:
        person = await by_telegram_user(session, user_id)
        if person is not None and person.left:
            return await left_reply(session, deps.content, person)
    return [Reply(deps.content.text("error.unknown_command"))]


async def membership(deps: Deps, user_id: int, blocked: bool) -> None:
    """The person blocked the bot or unblocked it: only the blocked state changes (and their mentor is told)."""
    async with deps.db.session() as session:
        person = await by_telegram_user(session, user_id)
        if person is None:
            return
        if blocked:
            await chat_member.on_blocked(session, deps.content, person, deps.clock)
        else:
            await chat_member.on_unblocked(session, deps.content, person, deps.clock)

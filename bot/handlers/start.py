"""/start [kode]: join with an invite code, or greet and show the role's menu."""
from __future__ import annotations

import logging

from sqlalchemy.ext.asyncio import AsyncSession
from telegram import Update
from telegram.constants import ChatType

from bot.commands import clear_role_commands, publish_role_commands
from bot.handlers.common import find_person
from bot.handlers.help import help_text
from bot.render import render
from bot.services import BotContext
from core.ui import Reply
from scheduler.chat_member import left_reply
from store.outbox import wake_rows
from roster import invites
from store.models import Person, Role

log = logging.getLogger(__name__)

REDEEM_TEXT = {
    invites.Outcome.invalid: "start.invalid_code",
    invites.Outcome.used: "start.used_code",
    invites.Outcome.user_bound_other: "start.already_joined_other",
    invites.Outcome.already_joined_other: "start.person_bound_elsewhere",
}


def _cohort_suffix(person: Person) -> str:
    return f", angkatan {person.cohort.name}" if person.cohort else ""


async def _bootstrap_koordinator(session: AsyncSession, update: Update, context: BotContext) -> Person:
    user = update.effective_user
    person = Person(
        name=user.full_name, role=Role.koordinator, tg_user_id=user.id, tg_chat_id=update.effective_chat.id,
        joined_at=context.services.clock.now(),
    )
    session.add(person)
    await session.flush()
    log.info("koordinator %s joined from configured ids", person.id)
    return person


async def start(update: Update, context: BotContext) -> None:
    """Bind the account to its person via the code, or greet someone already known."""
    services, user, chat = context.services, update.effective_user, update.effective_chat
    if user is None or chat is None or chat.type != ChatType.PRIVATE:  # a group must never become the person's chat
        return
    code = context.args[0] if context.args else None
    content = services.content
    joined: Person | None = None
    menu = False
    async with services.db.session() as session:
        person = await find_person(session, user.id)
        if person is None and code:
            result = await invites.redeem(session, code, user.id, chat.id, services.clock)
            if result.outcome in (invites.Outcome.joined, invites.Outcome.already_joined):
                joined = person = result.person
            elif result.outcome is invites.Outcome.left:
                replies = await left_reply(session, content, result.person)
            else:
                replies = [Reply(content.text(REDEEM_TEXT.get(result.outcome, "start.invalid_code")))]
        if person is None and user.id in services.settings.koordinator_ids:
            joined = person = await _bootstrap_koordinator(session, update, context)
        if person is not None and person.blocked:
            person.blocked_at = None  # they pressed Start: they no longer block the bot
        if person is not None and person.left:
            replies = await left_reply(session, content, person)
        elif person is not None:
            menu = True
            if person.tg_chat_id != chat.id:
                person.tg_chat_id = chat.id
            # Rows parked while they were away (not joined, blocked, or left and back on the roster).
            await wake_rows(session, person.id, services.clock.now())
            role_label = content.text(f"role.{person.role.value}")
            if joined is None:
                greeting = content.text("start.welcome_back", nama=person.name)
            elif person.role is Role.koordinator and not code:
                greeting = content.text("start.koordinator_new", nama=person.name)
            else:
                greeting = content.text("start.welcome_new", nama=person.name, peran=role_label, angkatan=_cohort_suffix(person))
            replies = [Reply(f"{greeting}\n\n{help_text(content, person)}")]
            role, chat_id = person.role, chat.id
        elif not code:
            replies = [Reply(content.text("start.no_code"))]
    if menu:
        await publish_role_commands(context.bot, content, chat_id, role)
    elif person is not None:
        await clear_role_commands(context.bot, chat.id)
    await render(update, context.bot, replies)

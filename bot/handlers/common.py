"""Shared handler plumbing: one unit of work per update, the acting person, role checks."""
from __future__ import annotations

import asyncio
import functools
import logging
from collections.abc import Awaitable, Callable

from sqlalchemy import bindparam, select
from sqlalchemy.ext.asyncio import AsyncSession
from telegram import CallbackQuery, Update
from telegram.constants import ChatType
from telegram.error import TelegramError

from bot.acks import is_repeat
from bot.commands import allowed
from bot.render import deliver
from bot.services import BotContext
from flows import engine
from core.ui import Reply
from flows.runs import RunBusy
from scheduler import lost_replies
from scheduler.chat_member import left_reply
from store.models import Person

log = logging.getLogger(__name__)

Action = Callable[[Update, BotContext, AsyncSession, Person], Awaitable[list[Reply] | None]]
FollowUp = Callable[[], Awaitable[list[Reply] | None]]
# the replies, the acting person's id (None if not joined), and what the action left to do after the commit
Handled = tuple[list[Reply] | None, int | None, FollowUp | None]
BUSY_ATTEMPTS = 3  # units of work tried for one update whose run kept changing under it (RunBusy)
# session.info key: an action may leave a FollowUp here. It runs once the unit of work has committed, still in
# the person's turn but outside the database lock (a download, a file import), and its replies come after.
# It must survive a restart by itself (the unit of work records what it is about): the update is confirmed
# to Telegram before it runs.
AFTER_COMMIT = "after_commit"


PERSON_BY_TG_USER = select(Person).where(Person.tg_user_id == bindparam("tg_user_id"))  # built once, per update


async def find_person(session: AsyncSession, tg_user_id: int) -> Person | None:
    return await session.scalar(PERSON_BY_TG_USER, {"tg_user_id": tg_user_id})


def text_reply(context: BotContext, key: str, **values: object) -> list[Reply]:
    return [Reply(context.services.content.text(key, **values))]


def for_person(command: str | None = None) -> Callable[[Action], Callable[[Update, BotContext], Awaitable[None]]]:
    """Run `action` for a joined person still in the program (and, for a command, a role allowed to use it); commit, then reply."""

    def decorate(action: Action) -> Callable[[Update, BotContext], Awaitable[None]]:
        @functools.wraps(action)
        async def handler(update: Update, context: BotContext) -> None:
            if update.effective_user is None:
                return
            # The button's spinner stops while the unit of work runs rather than after it.
            answering = asyncio.ensure_future(_answer(update.callback_query)) if update.callback_query else None
            try:
                replies, person_id, follow_up = await _unit_of_work(update, context, action, command)
            finally:
                if answering is not None:
                    await answering
            await _deliver(update, context, person_id, replies)
            if follow_up is not None:
                # What the update must cause is committed, and a follow-up survives a restart on its own
                # (it leaves a record): confirm the update now, so the poller does not wait for the follow-up.
                context.bot.open_updates.handled(update.update_id)
                await _deliver(update, context, person_id, await follow_up())

        return handler

    return decorate


async def _answer(query: CallbackQuery) -> None:
    try:
        await query.answer()
    except TelegramError as exc:  # too late (a slow network, a repeat after a restart) or failed: only the spinner
        log.info("callback query not answered: %s", exc)


def _said(update: Update) -> str | None:
    """The fingerprint of a text or press that, sent again, would be acted on again; None for commands and media."""
    if update.callback_query is not None:
        return lost_replies.fingerprint("button", update.callback_query.data or "")
    text = update.message.text if update.message is not None else None
    if text and not text.startswith("/"):
        return lost_replies.fingerprint("text", text.strip())
    return None


async def _deliver(update: Update, context: BotContext, person_id: int | None, replies: list[Reply] | None) -> None:
    """Send the replies; those Telegram refuses are kept for later."""
    undelivered, error = await deliver(update, context.bot, replies)
    if error is not None:
        await _keep_for_later(update, context, person_id, undelivered, error)


async def _keep_for_later(update: Update, context: BotContext, person_id: int | None, undelivered: list[Reply],
                          error: TelegramError) -> None:
    """Telegram refused a reply: queue it and what follows in the outbox, and remember it for the next update."""
    log.warning("update %s: reply not delivered (%s: %s); %d message(s) left", update.update_id,
                type(error).__name__, error, len(undelivered))
    if person_id is None or update.effective_chat.type != ChatType.PRIVATE:
        return  # the outbox reaches a person in their private chat only
    services = context.services
    async with services.db.session() as session:
        person = await session.get(Person, person_id)
        await lost_replies.keep(session, person, undelivered, _said(update), update.update_id, services.clock.now())


async def _unit_of_work(update: Update, context: BotContext, action: Action, command: str | None) -> Handled:
    """Run the update's unit of work; when its run kept changing under it, roll back and run it again."""
    for attempt in range(1, BUSY_ATTEMPTS):
        try:
            return await _attempt(update, context, action, command)
        except RunBusy:
            log.warning("update %s: its run kept changing; rolled back, trying again (%d/%d)",
                        update.update_id, attempt + 1, BUSY_ATTEMPTS)
            await asyncio.sleep(0.05 * attempt)
    return await _attempt(update, context, action, command)  # still busy now: a fault for the error handler


async def _attempt(update: Update, context: BotContext, action: Action, command: str | None) -> Handled:
    """Run the action in one committed session; return its replies and what it left to do after the commit."""
    async with context.services.db.session() as session:
        replies, person_id = await _act(update, context, session, action, command)
        follow_up = session.info.pop(AFTER_COMMIT, None)
    return replies, person_id, follow_up


async def _act(update: Update, context: BotContext, session: AsyncSession, action: Action,
               command: str | None) -> tuple[list[Reply] | None, int | None]:
    """Find the person and run the action for them."""
    services = context.services
    person = await find_person(session, update.effective_user.id)
    if person is None:
        return text_reply(context, "error.not_joined"), None
    if person.left:
        return await left_reply(session, services.content, person), person.id
    if is_repeat(context.bot.open_updates, update, person.last_update_id):
        log.info("update %s was handled before a restart; showing person %s where they are", update.update_id, person.id)
        return await engine.current_prompt(session, services.content, person, services.clock), person.id
    person.last_update_id = update.update_id
    if person.undelivered_reply is not None:
        lost = await lost_replies.take(session, person)
        if lost.replies and lost.said is not None and lost.said == _said(update):
            log.info("update %s repeats one whose reply was lost; sending person %s that reply",
                     update.update_id, person.id)
            return [Reply(services.content.text("error.resent")), *lost.replies], person.id
    if command is not None and not allowed(person.role, command):
        return text_reply(context, "error.not_allowed"), person.id
    return await action(update, context, session, person), person.id

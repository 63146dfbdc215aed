"""Shared handler plumbing: one unit of work per update, the acting person, role checks."""
from __future__ import annotations

import asyncio
import functools
import logging
from collections.abc import Awaitable, Callable

from sqlalchemy import bindparam, select
from sqlalchemy.ext.asyncio import AsyncSession
from telegram import CallbackQuery, Update
from telegram.error import BadRequest

from bot.acks import is_repeat
from bot.commands import allowed
from bot.render import render
from bot.services import BotContext
from flows import engine
from flows.replies import Reply
from store.models import Person

log = logging.getLogger(__name__)

Action = Callable[[Update, BotContext, AsyncSession, Person], Awaitable[list[Reply] | None]]
FollowUp = Callable[[], Awaitable[list[Reply] | None]]
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
    """Run `action` for a joined person (and, for a command, a role allowed to use it); commit, then reply."""

    def decorate(action: Action) -> Callable[[Update, BotContext], Awaitable[None]]:
        @functools.wraps(action)
        async def handler(update: Update, context: BotContext) -> None:
            if update.effective_user is None:
                return
            # The button's spinner stops while the unit of work runs rather than after it.
            answering = asyncio.ensure_future(_answer(update.callback_query)) if update.callback_query else None
            try:
                replies, follow_up = await _unit_of_work(update, context, action, command)
            finally:
                if answering is not None:
                    await answering
            await render(update, context.bot, replies)
            if follow_up is not None:
                # What the update must cause is committed, and a follow-up survives a restart on its own
                # (it leaves a record): confirm the update now, so the poller does not wait for the follow-up.
                context.bot.open_updates.handled(update.update_id)
                await render(update, context.bot, await follow_up())

        return handler

    return decorate


async def _answer(query: CallbackQuery) -> None:
    try:
        await query.answer()
    except BadRequest as exc:  # answered too late (a slow network, or a repeat after a restart): only the spinner
        log.info("callback query not answered: %s", exc)


async def _unit_of_work(update: Update, context: BotContext, action: Action,
                        command: str | None) -> tuple[list[Reply] | None, FollowUp | None]:
    """Run the action in one committed session; return its replies and what it left to do after the commit."""
    async with context.services.db.session() as session:
        replies = await _act(update, context, session, action, command)
        follow_up = session.info.pop(AFTER_COMMIT, None)
    return replies, follow_up


async def _act(update: Update, context: BotContext, session: AsyncSession, action: Action,
               command: str | None) -> list[Reply] | None:
    """Find the person and run the action for them."""
    services = context.services
    person = await find_person(session, update.effective_user.id)
    if person is None:
        return text_reply(context, "error.not_joined")
    if is_repeat(context.bot.open_updates, update, person.last_update_id):
        log.info("update %s was handled before a restart; showing person %s where they are", update.update_id, person.id)
        return await engine.current_prompt(session, services.content, person, services.clock)
    person.last_update_id = update.update_id
    if command is not None and not allowed(person.role, command):
        return text_reply(context, "error.not_allowed")
    return await action(update, context, session, person)

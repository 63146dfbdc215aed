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
from scheduler.chat_member import left_reply
from store.models import Person

log = logging.getLogger(__name__)

Action = Callable[[Update, BotContext, AsyncSession, Person], Awaitable[list[Reply] | None]]


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
                replies = await _unit_of_work(update, context, action, command)
            finally:
                if answering is not None:
                    await answering
            await render(update, context.bot, replies)

        return handler

    return decorate


async def _answer(query: CallbackQuery) -> None:
    try:
        await query.answer()
    except BadRequest as exc:  # answered too late (a slow network, or a repeat after a restart): only the spinner
        log.info("callback query not answered: %s", exc)


async def _unit_of_work(update: Update, context: BotContext, action: Action, command: str | None) -> list[Reply] | None:
    """Find the person and run the action in one committed session."""
    services = context.services
    async with services.db.session() as session:
        person = await find_person(session, update.effective_user.id)
        if person is None:
            return text_reply(context, "error.not_joined")
        if person.left:
            return await left_reply(session, services.content, person)
        if is_repeat(context.bot.open_updates, update, person.last_update_id):
            log.info("update %s was handled before a restart; showing person %s where they are", update.update_id, person.id)
            return await engine.current_prompt(session, services.content, person, services.clock)
        person.last_update_id = update.update_id
        if command is not None and not allowed(person.role, command):
            return text_reply(context, "error.not_allowed")
        return await action(update, context, session, person)

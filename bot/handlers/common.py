"""Shared handler plumbing: one unit of work per update, the acting person, role checks."""
from __future__ import annotations

import functools
from collections.abc import Awaitable, Callable

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from telegram import Update

from bot.commands import allowed
from bot.render import render
from bot.services import BotContext
from flows.replies import Reply
from store.models import Person

Action = Callable[[Update, BotContext, AsyncSession, Person], Awaitable[list[Reply] | None]]


async def find_person(session: AsyncSession, tg_user_id: int) -> Person | None:
    return await session.scalar(select(Person).where(Person.tg_user_id == tg_user_id))


def text_reply(context: BotContext, key: str, **values: object) -> list[Reply]:
    return [Reply(context.services.content.text(key, **values))]


def for_person(command: str | None = None) -> Callable[[Action], Callable[[Update, BotContext], Awaitable[None]]]:
    """Run `action` for a joined person (and, for a command, a role allowed to use it); commit, then reply."""

    def decorate(action: Action) -> Callable[[Update, BotContext], Awaitable[None]]:
        @functools.wraps(action)
        async def handler(update: Update, context: BotContext) -> None:
            if update.effective_user is None:
                return
            async with context.services.db.session() as session:
                person = await find_person(session, update.effective_user.id)
                if person is None:
                    replies = text_reply(context, "error.not_joined")
                elif command is not None and not allowed(person.role, command):
                    replies = text_reply(context, "error.not_allowed")
                else:
                    replies = await action(update, context, session, person)
            if update.callback_query is not None:
                await update.callback_query.answer()
            await render(update, context.bot, replies)

        return handler

    return decorate

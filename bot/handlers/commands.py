"""Commands: each translates the update and calls its one use case (services/); /start also publishes the chat's menu."""
from __future__ import annotations

import functools
from collections.abc import Awaitable, Callable
from typing import Any

from telegram import Update
from telegram.constants import ChatType

from bot.commands import clear_role_commands, publish_role_commands
from bot.context import BotContext
from bot.handlers.common import run
from bot.render import render
from services import audit, dialogues, jadwal, joining, libur, privacy, profile, progress, reflection, siaran


async def start(update: Update, context: BotContext) -> None:
    """/start [kode]: join with an invite code, or be greeted with the role's menu."""
    user, chat = update.effective_user, update.effective_chat
    if user is None or chat is None or chat.type != ChatType.PRIVATE:  # a group must never become the person's chat
        return
    code = context.args[0] if context.args else None
    joined = await joining.start(context.deps, joining.Newcomer(user.id, chat.id, user.full_name), code)
    if joined.commands:
        await publish_role_commands(context.bot, context.deps.content, chat.id, joined.commands)
    elif joined.commands is not None:
        await clear_role_commands(context.bot, chat.id)
    await render(update, context.bot, joined.replies)


async def bantuan(update: Update, context: BotContext) -> None:
    """/bantuan, for anyone."""
    await render(update, context.bot, await joining.help_(context.deps, update.effective_user.id))


async def unknown(update: Update, context: BotContext) -> None:
    await render(update, context.bot, await joining.unknown_command(context.deps, update.effective_user.id))


def _command(use_case: Callable[..., Awaitable[Any]]) -> Callable[[Update, BotContext], Awaitable[None]]:
    """A handler that runs `use_case(deps, turn)` for a joined person."""
    async def handler(update: Update, context: BotContext) -> None:
        await run(update, context, functools.partial(use_case, context.deps))
    handler.__doc__ = use_case.__doc__
    return handler


# The commands of people who joined, each one use case (services.commands says which role may use which).
COMMANDS = {
    "profil": _command(profile.show),
    "refleksi": _command(reflection.menu),
    "batal": _command(dialogues.batal),
    "ringkasan": _command(progress.overview),
    "ekspor": _command(progress.ekspor),
    "jadwal": _command(jadwal.show),
    "siaran": _command(siaran.compose),
    "privasi": _command(privacy.privasi),
    "riwayat": _command(audit.riwayat),
    "libur": _command(libur.libur),
}

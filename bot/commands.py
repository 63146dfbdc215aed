"""Publish the commands a chat shows (setMyCommands); which role has which is services/commands.py's."""
from __future__ import annotations

import logging

from telegram import BotCommand, BotCommandScopeChat, BotCommandScopeDefault
from telegram.error import TelegramError
from telegram.ext import ExtBot

from core.content import Content
from services.commands import PUBLIC_COMMANDS

log = logging.getLogger(__name__)


def bot_commands(content: Content, names: tuple[str, ...]) -> list[BotCommand]:
    return [BotCommand(name, content.text(f"command.{name}")) for name in names]


async def publish_default_commands(bot: ExtBot, content: Content) -> None:
    """People who have not joined see only /start and /bantuan."""
    await bot.set_my_commands(bot_commands(content, PUBLIC_COMMANDS), scope=BotCommandScopeDefault())


async def publish_role_commands(bot: ExtBot, content: Content, chat_id: int, names: tuple[str, ...]) -> None:
    """Show this chat exactly these commands (its role's)."""
    try:
        await bot.set_my_commands(bot_commands(content, names), scope=BotCommandScopeChat(chat_id))
    except TelegramError as exc:  # a menu is a convenience; never fail the join over it
        log.warning("setMyCommands for chat failed: %s", exc)


async def clear_role_commands(bot: ExtBot, chat_id: int) -> None:
    """Back to the default commands for this chat (someone who left the program)."""
    try:
        await bot.delete_my_commands(scope=BotCommandScopeChat(chat_id))
    except TelegramError as exc:
        log.warning("deleteMyCommands for chat failed: %s", exc)

"""Which commands each role may use; registered per chat with setMyCommands and checked server-side."""
from __future__ import annotations

import logging

from telegram import BotCommand, BotCommandScopeChat, BotCommandScopeDefault
from telegram.error import TelegramError
from telegram.ext import ExtBot

from core.content import Content
from store.models import Role

log = logging.getLogger(__name__)

PUBLIC_COMMANDS = ("start", "bantuan")
COMMON = ("refleksi", "batal", "jadwal", "profil", "bantuan")
ROLE_COMMANDS: dict[Role, tuple[str, ...]] = {
    Role.cgp: COMMON,
    Role.kepsek: COMMON,
    Role.pengawas: COMMON,
    Role.guru: COMMON,
    Role.pp: ("refleksi", "ringkasan", "jadwal", "ekspor", "batal", "profil", "bantuan"),
    Role.fsp: ("refleksi", "ringkasan", "jadwal", "ekspor", "batal", "profil", "bantuan"),
    Role.koordinator: ("siaran", "ringkasan", "ekspor", "jadwal", "batal", "profil", "bantuan"),
}


def allowed(role: Role, command: str) -> bool:
    return command in PUBLIC_COMMANDS or command in ROLE_COMMANDS.get(role, ())


def bot_commands(content: Content, names: tuple[str, ...]) -> list[BotCommand]:
    return [BotCommand(name, content.text(f"command.{name}")) for name in names]


async def publish_default_commands(bot: ExtBot, content: Content) -> None:
    """People who have not joined see only /start and /bantuan."""
    await bot.set_my_commands(bot_commands(content, PUBLIC_COMMANDS), scope=BotCommandScopeDefault())


async def publish_role_commands(bot: ExtBot, content: Content, chat_id: int, role: Role) -> None:
    """Show this chat exactly the commands its role can use."""
    try:
        await bot.set_my_commands(bot_commands(content, ROLE_COMMANDS[role]), scope=BotCommandScopeChat(chat_id))
    except TelegramError as exc:  # a menu is a convenience; never fail the join over it
        log.warning("setMyCommands for chat failed: %s", exc)


async def clear_role_commands(bot: ExtBot, chat_id: int) -> None:
    """Back to the default commands for this chat (someone who left the program)."""
    try:
        await bot.delete_my_commands(scope=BotCommandScopeChat(chat_id))
    except TelegramError as exc:
        log.warning("deleteMyCommands for chat failed: %s", exc)

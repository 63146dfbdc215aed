"""/bantuan: what this role can do, with an example."""
from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession
from telegram import Update

from bot.commands import ROLE_COMMANDS
from bot.handlers.common import find_person
from bot.render import render
from bot.services import BotContext
from core.content import Content
from core.ui import Reply
from scheduler.chat_member import left_reply
from store.models import Person


def help_text(content: Content, person: Person) -> str:
    role = person.role.value
    lines = [content.text("help.header", peran=content.text(f"role.{role}"))]
    lines += [content.text("help.line", perintah=c, keterangan=content.text(f"command.{c}")) for c in ROLE_COMMANDS[person.role]]
    lines += ["", content.text(f"help.footer_{role}")]
    return "\n".join(lines)


async def bantuan(update: Update, context: BotContext) -> None:
    """Anyone may ask for help; people not yet joined are told how to join, people who left whom to ask."""
    content = context.services.content
    async with context.services.db.session() as session:
        person = await find_person(session, update.effective_user.id)
        if person is not None and person.left:
            replies = await left_reply(session, content, person)
        else:
            replies = [Reply(help_text(content, person) if person else content.text("help.not_joined"))]
    await render(update, context.bot, replies)

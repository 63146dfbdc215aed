"""Free messages (text, media, documents) and the bot being blocked or unblocked."""
from __future__ import annotations

import functools

from telegram import Message, Update
from telegram.constants import ChatMemberStatus

from bot.context import BotContext
from bot.handlers.common import run
from core.ui import Attachment, Incoming
from services import dialogues, joining

MEDIA_KINDS = ("photo", "document", "voice", "video", "audio", "video_note")


def incoming_from(message: Message) -> Incoming:
    """Describe a Telegram message as plain data."""
    for kind in MEDIA_KINDS:
        media = getattr(message, kind)
        if media:
            file_id = media[-1].file_id if kind == "photo" else media.file_id
            document = message.document
            return Incoming(
                kind="media", sent_at=message.date, media_group_id=message.media_group_id,
                media=Attachment("video" if kind == "video_note" else kind, file_id, message.caption),
                file_name=document.file_name if document else None, file_size=document.file_size if document else None,
            )
    if message.text is not None:
        return Incoming(kind="text", sent_at=message.date, text=message.text)
    return Incoming(kind="other", sent_at=message.date)


async def message(update: Update, context: BotContext) -> None:
    """A message goes to the dialogue that takes it (services/dialogues.py)."""
    if update.message is None:
        return
    await run(update, context, functools.partial(dialogues.message, context.deps, incoming=incoming_from(update.message)))


async def chat_member(update: Update, context: BotContext) -> None:
    """The person blocked the bot (kicked) or unblocked it (member): only the blocked state changes."""
    change = update.my_chat_member
    if change is None or change.chat.type != "private":
        return
    status = change.new_chat_member.status
    if status in (ChatMemberStatus.BANNED, ChatMemberStatus.MEMBER):
        await joining.membership(context.deps, change.from_user.id, blocked=status == ChatMemberStatus.BANNED)

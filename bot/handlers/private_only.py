"""The bot serves private chats only: in a group it says so in one line and leaves; a channel it just leaves.

Summaries, exports and answers are personal data, and /start binds a person to the chat it came from:
in a group, a PP's /ringkasan would show mentees' answers to everyone and /start would send the PP's
later summaries there. So every update from a group, supergroup or channel stops here, before any
other handler (group -1 in bot/app.py): commands, text, button presses on a message in a group, and
the bot being added (my_chat_member). Leaving means the group's traffic no longer reaches the bot at
all; the line tells its members where to go instead. Updates already queued before the leave took
effect (a busy group) get no second line: at most one per chat per NOTICE_SECONDS. A button press is
answered to the presser alone. In a channel the bot posts nothing and leaves.
"""
from __future__ import annotations

import logging
from datetime import datetime, timedelta

from telegram import Chat, Update
from telegram.constants import ChatMemberStatus, ChatType
from telegram.error import TelegramError
from telegram.ext import ApplicationHandlerStop

from bot.context import BotContext

log = logging.getLogger(__name__)

NOTICE_SECONDS = 3600
IN_CHAT = (ChatMemberStatus.MEMBER, ChatMemberStatus.ADMINISTRATOR, ChatMemberStatus.RESTRICTED)


class OncePerChat:
    """Allow one notice per chat per `seconds`; chats told longer ago are forgotten."""

    def __init__(self, seconds: float = NOTICE_SECONDS) -> None:
        self.period = timedelta(seconds=seconds)
        self._told: dict[int, datetime] = {}  # chat id → when it was last told (and left)

    def allow(self, chat_id: int, now: datetime) -> bool:
        self._told = {key: at for key, at in self._told.items() if at > now - self.period}
        if chat_id in self._told:
            return False
        self._told[chat_id] = now
        return True

    def __len__(self) -> int:
        return len(self._told)


class PrivateOnly:
    """A handler for every update; those from non-private chats are answered here and go no further."""

    def __init__(self) -> None:
        self.throttle = OncePerChat()

    async def __call__(self, update: Update, context: BotContext) -> None:
        chat = update.effective_chat
        if chat is None or chat.type == ChatType.PRIVATE:
            return
        change = update.my_chat_member
        if change is None or change.new_chat_member.status in IN_CHAT:
            await self._refuse(update, context, chat)
        raise ApplicationHandlerStop

    async def _refuse(self, update: Update, context: BotContext, chat: Chat) -> None:
        text = context.deps.content.text("private_only.notice", bot=context.bot.username)
        query = update.callback_query
        try:
            if query is not None:
                await query.answer(text, show_alert=True)
            if not self.throttle.allow(chat.id, context.deps.clock.now()):
                return
            if query is None and chat.type != ChatType.CHANNEL:
                await context.bot.send_message(chat.id, text)
            await context.bot.leave_chat(chat.id)
        except TelegramError as exc:  # removed meanwhile, or a network error: nothing more to do here
            log.info("could not answer or leave %s chat %s: %s", chat.type, chat.id, exc)
        else:
            log.info("left %s chat %s: the bot serves private chats only", chat.type, chat.id)

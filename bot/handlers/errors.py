"""The last line of defence: log (scrubbed by the logging filter) and apologise politely."""
from __future__ import annotations

import logging

from telegram import Update
from telegram.error import Forbidden, NetworkError, TelegramError

from bot.context import BotContext

log = logging.getLogger(__name__)


async def on_error(update: object, context: BotContext) -> None:
    if update is None and isinstance(context.error, NetworkError):  # polling failed; the updater retries with backoff
        log.warning("Telegram cannot be reached while polling (%s: %s); retrying", type(context.error).__name__, context.error)
        return
    log.error("error while handling an update: %s", context.error, exc_info=context.error)
    if isinstance(context.error, (Forbidden, NetworkError)):
        return
    if isinstance(update, Update) and update.effective_chat is not None:
        try:
            await context.bot.send_message(update.effective_chat.id, context.deps.content.text("error.internal"))
        except TelegramError:
            log.warning("could not send the apology either")

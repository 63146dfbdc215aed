"""Shared handler plumbing: an update as a Turn, one use case, its outcome delivered, a refused reply kept for later."""
from __future__ import annotations

import asyncio
import functools
import logging
from collections.abc import Awaitable, Callable

from telegram import CallbackQuery, Document, Message, Update
from telegram.constants import ChatType
from telegram.error import TelegramError
from telegram.ext import ExtBot

from bot.acks import is_repeat
from bot.context import BotContext
from bot.render import deliver
from core.ui import Reply
from services import intake, lost_replies, media_export
from services.turn import Outcome, Turn

log = logging.getLogger(__name__)

UseCase = Callable[[Turn], Awaitable[Outcome]]


def turn_of(update: Update, context: BotContext) -> Turn:
    """The update as the use cases see it."""
    said = None
    if update.callback_query is not None:
        said = ("button", update.callback_query.data or "")
    elif update.message is not None and (text := update.message.text) and not text.startswith("/"):
        said = ("text", text.strip())
    return Turn(update.effective_user.id, update.update_id, said,
                functools.partial(is_repeat, context.bot.open_updates, update), may_repeat=context.by_webhook)


async def run(update: Update, context: BotContext, use_case: UseCase) -> None:
    """Run the update's one use case, deliver its replies, then fetch and import a file it recorded."""
    if update.effective_user is None:
        return
    # The button's spinner stops while the unit of work runs rather than after it.
    answering = asyncio.ensure_future(_answer(update.callback_query)) if update.callback_query else None
    try:
        outcome = await use_case(turn_of(update, context))
    finally:
        if answering is not None:
            await answering
    await _deliver(update, context, outcome.person_id, outcome.replies)
    if outcome.pending_import is not None:
        # The import is recorded and survives a restart on its own: confirm the update now, so the poller
        # does not wait for the download and the import.
        context.bot.open_updates.handled(update.update_id)
        document = update.message.document
        replies = await intake.import_file(context.deps, outcome.pending_import, functools.partial(_download, document))
        await _deliver(update, context, outcome.person_id, replies)
    if outcome.media:
        context.bot.open_updates.handled(update.update_id)  # as for an import: the poller need not wait
        replies = await media_export.archive(context.deps, outcome.person_id, outcome.media,
                                             functools.partial(_fetch, context.bot), _progress_line(context.bot, update.effective_chat.id))
        await _deliver(update, context, outcome.person_id, replies)


async def _download(document: Document) -> bytes:
    return bytes(await (await document.get_file()).download_as_bytearray())


async def _fetch(bot: ExtBot, file_id: str) -> tuple[bytes, str]:
    file = await bot.get_file(file_id)
    return bytes(await file.download_as_bytearray()), file.file_path or ""


def _progress_line(bot: ExtBot, chat_id: int) -> Callable[[str], Awaitable[None]]:
    """Show progress in one message: sent the first time, edited after."""
    shown: list[Message] = []

    async def show(text: str) -> None:
        try:
            if shown:
                await shown[0].edit_text(text)
            else:
                shown.append(await bot.send_message(chat_id, text))
        except TelegramError as exc:  # progress is a courtesy: the files still come
            log.info("progress line not shown: %s", type(exc).__name__)
    return show


async def _answer(query: CallbackQuery) -> None:
    try:
        await query.answer()
    except TelegramError as exc:  # too late (a slow network, a repeat after a restart) or failed: only the spinner
        log.info("callback query not answered: %s", exc)


async def _deliver(update: Update, context: BotContext, person_id: int | None, replies: list[Reply] | None) -> None:
    """Send the replies; those Telegram refuses go to the outbox (in the person's private chat only)."""
    undelivered, error = await deliver(update, context.bot, replies)
    if error is None:
        return
    log.warning("update %s: reply not delivered (%s: %s); %d message(s) left", update.update_id,
                type(error).__name__, error, len(undelivered))
    if person_id is not None and update.effective_chat.type == ChatType.PRIVATE:
        await lost_replies.keep_undelivered(context.deps, person_id, undelivered, turn_of(update, context).said,
                                            update.update_id)

"""Turn plain Reply objects from flows/ and scheduler/ into Telegram messages."""
from __future__ import annotations

import logging
from collections.abc import Iterable

from telegram import InputFile, Update
from telegram.error import BadRequest, TelegramError
from telegram.ext import ExtBot

from core.ui import Attachment, Button, Reply

log = logging.getLogger(__name__)

SEND_BY_KIND = {
    "photo": ("send_photo", "photo"),
    "document": ("send_document", "document"),
    "voice": ("send_voice", "voice"),
    "video": ("send_video", "video"),
    "audio": ("send_audio", "audio"),
}


def keyboard(rows: Iterable[Iterable[Button]]) -> dict | None:
    """Inline buttons as the Bot API's reply_markup: what InlineKeyboardMarkup.to_dict() gives, without its objects."""
    markup = [[{"text": b.label, "callback_data": b.data} for b in row] for row in rows]
    markup = [row for row in markup if row]
    return {"inline_keyboard": markup} if markup else None


async def send_attachment(bot: ExtBot, chat_id: int, attachment: Attachment | dict, silent: bool = False,
                          rate_limit_args: str | None = None, paid: bool = False) -> int:
    kind, file_id, caption = (
        (attachment.kind, attachment.file_id, attachment.caption)
        if isinstance(attachment, Attachment)
        else (attachment["kind"], attachment["file_id"], attachment.get("caption"))
    )
    method, field = SEND_BY_KIND.get(kind, SEND_BY_KIND["document"])
    message = await getattr(bot, method)(
        chat_id, **{field: file_id}, caption=caption, disable_notification=silent, rate_limit_args=rate_limit_args,
        allow_paid_broadcast=paid or None,
    )
    return message.message_id


async def _post(bot: ExtBot, endpoint: str, data: dict[str, object]) -> None:
    """A Bot API call without reading its result back (parsing the returned Message is a third of a send's CPU).

    bot.send_message and query.edit_message_text make this same call through the same path (the rate
    limiter, the request, Telegram's refusals raised as TelegramError); no reply needs the Message.
    """
    await bot._post(endpoint, data)  # noqa: SLF001


async def render(update: Update, bot: ExtBot, replies: Iterable[Reply] | None) -> None:
    """Send each reply to the chat of the update; `edit` replies replace the pressed message. Raises what Telegram raised."""
    _, error = await deliver(update, bot, replies)
    if error is not None:
        raise error


async def deliver(update: Update, bot: ExtBot, replies: Iterable[Reply] | None) -> tuple[list[Reply], TelegramError | None]:
    """Send the replies in order until Telegram refuses one: (what was not delivered, as plain messages; the error)."""
    chat = update.effective_chat
    if chat is None or not replies:
        return [], None
    replies = list(replies)
    query = update.callback_query
    for index, reply in enumerate(replies):
        done = 0  # parts of this reply delivered: its text, then each attachment
        try:
            markup = keyboard(reply.buttons)
            if reply.edit and query is not None and query.message is not None:
                pressed = query.message
                try:
                    await _post(bot, "editMessageText", {"chat_id": pressed.chat.id, "message_id": pressed.message_id,
                                                         "text": reply.text, "reply_markup": markup})
                except BadRequest as exc:
                    if "not modified" not in str(exc).lower():
                        raise
            else:
                await _post(bot, "sendMessage", {"chat_id": chat.id, "text": reply.text, "reply_markup": markup})
            done = 1
            for attachment in reply.attachments:
                await send_attachment(bot, chat.id, attachment)
                done += 1
            if reply.file is not None:
                name, data = reply.file
                await bot.send_document(chat.id, InputFile(data, filename=name))
            if reply.photo is not None:
                name, data = reply.photo
                await bot.send_photo(chat.id, InputFile(data, filename=name))
        except TelegramError as exc:
            rest = Reply(reply.text, reply.buttons, reply.attachments, reply.file, photo=reply.photo) if not done else \
                Reply("", attachments=reply.attachments[done - 1:], file=reply.file, photo=reply.photo)
            return [rest, *replies[index + 1:]], exc
    return [], None

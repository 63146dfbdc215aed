"""Shared steps of every call that puts a bot message into a chat."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from emulator.errors import bad_request
from emulator.keyboards import Markup, parse_markup
from emulator.limits import STARS_PER_PAID_MESSAGE
from emulator.params import Params
from emulator.records import SentMessage
from emulator.state import ChatState, World, now

CAPTION_LIMIT = 1024


@dataclass
class Outgoing:
    """A validated message about to be stored."""

    kind: str
    body: dict[str, Any]  # kind-specific Message fields (text, photo, caption, ...)
    text: str | None = None
    source: str | None = None
    parse_mode: str | None = None
    markup: Markup = field(default_factory=Markup)
    file_id: str | None = None
    filename: str | None = None
    content: bytes | None = None
    media_group_id: str | None = None


def open_chat(world: World, params: Params) -> ChatState:
    """Return the target chat after the chat, block and flood checks (a paid broadcast's limit if asked)."""
    chat = world.chat(params.values.get("chat_id"))
    paid = params.bool("allow_paid_broadcast")
    world.limiter.check(chat.user.id, paid=paid)
    if paid and world.stars_required and world.stars_balance < STARS_PER_PAID_MESSAGE and world.limiter.would_bill():
        # Telegram's wording for an empty balance is not documented; the code (400) is what the bot relies on.
        raise bad_request("not enough Stars to send a paid broadcast")
    return chat


def reply_target(chat: ChatState, params: Params) -> dict[str, Any] | None:
    """Return the message being replied to, or raise when it does not exist."""
    reply = params.json("reply_parameters") or {}
    message_id = reply.get("message_id") or params.int("reply_to_message_id")
    if not message_id:
        return None
    target = chat.messages.get(int(message_id))
    if target is None:
        if reply.get("allow_sending_without_reply") or params.bool("allow_sending_without_reply"):
            return None
        raise bad_request("message to be replied not found")
    return {key: value for key, value in target.items() if key != "reply_to_message"}


def markup_of(params: Params) -> Markup:
    return parse_markup(params.json("reply_markup"))


def store(world: World, chat: ChatState, params: Params, out: Outgoing, reply: dict[str, Any] | None) -> dict[str, Any]:
    """Give the message its id, keep it, count the send and return the Message object."""
    message_id = chat.next_message_id()
    date = now()
    message: dict[str, Any] = {
        "message_id": message_id, "from": world.bot_json(), "chat": chat.user.chat_json(), "date": date,
    }
    if out.media_group_id:
        message["media_group_id"] = out.media_group_id
    if reply:
        message["reply_to_message"] = reply
    message.update(out.body)
    if out.markup.inline:
        message["reply_markup"] = out.markup.inline
    if out.markup.keyboard is not None:
        chat.keyboard = out.markup.keyboard
    elif out.markup.remove_keyboard:
        chat.keyboard = None
    paid = params.bool("allow_paid_broadcast")
    billed = world.limiter.record(chat.user.id, paid=paid)
    if billed:
        world.stars_balance -= STARS_PER_PAID_MESSAGE
    record = SentMessage(
        chat_id=chat.user.id, message_id=message_id, kind=out.kind, text=out.text, date=date,
        buttons=out.markup.buttons, keyboard=out.markup.keyboard, remove_keyboard=out.markup.remove_keyboard,
        disable_notification=params.bool("disable_notification"), parse_mode=out.parse_mode,
        reply_to_message_id=reply["message_id"] if reply else None, media_group_id=out.media_group_id,
        file_id=out.file_id, filename=out.filename, content=out.content, paid_broadcast=paid, billed=billed,
        raw=message,
    )
    chat.sources[message_id] = out.source
    world.add_bot_message(chat, message, record)
    return message

"""Editing and deleting messages, answering callback queries."""
from __future__ import annotations

from typing import Any

from emulator.errors import bad_request
from emulator.formatting import render
from emulator.keyboards import Markup
from emulator.methods.outgoing import CAPTION_LIMIT, markup_of
from emulator.methods.registry import method
from emulator.methods.sending import TEXT_LIMIT
from emulator.params import Params
from emulator.records import AnsweredCallback, SentMessage
from emulator.state import ChatState, World, now

NOT_MODIFIED = (
    "message is not modified: specified new message content and reply markup are exactly the same "
    "as a current content and reply markup of the message"
)
QUERY_INVALID = "query is too old and response timeout expired or query ID is invalid"


def _editable(world: World, params: Params) -> tuple[ChatState, SentMessage]:
    if params.has("inline_message_id"):
        raise bad_request("MESSAGE_ID_INVALID")
    chat = world.chat(params.values.get("chat_id"))
    world.limiter.check(chat.user.id)
    message_id = params.required_int("message_id")
    record = chat.sent.get(message_id)
    if record is None or record.deleted:
        if message_id in chat.messages:
            raise bad_request("message can't be edited")
        raise bad_request("message to edit not found")
    return chat, record


def _inline_only(params: Params) -> Markup:
    markup = markup_of(params)
    if markup.keyboard is not None or markup.remove_keyboard:
        raise bad_request("inline keyboard expected")
    return markup


def _apply(world: World, chat: ChatState, record: SentMessage, field: str | None,
           text: str | None, source: str | None, markup: Markup) -> dict[str, Any]:
    """Refuse a no-op edit, else change the stored message and return it."""
    message = chat.messages[record.message_id]
    text_changed = field is not None and (text != record.text or source != chat.sources.get(record.message_id))
    if not text_changed and markup.inline == message.get("reply_markup"):
        raise bad_request(NOT_MODIFIED)
    if text_changed:
        record.history.append(record.text)
        record.text = text
        chat.sources[record.message_id] = source
        if text is None:
            message.pop(field, None)
        else:
            message[field] = text
    if markup.inline:
        message["reply_markup"] = markup.inline
    else:
        message.pop("reply_markup", None)
    record.buttons = markup.buttons
    message["edit_date"] = now()
    world.note_edit(chat, record.message_id, text_changed)
    world.limiter.record(chat.user.id)
    return message


@method("editMessageText")
def edit_message_text(world: World, params: Params) -> dict[str, Any]:
    chat, record = _editable(world, params)
    source = params.str("text")
    if not source or not source.strip():
        raise bad_request("message text is empty")
    if record.kind != "text":
        raise bad_request("there is no text in the message to edit")
    text = render(source, params.str("parse_mode"))
    if len(text) > TEXT_LIMIT:
        raise bad_request("MESSAGE_TOO_LONG")
    return _apply(world, chat, record, "text", text, source, _inline_only(params))


@method("editMessageCaption")
def edit_message_caption(world: World, params: Params) -> dict[str, Any]:
    chat, record = _editable(world, params)
    if record.kind in ("text", "location"):
        raise bad_request("there is no caption in the message to edit")
    source = params.str("caption") or None
    caption = render(source, params.str("parse_mode")) if source else None
    if caption and len(caption) > CAPTION_LIMIT:
        raise bad_request("message caption is too long")
    return _apply(world, chat, record, "caption", caption, source, _inline_only(params))


@method("editMessageReplyMarkup")
def edit_message_reply_markup(world: World, params: Params) -> dict[str, Any]:
    chat, record = _editable(world, params)
    return _apply(world, chat, record, None, None, None, _inline_only(params))


@method("deleteMessage")
def delete_message(world: World, params: Params) -> bool:
    chat = world.chat(params.values.get("chat_id"))
    message_id = params.required_int("message_id")
    if chat.messages.pop(message_id, None) is None:
        raise bad_request("message to delete not found")
    if message_id in chat.sent:
        chat.sent[message_id].deleted = True
    world.signal.fire(chat.user.id)
    return True


@method("answerCallbackQuery")
def answer_callback_query(world: World, params: Params) -> bool:
    query_id = params.required_str("callback_query_id")
    pending = world.callbacks.get(query_id)
    if pending is None or pending.answered:
        raise bad_request(QUERY_INVALID)
    text = params.str("text")
    if text and len(text) > 200:
        raise bad_request("MESSAGE_TOO_LONG")
    pending.answered = True
    world.answered_callbacks.append(
        AnsweredCallback(query_id, pending.user_id, pending.data, text, params.bool("show_alert"), params.str("url"))
    )
    return True

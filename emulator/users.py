"""The user's side: messages, button presses, files and blocking, queued as updates for the bot.

Private chats by default; `chat_id` names a group instead (see `group`), and channels get posts.
"""
from __future__ import annotations

import re
import secrets
import struct
import zlib
from typing import Any

from emulator.media import media_object
from emulator.state import GROUP_TYPES, ChatState, GroupInfo, PendingCallback, UserInfo, World, now

_COMMAND = re.compile(r"(?<!\S)/[A-Za-z0-9_]{1,32}(?:@[A-Za-z0-9_]{3,32})?(?![^\s])")


def utf16_len(text: str) -> int:
    """Return the length Telegram uses for entity offsets (UTF-16 code units)."""
    return len(text.encode("utf-16-le")) // 2


def command_entities(text: str) -> list[dict[str, Any]]:
    """Return bot_command entities for every /command in the text."""
    return [
        {"type": "bot_command", "offset": utf16_len(text[:m.start()]), "length": utf16_len(m.group(0))}
        for m in _COMMAND.finditer(text)
    ]


def tiny_png() -> bytes:
    """Return a valid 1x1 PNG, the default picture a user sends."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(b"\x00\xff\xff\xff")) + chunk(b"IEND", b"")


class UserSide:
    """Act as users of the bot: every action queues the update Telegram would send."""

    def __init__(self, world: World) -> None:
        self.world = world

    def user(self, user_id: int, first_name: str | None = None, username: str | None = None,
             last_name: str | None = None, language_code: str | None = "id") -> UserInfo:
        """Register (or update) a user who has started the bot; return them."""
        known = self.world.users.get(user_id)
        info = UserInfo(
            id=user_id,
            first_name=first_name or (known.first_name if known else f"User {user_id}"),
            username=username if username is not None else (known.username if known else None),
            last_name=last_name if last_name is not None else (known.last_name if known else None),
            language_code=language_code,
        )
        self.world.register(info)
        return info

    def _chat(self, user_id: int) -> ChatState:
        chat = self.world.chats.get(user_id) or self.world.register(self.user(user_id))
        if chat.blocked:
            self.unblock(user_id)  # writing to a blocked bot restarts it, as the apps do
        return chat

    def _group(self, chat_id: int) -> ChatState:
        chat = self.world.chats.get(chat_id)
        if chat is None or not isinstance(chat.user, GroupInfo):
            raise LookupError(f"no group or channel {chat_id}")
        return chat

    def group(self, chat_id: int, title: str, type: str = "group", added_by: int | None = None) -> GroupInfo:
        """Create a group, supergroup or channel with the bot in it; `added_by` queues the my_chat_member update."""
        if chat_id >= 0 or type not in GROUP_TYPES:
            raise ValueError(f"a group needs a negative id and a type in {GROUP_TYPES}")
        info = GroupInfo(chat_id, title, type)
        chat = self.world.register_group(info)
        if added_by is not None:
            actor = (self.world.users.get(added_by) or self.user(added_by)).json()
            self.world.push_member_change(chat, actor, "left", "administrator" if type == "channel" else "member")
        return info

    def post_in_channel(self, chat_id: int, text: str) -> dict[str, Any]:
        """Post in a channel (a channel_post update, sent by the channel itself)."""
        chat = self._group(chat_id)
        if chat.user.type != "channel":
            raise LookupError(f"chat {chat_id} is not a channel")
        post = {"message_id": chat.next_message_id(), "sender_chat": chat.user.chat_json(),
                "chat": chat.user.chat_json(), "date": now(), "text": text}
        chat.messages[post["message_id"]] = post
        return self.world.updates.push("channel_post", post)

    def _message(self, user_id: int, fields: dict[str, Any], reply_to_message_id: int | None = None,
                 chat_id: int | None = None) -> dict[str, Any] | None:
        if chat_id is None or chat_id == user_id:
            chat = self._chat(user_id)
            sender = chat.user.json()
        else:
            chat = self._group(chat_id)
            sender = (self.world.users.get(user_id) or self.user(user_id)).json()
        message: dict[str, Any] = {
            "message_id": chat.next_message_id(), "from": sender, "chat": chat.user.chat_json(), "date": now(),
        }
        if reply_to_message_id is not None:
            target = chat.messages.get(reply_to_message_id)
            if target is None:
                raise LookupError(f"no message {reply_to_message_id} in chat {user_id}")
            message["reply_to_message"] = {k: v for k, v in target.items() if k != "reply_to_message"}
        message.update(fields)
        chat.messages[message["message_id"]] = message
        if chat.left:  # the bot is no longer in the group: it never sees the message
            return None
        return self.world.updates.push("message", message)

    def send_text(self, user_id: int, text: str, reply_to_message_id: int | None = None,
                  chat_id: int | None = None) -> dict[str, Any] | None:
        """Send a text message (commands get bot_command entities), in a group when `chat_id` names one."""
        fields: dict[str, Any] = {"text": text}
        if entities := command_entities(text):
            fields["entities"] = entities
        return self._message(user_id, fields, reply_to_message_id, chat_id)

    def _pressable(self, user_id: int, chat_id: int | None) -> ChatState:
        return self._chat(user_id) if chat_id is None or chat_id == user_id else self._group(chat_id)

    def press(self, user_id: int, message_id: int, data: str, chat_id: int | None = None) -> dict[str, Any]:
        """Press an inline button with `data` under the bot's message `message_id` (in group `chat_id`)."""
        chat = self._pressable(user_id, chat_id)
        record = chat.sent.get(message_id)
        if record is None:
            raise LookupError(f"the bot sent no message {message_id} to chat {chat.user.id}")
        query_id = str(secrets.randbits(63))
        self.world.callbacks[query_id] = PendingCallback(user_id=user_id, data=data)
        if record.deleted:
            message = {"chat": chat.user.chat_json(), "message_id": message_id, "date": 0}
        else:
            message = chat.messages[message_id]
        presser = (self.world.users.get(user_id) or self.user(user_id)).json()
        query = {"id": query_id, "from": presser, "message": message,
                 "chat_instance": chat.chat_instance, "data": data}
        return self.world.updates.push("callback_query", query)

    def click(self, user_id: int, label: str, message_id: int | None = None,
              chat_id: int | None = None) -> dict[str, Any]:
        """Press the button labelled `label` on the newest bot message showing it (or on message_id)."""
        chat = self._pressable(user_id, chat_id)
        candidates = [chat.sent[message_id]] if message_id is not None else reversed(list(chat.sent.values()))
        for record in candidates:
            if record.deleted:
                continue
            try:
                data = record.data_for(label)
            except LookupError:
                continue
            return self.press(user_id, record.message_id, data or "", chat_id)
        raise LookupError(f"no button {label!r} in chat {chat.user.id}")

    def send_file(self, user_id: int, kind: str, content: bytes, *, filename: str | None = None,
                  mime_type: str | None = None, caption: str | None = None,
                  media_group_id: str | None = None, **extra: Any) -> dict[str, Any]:
        """Send a photo, document, voice note, video, audio or sticker."""
        stored = self.world.files.add(kind, content, filename, mime_type)
        fields: dict[str, Any] = {kind: media_object(self.world, stored, kind, **extra)}
        if media_group_id:
            fields["media_group_id"] = media_group_id
        if caption:
            fields["caption"] = caption
        return self._message(user_id, fields)

    def send_album(self, user_id: int, n: int, caption: str | None = None) -> list[dict[str, Any]]:
        """Send n photos as one album (the caption rides on the first)."""
        group_id = str(secrets.randbits(60))
        return [
            self.send_file(user_id, "photo", tiny_png(), caption=caption if i == 0 else None, media_group_id=group_id)
            for i in range(n)
        ]

    def send_location(self, user_id: int, latitude: float, longitude: float) -> dict[str, Any]:
        return self._message(user_id, {"location": {"latitude": latitude, "longitude": longitude}})

    def block(self, user_id: int) -> dict[str, Any] | None:
        """Block the bot; returns the my_chat_member update (None if already blocked)."""
        chat = self.world.chats.get(user_id) or self.world.register(self.user(user_id))
        if chat.blocked:
            return None
        chat.blocked = True
        return self._member_update(chat, "member", "kicked")

    def unblock(self, user_id: int) -> dict[str, Any] | None:
        """Unblock the bot; returns the my_chat_member update (None if not blocked)."""
        chat = self.world.chats.get(user_id)
        if chat is None or not chat.blocked:
            return None
        chat.blocked = False
        return self._member_update(chat, "kicked", "member")

    def _member_update(self, chat: ChatState, old: str, new: str) -> dict[str, Any]:
        return self.world.push_member_change(chat, chat.user.json(), old, new)

"""Everything the emulated Telegram remembers: bot, users, chats (private, group, channel), files, commands."""
from __future__ import annotations

import asyncio
import itertools
import re
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from emulator.errors import ApiError, blocked, chat_not_found, not_member, unauthorized
from emulator.files import FileStore
from emulator.limits import FloodLimiter
from emulator.records import AnsweredCallback, SentMessage
from emulator.updates import UpdateQueue

TOKEN = re.compile(r"^(\d{1,20}):[A-Za-z0-9_-]{1,100}$")
DEFAULT_BOT_ID = 7000000001


_time_source: Callable[[], float] = time.time


def now() -> int:
    """Return the current time in whole seconds, as Telegram dates are."""
    return int(_time_source())


def use_time_source(source: Callable[[], float] | None) -> None:
    """Date messages and updates by `source` (seconds since the epoch), e.g. a simulation's virtual clock; None: real time."""
    global _time_source
    _time_source = source or time.time


@dataclass
class UserInfo:
    """A Telegram user talking to the bot."""

    id: int
    first_name: str
    username: str | None = None
    last_name: str | None = None
    language_code: str | None = "id"

    def json(self) -> dict[str, Any]:
        """Return the Bot API User object."""
        data: dict[str, Any] = {"id": self.id, "is_bot": False, "first_name": self.first_name}
        for key in ("last_name", "username", "language_code"):
            if getattr(self, key):
                data[key] = getattr(self, key)
        return data

    def chat_json(self) -> dict[str, Any]:
        """Return the Bot API Chat object of the private chat with this user."""
        data: dict[str, Any] = {"id": self.id, "type": "private", "first_name": self.first_name}
        for key in ("last_name", "username"):
            if getattr(self, key):
                data[key] = getattr(self, key)
        return data


GROUP_TYPES = ("group", "supergroup", "channel")
ADMIN_RIGHTS = (
    "can_be_edited", "is_anonymous", "can_manage_chat", "can_delete_messages", "can_manage_video_chats",
    "can_restrict_members", "can_promote_members", "can_change_info", "can_invite_users", "can_post_stories",
    "can_edit_stories", "can_delete_stories",
)


@dataclass
class GroupInfo:
    """A group, supergroup or channel with the bot in it; its id is negative, as Telegram's are."""

    id: int
    title: str
    type: str = "group"

    def chat_json(self) -> dict[str, Any]:
        """Return the Bot API Chat object."""
        return {"id": self.id, "type": self.type, "title": self.title}


@dataclass
class ChatState:
    """A chat: one message-id sequence shared by its members and the bot.

    `user` is the other side of a private chat, or the group or channel itself (a GroupInfo).
    """

    user: UserInfo | GroupInfo
    messages: dict[int, dict[str, Any]] = field(default_factory=dict)  # every message, current form
    sent: dict[int, SentMessage] = field(default_factory=dict)  # the bot's messages
    events: list[tuple[int, str]] = field(default_factory=list)  # (message_id, "sent" | "edited")
    events_forgotten: int = 0  # events dropped from the front of `events` (World.forget): seq numbers stay
    sources: dict[int, str | None] = field(default_factory=dict)  # text as the bot sent it, markup included
    blocked: bool = False
    left: bool = False  # the bot left the group or channel (leaveChat)
    keyboard: list[list[str]] | None = None
    chat_instance: str = field(default_factory=lambda: str(secrets.randbits(62)))
    _ids: itertools.count = field(default_factory=lambda: itertools.count(1))

    def next_message_id(self) -> int:
        return next(self._ids)


@dataclass
class PendingCallback:
    user_id: int
    data: str | None
    answered: bool = False


class Signal:
    """Wake those waiting for the bot's next message or edit: in one chat, or in any chat."""

    def __init__(self) -> None:
        self._waiters: dict[int | None, set[asyncio.Future[None]]] = {}

    def fire(self, chat_id: int) -> None:
        """Something happened in chat_id: wake its waiters and those waiting on any chat."""
        for key in (chat_id, None):
            for waiter in self._waiters.pop(key, ()):
                if not waiter.done():
                    waiter.set_result(None)

    async def wait(self, timeout: float, chat_id: int | None = None) -> bool:
        """Wait for the next fire() in chat_id (None: any chat); return False on timeout."""
        waiter = asyncio.get_running_loop().create_future()
        self._waiters.setdefault(chat_id, set()).add(waiter)
        try:
            await asyncio.wait_for(waiter, max(timeout, 0))
        except TimeoutError:
            self._waiters.get(chat_id, set()).discard(waiter)
            return False
        return True


class World:
    """The emulated Telegram state shared by the Bot API and the control side."""

    def __init__(self, username: str, first_name: str, limiter: FloodLimiter) -> None:
        self.bot_username = username
        self.bot_first_name = first_name
        self.bot_id = DEFAULT_BOT_ID
        self.tokens: list[str] = []
        self.revoked: set[str] = set()  # tokens answered 401, as after @BotFather's /revoke
        self.users: dict[int, UserInfo] = {}
        self.chats: dict[int, ChatState] = {}
        self.files = FileStore()
        self.photo_sizes: dict[str, list[dict[str, Any]]] = {}
        self.updates = UpdateQueue()
        self.limiter = limiter
        self.commands: dict[tuple[tuple[Any, ...], str], list[tuple[str, str]]] = {}
        self.menu_buttons: dict[int | None, dict[str, Any]] = {}
        self.webhook: dict[str, Any] = {"url": ""}
        self.callbacks: dict[str, PendingCallback] = {}
        self.answered_callbacks: list[AnsweredCallback] = []
        self.signal = Signal()
        self.held: dict[str, asyncio.Future[bool]] = {}  # method (lower case) → resolves True to go on, False to drop
        self.held_after: dict[str, int] = {}  # method (lower case) → calls still let through before the hold
        self.failing: dict[str, list[ApiError]] = {}  # method (lower case) → errors its next calls answer, in order
        self.stars_balance = Decimal(0)  # getMyStarBalance; paid broadcasts' billed messages come off it
        self.stars_required = False  # refuse a billed paid send the balance cannot pay (off: it goes negative)
        self.sent_log: list[tuple[int, int]] = []  # (chat id, message id) of every message the bot sent, in order
        self.sent_log_forgotten = 0  # entries dropped from the front of sent_log (forget): positions stay

    def use_token(self, token: str) -> None:
        """Accept any well-formed token not revoked; the bot's id is the token's number."""
        match = TOKEN.match(token)
        if not match or token in self.revoked:
            raise unauthorized()
        if token not in self.tokens:
            self.tokens.append(token)
        self.bot_id = int(match.group(1))

    def bot_json(self) -> dict[str, Any]:
        return {"id": self.bot_id, "is_bot": True, "first_name": self.bot_first_name, "username": self.bot_username}

    def register(self, user: UserInfo) -> ChatState:
        """Add or update a user and return their private chat."""
        self.users[user.id] = user
        chat = self.chats.get(user.id)
        if chat is None:
            chat = self.chats[user.id] = ChatState(user=user)
        chat.user = user
        return chat

    def register_group(self, group: GroupInfo) -> ChatState:
        """Add a group, supergroup or channel with the bot in it and return its chat."""
        chat = self.chats.get(group.id)
        if chat is None:
            chat = self.chats[group.id] = ChatState(user=group)
        chat.user, chat.left = group, False
        return chat

    def chat(self, chat_id: Any, *, allow_blocked: bool = False) -> ChatState:
        """Return the chat a bot call names, or raise Telegram's error for it."""
        try:
            chat = self.chats.get(int(chat_id))
        except (TypeError, ValueError):
            chat = None
        if chat is None:
            raise chat_not_found()
        if chat.blocked and not allow_blocked:
            raise blocked()
        if chat.left:
            raise not_member(chat.user.type)
        return chat

    def push_member_change(self, chat: ChatState, actor: dict[str, Any], old: str, new: str) -> dict[str, Any]:
        """Queue the my_chat_member update for the bot's status in `chat` changing from `old` to `new`."""
        payload = {"chat": chat.user.chat_json(), "from": actor, "date": now(),
                   "old_chat_member": self._bot_member(old), "new_chat_member": self._bot_member(new)}
        return self.updates.push("my_chat_member", payload)

    def _bot_member(self, status: str) -> dict[str, Any]:
        data: dict[str, Any] = {"user": self.bot_json(), "status": status}
        if status == "kicked":
            data["until_date"] = 0
        elif status == "administrator":  # a bot is added to a channel as an administrator that may post
            data.update(dict.fromkeys(ADMIN_RIGHTS, False), can_post_messages=True)
        return data

    def add_bot_message(self, chat: ChatState, message: dict[str, Any], record: SentMessage) -> None:
        """Store a message the bot sent and wake waiting readers."""
        chat.messages[record.message_id] = message
        chat.sent[record.message_id] = record
        chat.events.append((record.message_id, "sent"))
        self.sent_log.append((chat.user.id, record.message_id))
        self.signal.fire(chat.user.id)

    def note_edit(self, chat: ChatState, message_id: int, text_changed: bool) -> None:
        if text_changed:
            chat.events.append((message_id, "edited"))
        self.signal.fire(chat.user.id)

    def forget(self, before: int) -> int:
        """Drop the bot's messages dated before `before` (seconds since the epoch), the chat's messages up to each,
        their events, and callbacks answered: a months-long simulation keeps only what a person may still press
        and the bot still edit. Positions in sent_log and events' seq numbers stay valid. Returns messages dropped."""
        dropped = 0
        for chat_id, message_id in self.sent_log:
            chat = self.chats[chat_id]
            record = chat.sent.get(message_id)
            if record is not None and record.date >= before:
                break
            dropped += 1
            chat.sent.pop(message_id, None)
            chat.sources.pop(message_id, None)
            for older in list(itertools.takewhile(lambda kept: kept <= message_id, chat.messages)):
                del chat.messages[older]
            gone = next((i for i, (mid, _) in enumerate(chat.events) if mid in chat.sent), len(chat.events))
            del chat.events[:gone]
            chat.events_forgotten += gone
        del self.sent_log[:dropped]
        self.sent_log_forgotten += dropped
        for query_id in [q for q, pending in self.callbacks.items() if pending.answered]:
            del self.callbacks[query_id]
        self.answered_callbacks.clear()
        return dropped

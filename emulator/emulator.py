"""BotApiEmulator: a local Telegram Bot API server with an in-process control side for tests."""
from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from aiohttp import web

from emulator.control import add_control_routes
from emulator.errors import ApiError
from emulator.limits import FloodLimiter, FloodStats
from emulator.methods.commands import scope_key, visible_commands
from emulator.records import AnsweredCallback, SentMessage
from emulator.server import build_app
from emulator.state import GroupInfo, UserInfo, World
from emulator.users import UserSide, tiny_png
from emulator.webhook import WebhookPusher

log = logging.getLogger(__name__)

Predicate = str | Callable[[SentMessage], bool] | None
SAMPLE_VOICE = b"OggS\x00\x02" + bytes(58)
SAMPLE_VIDEO = b"\x00\x00\x00\x18ftypmp42\x00\x00\x00\x00mp42isom"


class NoMessage(AssertionError):
    """wait_for found no matching message in time."""


def matches(message: SentMessage, predicate: Predicate) -> bool:
    """Return whether a message fits a wait_for predicate (None, substring or callable)."""
    if predicate is None:
        return True
    if isinstance(predicate, str):
        return predicate in (message.text or "")
    return bool(predicate(message))


class BotApiEmulator:
    """Serve the Bot API on 127.0.0.1 and play the users talking to the bot."""

    def __init__(
        self,
        *,
        username: str = "pendamping_demo_bot",
        first_name: str = "Pendamping",
        flood_limits: bool = False,
        overall_per_second: int = 30,
        per_chat_per_second: int = 1,
        per_chat_burst: int = 3,
        paid_per_second: int = 1000,
    ) -> None:
        self.limiter = FloodLimiter(flood_limits, overall_per_second, per_chat_per_second, per_chat_burst=per_chat_burst,
                                    paid_overall=paid_per_second)
        self.world = World(username, first_name, self.limiter)
        self.webhook = WebhookPusher(self.world)
        self._pushing: asyncio.Task | None = None
        self._users = UserSide(self.world)
        self._cursors: dict[int, int] = {}
        self._runner: web.AppRunner | None = None
        self.base_url: str | None = None

    # -- lifecycle -------------------------------------------------------------

    async def start(self, host: str = "127.0.0.1", port: int = 0) -> str:
        """Start serving; return and set base_url ("http://127.0.0.1:PORT")."""
        self.world.updates.open()
        app = build_app(self.world)
        add_control_routes(app, self)
        self._runner = web.AppRunner(app, access_log=None, shutdown_timeout=1.0)
        await self._runner.setup()
        site = web.TCPSite(self._runner, host, port)
        await site.start()
        bound_port = self._runner.addresses[0][1]
        self.base_url = f"http://{host}:{bound_port}"
        self._pushing = asyncio.create_task(self.webhook.run())
        log.info("Bot API emulator listening on %s", self.base_url)
        return self.base_url

    async def stop(self) -> None:
        """Release waiting long polls and stop serving."""
        self.world.updates.close()
        if self._pushing is not None:
            self._pushing.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._pushing
            self._pushing = None
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> BotApiEmulator:
        await self.start()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.stop()

    # -- settings and counters ---------------------------------------------------

    @property
    def flood_limits(self) -> bool:
        return self.limiter.enabled

    @flood_limits.setter
    def flood_limits(self, enabled: bool) -> None:
        self.limiter.enabled = enabled

    @property
    def stats(self) -> FloodStats:
        """Accepted sends and 429s (timestamps from time.monotonic)."""
        return self.limiter.stats

    @property
    def stars_balance(self) -> Decimal:
        """The bot's Telegram Stars (getMyStarBalance); each billed paid-broadcast message takes 0.1."""
        return self.world.stars_balance

    @stars_balance.setter
    def stars_balance(self, stars: int | Decimal) -> None:
        self.world.stars_balance = Decimal(stars)

    @property
    def tokens(self) -> list[str]:
        """Tokens the bot has used, in order of first use."""
        return list(self.world.tokens)

    @property
    def bot(self) -> dict[str, Any]:
        return self.world.bot_json()

    # -- the users' side ---------------------------------------------------------

    def user(self, user_id: int, first_name: str | None = None, username: str | None = None,
             last_name: str | None = None, language_code: str | None = "id") -> UserInfo:
        """Register (or update) a user whose private chat with the bot exists."""
        return self._users.user(user_id, first_name, username, last_name, language_code)

    def group(self, chat_id: int, title: str, type: str = "group", added_by: int | None = None) -> GroupInfo:
        """Create a group, supergroup or channel (negative id) with the bot in it.

        added_by: a user id; queues the my_chat_member update (left → member, administrator in a channel).
        """
        return self._users.group(chat_id, title, type, added_by)

    def send_text(self, user_id: int, text: str, reply_to_message_id: int | None = None,
                  chat_id: int | None = None) -> dict[str, Any] | None:
        """Queue a text message from the user (in group `chat_id`, if given); return the Update.

        None when the bot has left that group: it never sees the message.
        """
        return self._users.send_text(user_id, text, reply_to_message_id, chat_id)

    def press(self, user_id: int, message_id: int, data: str, chat_id: int | None = None) -> dict[str, Any]:
        """Queue a callback_query for `data` on the bot's message (in group `chat_id`); return the Update."""
        return self._users.press(user_id, message_id, data, chat_id)

    def click(self, user_id: int, label: str, message_id: int | None = None,
              chat_id: int | None = None) -> dict[str, Any]:
        """Press the button labelled `label` on the newest message showing it; return the Update."""
        return self._users.click(user_id, label, message_id, chat_id)

    def post_in_channel(self, chat_id: int, text: str) -> dict[str, Any]:
        """Queue a channel_post in a channel made with group(..., type="channel"); return the Update."""
        return self._users.post_in_channel(chat_id, text)

    def has_left(self, chat_id: int) -> bool:
        """Whether the bot left the group or channel (leaveChat)."""
        chat = self.world.chats.get(chat_id)
        return bool(chat and chat.left)

    def send_photo(self, user_id: int, caption: str | None = None, media_group_id: str | None = None,
                   content: bytes | None = None) -> dict[str, Any]:
        return self._users.send_file(user_id, "photo", content or tiny_png(), caption=caption,
                                     media_group_id=media_group_id)

    def send_document(self, user_id: int, filename: str, content: bytes, caption: str | None = None,
                      mime_type: str | None = None) -> dict[str, Any]:
        return self._users.send_file(user_id, "document", content, filename=filename, mime_type=mime_type,
                                     caption=caption)

    def send_voice(self, user_id: int, content: bytes = SAMPLE_VOICE, duration: int = 1,
                   caption: str | None = None) -> dict[str, Any]:
        return self._users.send_file(user_id, "voice", content, caption=caption, duration=duration)

    def send_video(self, user_id: int, content: bytes = SAMPLE_VIDEO, caption: str | None = None,
                   duration: int = 1, media_group_id: str | None = None) -> dict[str, Any]:
        return self._users.send_file(user_id, "video", content, caption=caption, duration=duration,
                                     media_group_id=media_group_id)

    def send_sticker(self, user_id: int, emoji: str = "👍") -> dict[str, Any]:
        return self._users.send_file(user_id, "sticker", tiny_png(), emoji=emoji)

    def send_album(self, user_id: int, n: int, caption: str | None = None) -> list[dict[str, Any]]:
        """Queue n photo messages sharing one media_group_id; return their Updates."""
        return self._users.send_album(user_id, n, caption)

    def send_location(self, user_id: int, latitude: float, longitude: float) -> dict[str, Any]:
        return self._users.send_location(user_id, latitude, longitude)

    def hold(self, method: str, after: int = 0) -> None:
        """Keep calls of a Bot API method waiting (a stalled network) until `release`; the first `after` calls
        from now go through (e.g. the first message of a batch reaches Telegram, the rest stalls)."""
        self.world.held.setdefault(method.lower(), asyncio.get_running_loop().create_future())
        self.world.held_after[method.lower()] = after

    def release(self, method: str, drop: bool = False) -> None:
        """Let held calls go on, or with `drop` answer them 502 unprocessed (their sender is gone)."""
        held = self.world.held.pop(method.lower(), None)
        self.world.held_after.pop(method.lower(), None)
        if held is not None and not held.done():
            held.set_result(not drop)

    def fail(self, method: str, code: int = 500, description: str = "Internal Server Error", times: int = 1,
             retry_after: int | None = None) -> None:
        """Answer the next `times` calls of a Bot API method with an error (not carried out), as a failing Telegram would."""
        self.world.failing.setdefault(method.lower(), []).extend(
            ApiError(code, description, retry_after) for _ in range(times))

    def revoke_token(self, token: str) -> None:
        """Answer every call with this token 401 Unauthorized, as Telegram does once @BotFather revoked it."""
        self.world.revoked.add(token)

    def push_update(self, kind: str, payload: Any) -> dict[str, Any]:
        """Queue an update of `kind` carrying `payload` exactly as given, e.g. one the bot's library cannot read."""
        return self.world.updates.push(kind, payload)

    def block(self, user_id: int) -> dict[str, Any] | None:
        """Block the bot: sends get 403 and a my_chat_member (member → kicked) update is queued."""
        return self._users.block(user_id)

    def unblock(self, user_id: int) -> dict[str, Any] | None:
        """Unblock the bot and queue my_chat_member (kicked → member)."""
        return self._users.unblock(user_id)

    def is_blocked(self, user_id: int) -> bool:
        chat = self.world.chats.get(user_id)
        return bool(chat and chat.blocked)

    # -- what the bot did --------------------------------------------------------

    def sent(self, chat_id: int, include_deleted: bool = False) -> list[SentMessage]:
        """Return the bot's messages in a chat, oldest first, in their current state."""
        chat = self.world.chats.get(chat_id)
        if chat is None:
            return []
        return [m for m in chat.sent.values() if include_deleted or not m.deleted]

    def sent_since(self, position: int = 0) -> tuple[list[SentMessage], int]:
        """The bot's messages in every chat since `position` in their sending order, in their current state, and the
        position to ask from next time (a simulation reads what arrived without walking every chat)."""
        log, forgotten = self.world.sent_log, self.world.sent_log_forgotten
        return ([self.world.chats[chat_id].sent[mid] for chat_id, mid in log[max(position - forgotten, 0):]],
                forgotten + len(log))

    def forget(self, before: float) -> int:
        """Drop the bot's messages dated before `before` (seconds since the epoch) and what goes with them
        (World.forget); return how many."""
        return self.world.forget(int(before))

    def last(self, chat_id: int) -> SentMessage | None:
        messages = self.sent(chat_id)
        return messages[-1] if messages else None

    def events(self, chat_id: int, after: int = 0) -> list[tuple[int, str, SentMessage]]:
        """Return (seq, "sent" | "edited", message) for the chat's events with seq > after."""
        chat = self.world.chats.get(chat_id)
        if chat is None:
            return []
        first = max(after, chat.events_forgotten)
        return [(seq, kind, chat.sent[mid]) for seq, (mid, kind) in
                enumerate(chat.events[first - chat.events_forgotten:], first + 1) if mid in chat.sent]

    async def wait_activity(self, timeout: float) -> bool:
        """Wait up to timeout for the bot's next message or edit in any chat; False on timeout."""
        return await self.world.signal.wait(timeout)

    async def wait_events(self, chat_id: int, after: int, timeout: float) -> list[tuple[int, str, SentMessage]]:
        """Return events after `after`, waiting up to timeout for the first one."""
        deadline = asyncio.get_running_loop().time() + timeout
        while not (found := self.events(chat_id, after)):
            remaining = deadline - asyncio.get_running_loop().time()
            if remaining <= 0 or not await self.world.signal.wait(remaining, chat_id):
                return []
        return found

    async def wait_for(self, chat_id: int, predicate: Predicate = None, timeout: float = 5.0,
                       edits: bool = True) -> SentMessage:
        """Return the next bot message (or text edit, if edits) matching predicate after the last one consumed.

        predicate: None (anything), a substring of the text/caption, or a callable on SentMessage.
        Messages skipped on the way count as consumed. Raises NoMessage (an AssertionError) on timeout.
        """
        start = self._cursors.get(chat_id, 0)
        deadline = asyncio.get_running_loop().time() + timeout
        while True:
            for seq, kind, message in self.events(chat_id, self._cursors.get(chat_id, 0)):
                self._cursors[chat_id] = seq
                if (edits or kind == "sent") and matches(message, predicate):
                    return message
            remaining = deadline - asyncio.get_running_loop().time()
            if remaining <= 0 or not await self.world.signal.wait(remaining, chat_id):
                seen = [m.text for _, _, m in self.events(chat_id, start)]
                raise NoMessage(
                    f"no message matching {predicate!r} in chat {chat_id} within {timeout}s; "
                    f"the bot sent meanwhile: {seen!r}"
                )

    def mark_read(self, chat_id: int) -> None:
        """Consume everything sent so far, so wait_for only sees what comes next."""
        chat = self.world.chats.get(chat_id)
        self._cursors[chat_id] = chat.events_forgotten + len(chat.events) if chat else 0

    def commands(self, scope: str | int | dict[str, Any] = "default", language_code: str = "") -> list[tuple[str, str]]:
        """Return (command, description) pairs the bot set for a scope.

        scope: a scope type ("default", "all_private_chats", ...), a chat id (chat scope) or a scope dict.
        """
        if isinstance(scope, int):
            key: tuple[Any, ...] = ("chat", scope)
        elif isinstance(scope, str):
            key = (scope,)
        else:
            key = scope_key(self.world, scope)
        return list(self.world.commands.get((key, language_code), []))

    def visible_commands(self, user_id: int) -> list[tuple[str, str]]:
        """Return the command menu the user would see (chat scope, then private chats, then default)."""
        return visible_commands(self.world, user_id)

    def keyboard(self, chat_id: int) -> list[list[str]] | None:
        """Return the reply keyboard currently shown in a chat."""
        chat = self.world.chats.get(chat_id)
        return chat.keyboard if chat else None

    def menu_button(self, chat_id: int | None = None) -> dict[str, Any] | None:
        return self.world.menu_buttons.get(chat_id)

    @property
    def answered_callbacks(self) -> list[AnsweredCallback]:
        return list(self.world.answered_callbacks)

    @property
    def pending_updates(self) -> list[dict[str, Any]]:
        """Updates not yet confirmed by the bot's getUpdates offset."""
        return self.world.updates.pending

    @property
    def webhook_url(self) -> str:
        return self.world.webhook["url"]

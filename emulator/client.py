"""EmulatorClient: drive a BotApiEmulator running in another process over its /_control/ API."""
from __future__ import annotations

import asyncio
import base64
from typing import Any

import aiohttp

from emulator.emulator import NoMessage, Predicate, matches
from emulator.records import SentMessage


class EmulatorError(Exception):
    """The emulator refused a control request."""


class EmulatorClient:
    """Async mirror of BotApiEmulator's control side (user actions and reads)."""

    def __init__(self, base_url: str) -> None:
        self.base_url = base_url.rstrip("/")
        self._session: aiohttp.ClientSession | None = None
        self._cursors: dict[int, int] = {}

    async def __aenter__(self) -> EmulatorClient:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.close()

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None

    def _http(self) -> aiohttp.ClientSession:
        if self._session is None:
            self._session = aiohttp.ClientSession()
        return self._session

    async def _post(self, action: str, **body: Any) -> Any:
        if isinstance(body.get("content"), bytes):
            body["content"] = base64.b64encode(body["content"]).decode()
        async with self._http().post(f"{self.base_url}/_control/{action}", json=body) as response:
            return self._result(await response.json())

    async def _get(self, name: str, **query: Any) -> Any:
        params = {key: str(value) for key, value in query.items() if value is not None}
        client_timeout = aiohttp.ClientTimeout(total=float(query.get("timeout") or 0) + 10)
        async with self._http().get(f"{self.base_url}/_control/{name}", params=params, timeout=client_timeout) as response:
            return self._result(await response.json())

    @staticmethod
    def _result(payload: dict[str, Any]) -> Any:
        if not payload.get("ok"):
            raise EmulatorError(payload.get("description", "control request failed"))
        return payload["result"]

    # -- the users' side ---------------------------------------------------------

    async def user(self, user_id: int, first_name: str | None = None, username: str | None = None,
                   last_name: str | None = None, language_code: str | None = "id") -> dict[str, Any]:
        return await self._post("user", user_id=user_id, first_name=first_name, username=username,
                                last_name=last_name, language_code=language_code)

    async def group(self, chat_id: int, title: str, type: str = "group", added_by: int | None = None) -> dict[str, Any]:
        return await self._post("group", chat_id=chat_id, title=title, type=type, added_by=added_by)

    async def send_text(self, user_id: int, text: str, reply_to_message_id: int | None = None,
                        chat_id: int | None = None) -> dict[str, Any] | None:
        return await self._post("send_text", user_id=user_id, text=text, reply_to_message_id=reply_to_message_id,
                                chat_id=chat_id)

    async def press(self, user_id: int, message_id: int, data: str, chat_id: int | None = None) -> dict[str, Any]:
        return await self._post("press", user_id=user_id, message_id=message_id, data=data, chat_id=chat_id)

    async def click(self, user_id: int, label: str, message_id: int | None = None,
                    chat_id: int | None = None) -> dict[str, Any]:
        return await self._post("click", user_id=user_id, label=label, message_id=message_id, chat_id=chat_id)

    async def post_in_channel(self, chat_id: int, text: str) -> dict[str, Any]:
        return await self._post("post_in_channel", chat_id=chat_id, text=text)

    async def send_photo(self, user_id: int, caption: str | None = None, media_group_id: str | None = None,
                         content: bytes | None = None) -> dict[str, Any]:
        return await self._post("send_photo", user_id=user_id, caption=caption, media_group_id=media_group_id,
                                content=content)

    async def send_document(self, user_id: int, filename: str, content: bytes, caption: str | None = None,
                            mime_type: str | None = None) -> dict[str, Any]:
        return await self._post("send_document", user_id=user_id, filename=filename, content=content,
                                caption=caption, mime_type=mime_type)

    async def send_voice(self, user_id: int, caption: str | None = None) -> dict[str, Any]:
        return await self._post("send_voice", user_id=user_id, caption=caption)

    async def send_video(self, user_id: int, caption: str | None = None) -> dict[str, Any]:
        return await self._post("send_video", user_id=user_id, caption=caption)

    async def send_sticker(self, user_id: int, emoji: str = "👍") -> dict[str, Any]:
        return await self._post("send_sticker", user_id=user_id, emoji=emoji)

    async def send_album(self, user_id: int, n: int, caption: str | None = None) -> list[dict[str, Any]]:
        return await self._post("send_album", user_id=user_id, n=n, caption=caption)

    async def send_location(self, user_id: int, latitude: float, longitude: float) -> dict[str, Any]:
        return await self._post("send_location", user_id=user_id, latitude=latitude, longitude=longitude)

    async def block(self, user_id: int) -> dict[str, Any] | None:
        return await self._post("block", user_id=user_id)

    async def unblock(self, user_id: int) -> dict[str, Any] | None:
        return await self._post("unblock", user_id=user_id)

    async def set_flood_limits(self, enabled: bool) -> None:
        await self._post("flood_limits", enabled=enabled)

    # -- what the bot did --------------------------------------------------------

    async def sent(self, chat_id: int, after: int = 0, timeout: float = 0,
                   include_deleted: bool = False) -> list[SentMessage]:
        """Return the bot's messages with message_id > after, waiting up to timeout for one."""
        result = await self._get("sent", chat_id=chat_id, after=after, timeout=timeout,
                                 include_deleted=1 if include_deleted else None)
        return [SentMessage.from_json(item) for item in result]

    async def wait_for(self, chat_id: int, predicate: Predicate = None, timeout: float = 5.0,
                       edits: bool = True) -> SentMessage:
        """Same contract as BotApiEmulator.wait_for, with this client's own read position."""
        loop = asyncio.get_running_loop()
        start = self._cursors.get(chat_id, 0)
        deadline = loop.time() + timeout
        seen: list[str | None] = []
        while True:
            remaining = max(deadline - loop.time(), 0)
            events = await self._get("events", chat_id=chat_id,
                                     after=self._cursors.get(chat_id, 0), timeout=remaining)
            for event in events:
                self._cursors[chat_id] = event["seq"]
                message = SentMessage.from_json(event["message"])
                seen.append(message.text)
                if (edits or event["kind"] == "sent") and matches(message, predicate):
                    return message
            if loop.time() >= deadline:
                raise NoMessage(
                    f"no message matching {predicate!r} in chat {chat_id} within {timeout}s "
                    f"(read from event {start}); the bot sent meanwhile: {seen!r}"
                )

    async def mark_read(self, chat_id: int) -> None:
        """Consume everything sent so far, so wait_for only sees what comes next."""
        events = await self._get("events", chat_id=chat_id, after=self._cursors.get(chat_id, 0))
        if events:
            self._cursors[chat_id] = events[-1]["seq"]

    async def commands(self, scope: str | int = "default", language_code: str = "") -> list[tuple[str, str]]:
        result = await self._get("commands", scope=scope, language_code=language_code)
        return [(command, description) for command, description in result]

    async def visible_commands(self, user_id: int) -> list[tuple[str, str]]:
        return [(c, d) for c, d in await self._get("visible_commands", user_id=user_id)]

    async def keyboard(self, chat_id: int) -> list[list[str]] | None:
        return await self._get("keyboard", chat_id=chat_id)

    async def answered_callbacks(self) -> list[dict[str, Any]]:
        return await self._get("answered_callbacks")

    async def stats(self) -> dict[str, Any]:
        """Return {"sends", "rejected", "per_second", "send_times", "rejected_times", "paid_sends", "billed",
        "stars_spent" (a decimal string)}."""
        return await self._get("stats")

    async def pending_updates(self) -> list[dict[str, Any]]:
        return await self._get("pending_updates")

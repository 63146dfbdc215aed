"""The outbox's Sender (core/delivery.py) over the Bot API; Telegram errors mapped to plain ones.

Texts, nearly every outbox row, go as one JSON POST on a long-lived aiohttp session that reads back only
the message id: python-telegram-bot's request objects and parsing cost more CPU than the send itself at
a paid broadcast's 900 messages/s. Attachments go through the bot (python-telegram-bot), as replies do.
"""
from __future__ import annotations

import asyncio
import json

import aiohttp
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TimedOut
from telegram.ext import ExtBot

from bot.budget import BULK, retry_seconds
from bot.render import keyboard, send_attachment
from core.delivery import MaybeSent, PermanentError, RetryLater, TransientError, Unreachable
from core.ui import Button

UNREACHABLE_HINTS = ("chat not found", "user is deactivated", "bot was blocked", "bot can't initiate")
CONNECT_SECONDS = READ_SECONDS = 5.0  # python-telegram-bot's defaults, which replies use


def _translate(exc: Exception) -> Exception:
    if isinstance(exc, RetryAfter):
        return RetryLater(retry_seconds(exc))
    if isinstance(exc, Forbidden):
        return Unreachable(str(exc))
    if isinstance(exc, BadRequest):
        return _refused(str(exc))
    if isinstance(exc, TimedOut):  # the request may have reached Telegram before we stopped waiting
        return MaybeSent(str(exc) or exc.__class__.__name__)
    if isinstance(exc, NetworkError):
        return TransientError(str(exc) or exc.__class__.__name__)
    return exc


def _refused(description: str) -> Exception:
    """A 400: the chat is gone, or this message can never go."""
    text = description.lower()
    return Unreachable(description) if any(h in text for h in UNREACHABLE_HINTS) else PermanentError(description)


def _api_error(status: int, body: dict) -> Exception:
    """The error of a Bot API answer with ok false (or no JSON: a proxy's page)."""
    description = str(body.get("description") or f"HTTP {status}")
    code = body.get("error_code", status)
    if code == 429:
        return RetryLater(float((body.get("parameters") or {}).get("retry_after", 1)))
    if code == 403:
        return Unreachable(description)
    if code == 400:
        return _refused(description)
    if code >= 500 or code in (408, 409):
        return TransientError(description)
    return PermanentError(description)


class TelegramSender:
    """Deliver outbox rows through the Bot API; raises core.delivery errors only. Close it when done."""

    def __init__(self, bot: ExtBot) -> None:
        self._bot = bot
        self._http: aiohttp.ClientSession | None = None

    async def send_text(self, chat_id: int, text: str, buttons: list[list[dict]] | None, silent: bool,
                        paid: bool = False) -> int:
        payload: dict = {"chat_id": chat_id, "text": text}
        if markup := keyboard([Button(b["text"], b["data"]) for b in row] for row in buttons or []):
            payload["reply_markup"] = markup
        if silent:
            payload["disable_notification"] = True
        if paid:
            payload["allow_paid_broadcast"] = True
        return await self._post("sendMessage", payload)

    async def send_attachment(self, chat_id: int, attachment: dict, silent: bool, paid: bool = False) -> int:
        try:
            return await send_attachment(self._bot, chat_id, attachment, silent, rate_limit_args=BULK, paid=paid)
        except Exception as exc:  # noqa: BLE001 - translated, never swallowed
            raise _translate(exc) from exc

    async def close(self) -> None:
        if self._http is not None:
            await self._http.close()
            self._http = None

    async def _post(self, method: str, payload: dict) -> int:
        if self._http is None:
            self._http = aiohttp.ClientSession(
                timeout=aiohttp.ClientTimeout(total=None, sock_connect=CONNECT_SECONDS, sock_read=READ_SECONDS),
                json_serialize=lambda value: json.dumps(value, ensure_ascii=False),
            )
        try:
            async with self._http.post(f"{self._bot.base_url}/{method}", json=payload) as response:
                status, raw = response.status, await response.read()
        except aiohttp.ConnectionTimeoutError as exc:  # never reached Telegram
            raise TransientError("connect timeout") from exc
        except (asyncio.TimeoutError, aiohttp.SocketTimeoutError) as exc:  # may have reached Telegram
            raise MaybeSent("read timeout") from exc
        except aiohttp.ClientError as exc:  # some name the URL, and with it the token
            raise TransientError(f"{type(exc).__name__}: {str(exc).replace(self._bot.token, '<token>')}") from exc
        try:
            body = json.loads(raw)
        except ValueError:
            body = {}
        if status == 200 and body.get("ok"):
            return body["result"]["message_id"]
        raise _api_error(status, body)

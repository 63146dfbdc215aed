"""The outbox's Sender (core/delivery.py) implemented with python-telegram-bot; Telegram errors mapped to plain ones."""
from __future__ import annotations

from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TimedOut
from telegram.ext import ExtBot

from bot.budget import BULK, retry_seconds
from bot.render import keyboard_from_json, send_attachment
from core.delivery import MaybeSent, PermanentError, RetryLater, TransientError, Unreachable

UNREACHABLE_HINTS = ("chat not found", "user is deactivated", "bot was blocked", "bot can't initiate")


def _translate(exc: Exception) -> Exception:
    if isinstance(exc, RetryAfter):
        return RetryLater(retry_seconds(exc))
    if isinstance(exc, Forbidden):
        return Unreachable(str(exc))
    if isinstance(exc, BadRequest):
        text = str(exc).lower()
        return Unreachable(str(exc)) if any(h in text for h in UNREACHABLE_HINTS) else PermanentError(str(exc))
    if isinstance(exc, TimedOut):  # the request may have reached Telegram before we stopped waiting
        return MaybeSent(str(exc) or exc.__class__.__name__)
    if isinstance(exc, NetworkError):
        return TransientError(str(exc) or exc.__class__.__name__)
    return exc


class TelegramSender:
    """Deliver outbox rows through the bot; raises core.delivery errors only."""

    def __init__(self, bot: ExtBot) -> None:
        self._bot = bot

    async def send_text(self, chat_id: int, text: str, buttons: list[list[dict]] | None, silent: bool) -> int:
        try:
            message = await self._bot.send_message(
                chat_id, text, reply_markup=keyboard_from_json(buttons), disable_notification=silent, rate_limit_args=BULK,
            )
        except Exception as exc:  # noqa: BLE001 - translated, never swallowed
            raise _translate(exc) from exc
        return message.message_id

    async def send_attachment(self, chat_id: int, attachment: dict, silent: bool) -> int:
        try:
            return await send_attachment(self._bot, chat_id, attachment, silent, rate_limit_args=BULK)
        except Exception as exc:  # noqa: BLE001
            raise _translate(exc) from exc

"""What a message transport promises the outbox sender: the Sender protocol and the errors it may raise; and
the bot's Star balance as the transport last read it (for the paid broadcast preview).

bot/ implements it over Telegram (bot/telegram_sender.py) and maps telegram.error.* to these.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Protocol


class RetryLater(Exception):
    """Telegram said 429: wait `seconds` before sending anything."""

    def __init__(self, seconds: float) -> None:
        super().__init__(f"retry after {seconds} s")
        self.seconds = seconds


class Unreachable(Exception):
    """The chat cannot receive messages (blocked the bot, chat not found, user deactivated)."""


class TransientError(Exception):
    """A 5xx or a network error; worth retrying later."""


class MaybeSent(TransientError):
    """Our request timed out: Telegram may have delivered the message, so a retry may send a copy."""


class PermanentError(Exception):
    """Telegram refused this message (a 400 other than an unreachable chat); retrying will not help."""


class Sender(Protocol):
    """The transport of outbox rows; `paid`: as a Telegram paid broadcast (allow_paid_broadcast)."""

    async def send_text(self, chat_id: int, text: str, buttons: list[list[dict]] | None, silent: bool,
                        paid: bool = False) -> int: ...

    async def send_attachment(self, chat_id: int, attachment: dict, silent: bool, paid: bool = False) -> int: ...


@dataclass
class StarBalance:
    """The bot's Telegram Stars as last read (bot/jobs.py reads them while paid broadcasts are enabled)."""

    stars: Decimal | None = None
    read_at: datetime | None = None

"""Telegram's errors reach the outbox sender as plain ones; a timeout says the message may have gone out."""
from __future__ import annotations

import pytest
from telegram.error import NetworkError, TimedOut

from bot.telegram_sender import TelegramSender
from scheduler.sender import MaybeSent, TransientError


class FailingBot:
    def __init__(self, error: Exception) -> None:
        self.error = error

    async def send_message(self, *args, **kwargs):
        raise self.error


async def test_a_timeout_may_have_been_delivered_a_network_error_was_not():
    with pytest.raises(MaybeSent):
        await TelegramSender(FailingBot(TimedOut())).send_text(1, "halo", None, False)
    with pytest.raises(TransientError) as raised:
        await TelegramSender(FailingBot(NetworkError("Connection refused"))).send_text(1, "halo", None, False)
    assert not isinstance(raised.value, MaybeSent)

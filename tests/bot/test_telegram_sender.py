"""The outbox transport over real HTTP (the emulator): what arrives, and Telegram's errors as plain ones."""
from __future__ import annotations

import asyncio

import pytest
from telegram.error import NetworkError, TimedOut
from telegram.ext import ExtBot

from bot import telegram_sender
from bot.telegram_sender import TelegramSender
from emulator import BotApiEmulator
from scheduler.sender import MaybeSent, PermanentError, RetryLater, TransientError, Unreachable

TOKEN = "123456789:TEST-sender_0123456789abcdefgh"


@pytest.fixture
async def transport():
    emulator = BotApiEmulator(flood_limits=False)
    await emulator.start()
    emulator.user(7, "Dewi")
    sender = TelegramSender(ExtBot(TOKEN, base_url=f"{emulator.base_url}/bot"))
    yield emulator, sender
    await sender.close()
    await emulator.stop()


async def test_a_text_arrives_with_its_buttons_silence_and_paid_flag(transport):
    emulator, sender = transport
    buttons = [[{"text": "Sudah selesai ✅", "data": "s:done:1"}]]
    message_id = await sender.send_text(7, "Yth. Ibu Dewi — «pengingat»", buttons, True, paid=True)
    sent = emulator.last(7)
    assert sent.message_id == message_id and sent.text == "Yth. Ibu Dewi — «pengingat»"
    assert sent.buttons == [[("Sudah selesai ✅", "s:done:1")]]
    assert sent.disable_notification and sent.paid_broadcast


async def test_telegram_errors_become_plain_ones(transport):
    emulator, sender = transport
    cases = [(429, "Too Many Requests: retry after 1", RetryLater), (500, "Internal Server Error", TransientError),
             (400, "Bad Request: chat not found", Unreachable), (400, "Bad Request: message is too long", PermanentError)]
    for code, description, error in cases:
        emulator.fail("sendMessage", code, description)
        with pytest.raises(error):
            await sender.send_text(7, "halo", None, False)
    emulator.block(7)
    with pytest.raises(Unreachable):
        await sender.send_text(7, "halo", None, False)


async def test_a_read_timeout_may_have_been_delivered_a_refused_connection_was_not(transport, monkeypatch):
    emulator, sender = transport
    monkeypatch.setattr(telegram_sender, "READ_SECONDS", 0.3)
    await sender.close()  # the next send opens a session with the short timeout
    emulator.hold("sendMessage")
    with pytest.raises(MaybeSent):
        await sender.send_text(7, "halo", None, False)
    emulator.release("sendMessage", drop=True)
    await emulator.stop()
    with pytest.raises(TransientError) as raised:
        await sender.send_text(7, "halo", None, False)
    assert not isinstance(raised.value, MaybeSent) and TOKEN not in str(raised.value)


class FailingBot:
    base_url = "http://127.0.0.1:9/bot"

    def __init__(self, error: Exception) -> None:
        self.error = error

    async def send_photo(self, *args, **kwargs):
        raise self.error


async def test_an_attachment_timeout_may_have_been_delivered_a_network_error_was_not():
    photo = {"kind": "photo", "file_id": "F1"}
    with pytest.raises(MaybeSent):
        await TelegramSender(FailingBot(TimedOut())).send_attachment(1, photo, False)
    with pytest.raises(TransientError) as raised:
        await TelegramSender(FailingBot(NetworkError("Connection refused"))).send_attachment(1, photo, False)
    assert not isinstance(raised.value, MaybeSent)
    await asyncio.sleep(0)

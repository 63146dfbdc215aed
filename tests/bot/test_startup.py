"""Reaching Telegram at start: patient while the network is down, one line when the token is refused."""
from __future__ import annotations

import asyncio
import logging
import socket

import pytest
from aiohttp import web

from bot import startup
from bot.startup import Unreachable, bot_user
from core.settings import Settings, SettingsError
from emulator import BotApiEmulator

TOKEN = "123456789:TEST-startup_token_0123456789abcdef"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _settings(api_url: str) -> Settings:
    return Settings.from_env(telegram_bot_token=TOKEN, telegram_api_url=api_url)


@pytest.mark.parametrize("api_url", ["http://127.0.0.1:{port}", "http://telegram.invalid"])  # refused; DNS
async def test_an_impatient_caller_hears_that_telegram_is_unreachable(api_url):
    with pytest.raises(Unreachable, match="NetworkError"):
        await bot_user(_settings(api_url.format(port=_free_port())), patient=False)


async def test_a_patient_caller_logs_one_line_per_try_and_gets_through_once_telegram_answers(monkeypatch, caplog):
    monkeypatch.setattr(startup, "BACKOFF_SECONDS", (0.2,))
    port = _free_port()
    caplog.set_level(logging.WARNING, logger="bot.startup")
    asking = asyncio.create_task(bot_user(_settings(f"http://127.0.0.1:{port}"), patient=True))
    while len(caplog.records) < 2:
        await asyncio.sleep(0.05)
    assert not asking.done()
    async with BotApiEmulator() as emulator:
        await emulator.stop()
        await emulator.start(port=port)
        user = await asyncio.wait_for(asking, 10)
    assert user.username == "pendamping_demo_bot"
    lines = [r.getMessage() for r in caplog.records]
    assert all(line.startswith(f"Telegram cannot be reached at http://127.0.0.1:{port} (NetworkError: ") for line in lines)
    assert not any(r.exc_info or r.exc_text for r in caplog.records)  # no traceback
    assert all(TOKEN not in line for line in lines)


async def test_a_token_telegram_refuses_is_a_settings_error_at_once():
    async with BotApiEmulator() as emulator:
        emulator.revoke_token(TOKEN)
        with pytest.raises(SettingsError) as caught:
            await bot_user(_settings(emulator.base_url), patient=True)
    assert str(caught.value) == ("TELEGRAM_BOT_TOKEN: ditolak oleh Telegram (Unauthorized); "
                                 "salin ulang token bot dari @BotFather")


async def test_an_api_url_that_is_no_bot_api_is_named():
    async def login_page(request: web.Request) -> web.Response:
        return web.Response(text="<html>router login</html>")

    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", login_page)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    url = f"http://127.0.0.1:{runner.addresses[0][1]}"
    try:
        with pytest.raises(SettingsError) as caught:
            await bot_user(_settings(url), patient=True)
    finally:
        await runner.cleanup()
    assert str(caught.value).startswith(f"TELEGRAM_API_URL: {url} tidak menjawab sebagai Bot API Telegram (")

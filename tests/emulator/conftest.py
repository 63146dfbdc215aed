"""Fixtures: a running emulator and real python-telegram-bot Applications polling it."""
from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable

import pytest
from telegram.ext import Application, BaseHandler

from emulator import BotApiEmulator

TOKEN = "424242:test-token_ABC"
StartBot = Callable[..., Awaitable[Application]]


@pytest.fixture
async def emu() -> AsyncIterator[BotApiEmulator]:
    emulator = BotApiEmulator()
    await emulator.start()
    yield emulator
    await emulator.stop()


@pytest.fixture
async def start_bot(emu: BotApiEmulator) -> AsyncIterator[StartBot]:
    """Start a real Application with the given handlers, long polling the emulator."""
    running: list[Application] = []

    async def start(*handlers: BaseHandler, application: Application | None = None) -> Application:
        app = application or (
            Application.builder()
            .token(TOKEN)
            .base_url(f"{emu.base_url}/bot")
            .base_file_url(f"{emu.base_url}/file/bot")
            .build()
        )
        for handler in handlers:
            app.add_handler(handler)
        await app.initialize()
        await app.start()
        await app.updater.start_polling(poll_interval=0, timeout=1)
        running.append(app)
        return app

    yield start
    for app in running:
        await app.updater.stop()
        await app.stop()
        await app.shutdown()

"""Run the Application inside an already running event loop (tests, benchmarks, the demo)."""
from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from telegram.ext import Application

from bot.app import ALLOWED_UPDATES


@asynccontextmanager
async def polling(application: Application, poll_timeout: int = 1) -> AsyncIterator[Application]:
    """Start long polling with post_init, yield, then stop cleanly (as run_polling would)."""
    async with application:
        if application.post_init is not None:
            await application.post_init(application)
        await application.updater.start_polling(poll_interval=0, timeout=poll_timeout, allowed_updates=ALLOWED_UPDATES)
        await application.start()
        try:
            yield application
        finally:
            await application.updater.stop()
            await application.stop()
            if application.post_stop is not None:
                await application.post_stop(application)

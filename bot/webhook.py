"""Webhook mode that loses nothing: Telegram gets its 200 only after the update's unit of work has committed.

python-telegram-bot's own webhook server answers before handling, so an update in flight at a crash is
gone. Here each POST handles its update to the end (Application.process_update: the handler, its use case's
unit of work, the replies) and only then answers 200; a worker killed half-way answers nothing, and Telegram
delivers the update again, to this worker or another one behind the same URL.
A redelivery of an update that did commit is recognised inside the unit of work (store/updates.py:
handled_updates, keyed by update id), and on PostgreSQL each person's row is locked for the unit of work, so
several workers apply one person's updates one at a time (services/turn.py, `Turn.may_repeat`). Telegram
sends a chat's next update only once the previous one is answered, so their order is kept too.
Several processes may listen on one port (SO_REUSEPORT) or on ports of their own behind a proxy.
"""
from __future__ import annotations

import asyncio
import hmac
import logging
import signal
from dataclasses import dataclass

from aiohttp import web
from telegram import Update
from telegram.ext import Application

from bot.app import ALLOWED_UPDATES
from bot.context import WEBHOOK

log = logging.getLogger(__name__)

PATH = "/telegram"
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"


@dataclass(frozen=True)
class Listen:
    host: str
    port: int
    secret: str | None = None  # Telegram's secret_token, checked on every request
    url: str | None = None  # the public base URL to register with setWebhook (None: someone else registers it)


def webhook_app(application: Application, secret: str | None) -> web.Application:
    """The aiohttp app: POST /telegram handles one update and answers 200 once it has committed."""

    async def receive(request: web.Request) -> web.Response:
        if secret is not None and not hmac.compare_digest(request.headers.get(SECRET_HEADER, ""), secret):
            return web.Response(status=403)
        try:
            data = await request.json()
            update = Update.de_json(data, application.bot)
        except Exception as exc:  # unreadable: answering an error would make Telegram send it for ever
            log.error("webhook update skipped: it cannot be read (%s)", type(exc).__name__)
            return web.Response()
        await application.process_update(update)  # handler errors go to the error handler, as when polling
        return web.Response()

    app = web.Application()
    app.router.add_post(PATH, receive)
    return app


async def serve(application: Application, listen: Listen, stop: asyncio.Event) -> None:
    """Run the bot on a webhook until `stop` is set: jobs as when polling, updates through `webhook_app`."""
    application.bot_data[WEBHOOK] = True  # the handlers mark their turns may_repeat
    async with application:
        if application.post_init is not None:
            await application.post_init(application)
        await application.start()
        runner = web.AppRunner(webhook_app(application, listen.secret), access_log=None)
        await runner.setup()
        try:
            await web.TCPSite(runner, listen.host, listen.port, reuse_port=True).start()
            if listen.url:
                await application.bot.set_webhook(f"{listen.url.rstrip('/')}{PATH}", secret_token=listen.secret,
                                                  allowed_updates=ALLOWED_UPDATES)
            log.info("webhook worker listening on %s:%s", listen.host, listen.port)
            await stop.wait()
        finally:
            await runner.cleanup()  # lets requests in flight finish
            await application.stop()
            if application.post_stop is not None:
                await application.post_stop(application)


def run(application: Application, listen: Listen) -> None:
    """`pendamping run` with WEBHOOK_URL set: serve until SIGTERM or SIGINT."""

    async def main() -> None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(signum, stop.set)
        await serve(application, listen, stop)

    asyncio.run(main())

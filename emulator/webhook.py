"""Webhook delivery as Telegram does it: POST each update to the URL set by setWebhook (with the secret
token header), forget it only on a 200 answer, and send it again after a pause on any other answer, a
timeout or a refused connection. One user's next update waits until the previous one was answered;
different users' updates go out in parallel (up to MAX_CONNECTIONS, setWebhook's default)."""
from __future__ import annotations

import asyncio
import contextlib
import logging
from dataclasses import dataclass
from typing import Any

import aiohttp

from emulator.state import World

log = logging.getLogger(__name__)

MAX_CONNECTIONS = 40
RETRY_SECONDS = 0.5
TIMEOUT_SECONDS = 60.0
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"


@dataclass(frozen=True)
class Delivery:
    """One POST of an update to the webhook: its answer's status, or 0 for no answer."""

    update_id: int
    status: int


def _sender(update: dict[str, Any]) -> object:
    payload = next(value for key, value in update.items() if key != "update_id")
    user = (payload.get("from") or {}).get("id") if isinstance(payload, dict) else None
    return user if user is not None else ("update", update["update_id"])


class WebhookPusher:
    """Delivers the world's queued updates while a webhook URL is set; `deliveries` records every attempt."""

    def __init__(self, world: World, retry_seconds: float = RETRY_SECONDS) -> None:
        self.world, self.retry_seconds = world, retry_seconds
        self.deliveries: list[Delivery] = []
        self._in_flight: dict[int, asyncio.Task] = {}
        self._busy: set[object] = set()

    async def run(self) -> None:
        queue = self.world.updates
        # A connection per update: several workers sharing a port (SO_REUSEPORT) each get some.
        async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=TIMEOUT_SECONDS),
                                         connector=aiohttp.TCPConnector(force_close=True)) as http:
            try:
                while True:
                    queue.changed.clear()
                    if self.world.webhook["url"]:
                        self._start_ready(http)
                    await queue.changed.wait()
            finally:
                for task in self._in_flight.values():
                    task.cancel()
                for task in list(self._in_flight.values()):
                    with contextlib.suppress(asyncio.CancelledError):
                        await task

    def _start_ready(self, http: aiohttp.ClientSession) -> None:
        waiting = set(self._busy)  # a user whose earlier update is out (or waiting) gets nothing more yet
        for update in self.world.updates.pending:
            sender = _sender(update)
            if sender in waiting:
                continue
            waiting.add(sender)
            if len(self._in_flight) >= MAX_CONNECTIONS:
                return
            self._busy.add(sender)
            self._in_flight[update["update_id"]] = asyncio.create_task(self._deliver(http, update, sender))

    async def _deliver(self, http: aiohttp.ClientSession, update: dict[str, Any], sender: object) -> None:
        webhook = self.world.webhook
        headers = {SECRET_HEADER: webhook["secret_token"]} if webhook.get("secret_token") else {}
        status = 0
        try:
            async with http.post(webhook["url"], json=update, headers=headers) as response:
                status = response.status
        except (aiohttp.ClientError, asyncio.TimeoutError) as exc:
            log.info("webhook delivery of update %s failed: %s", update["update_id"], type(exc).__name__)
        self.deliveries.append(Delivery(update["update_id"], status))
        try:
            if status == 200:
                self.world.updates.confirm(update["update_id"])
            else:
                await asyncio.sleep(self.retry_seconds)
        finally:
            del self._in_flight[update["update_id"]]
            self._busy.discard(sender)
            self.world.updates.changed.set()

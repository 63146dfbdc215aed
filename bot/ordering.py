"""Process one person's updates one at a time, in arrival order; different people in parallel."""
from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

from telegram import Update
from telegram.ext import BaseUpdateProcessor

from core.foreground import Foreground


def _sender_key(update: object) -> int | None:
    if isinstance(update, Update):
        if update.effective_user:
            return update.effective_user.id
        if update.effective_chat:
            return update.effective_chat.id
    return None


class PerUserUpdateProcessor(BaseUpdateProcessor):
    """Serialise updates per Telegram user with FIFO locks that vanish when idle."""

    def __init__(self, max_concurrent_updates: int = 256, on_handled: Callable[[int], None] | None = None,
                 foreground: Foreground | None = None) -> None:
        super().__init__(max_concurrent_updates)
        self._locks: dict[int, tuple[asyncio.Lock, int]] = {}
        self._on_handled = on_handled
        self._foreground = foreground or Foreground()

    async def process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        try:
            with self._foreground.handling():
                await self._in_order(update, coroutine)
        finally:
            if self._on_handled is not None and isinstance(update, Update):
                self._on_handled(update.update_id)

    async def _in_order(self, update: object, coroutine: Awaitable[Any]) -> None:
        key = _sender_key(update)
        if key is None:
            await super().process_update(update, coroutine)
            return
        lock, users = self._locks.get(key, (asyncio.Lock(), 0))
        self._locks[key] = (lock, users + 1)
        try:
            async with lock:
                await super().process_update(update, coroutine)
        finally:
            lock, users = self._locks[key]
            if users == 1:
                del self._locks[key]
            else:
                self._locks[key] = (lock, users - 1)

    async def do_process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        await coroutine

    async def initialize(self) -> None:
        """Nothing to set up."""

    async def shutdown(self) -> None:
        """Nothing to tear down."""

"""Confirm an update to Telegram only once it has been handled, so a crash never drops one.

Telegram forgets the updates below the `offset` of the next getUpdates call, and python-telegram-bot
makes that call as soon as a batch is queued: a process killed while handling the batch would lose
it. `AckingBot` holds that call back until every update below the offset has been handled, or `hold`
seconds have passed, so one slow update (a roster import) cannot stall everyone for long.

A crash after an update was handled but before the next getUpdates makes Telegram deliver it again;
`is_repeat` (the person's last handled update id, saved in the same unit of work) recognises it.
Only long polling delivers a person's updates in id order through one poller; webhooks do neither,
so the repeat check is on only while polling.
"""
from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterable
from typing import Any

from telegram import Update
from telegram.ext import ExtBot

log = logging.getLogger(__name__)

# Long enough for any reply (milliseconds); short enough that a slow import stalls others' updates briefly.
HOLD_SECONDS = 2.0


class OpenUpdates:
    """Update ids fetched from Telegram and not handled yet."""

    def __init__(self, hold: float = HOLD_SECONDS) -> None:
        self.hold = hold
        self.polling = False
        self._open: set[int] = set()
        self._changed = asyncio.Event()

    def fetched(self, update_ids: Iterable[int]) -> None:
        self.polling = True
        self._open.update(update_ids)

    def handled(self, update_id: int) -> None:
        self._open.discard(update_id)
        self._changed.set()

    def waiting_below(self, offset: int) -> int:
        return sum(1 for update_id in self._open if update_id < offset)

    async def settle(self, offset: int) -> None:
        """Wait until the updates below `offset` are handled, at most `hold` seconds."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self.hold
        while (waiting := self.waiting_below(offset)) and (left := deadline - loop.time()) > 0:
            self._changed.clear()
            try:  # asyncio.timeout, not wait_for: on 3.11 wait_for can swallow the Updater's cancel at stop
                async with asyncio.timeout(left):
                    await self._changed.wait()
            except TimeoutError:
                pass
        if waiting:
            log.warning("confirming %d update(s) still being handled after %.0f s", waiting, self.hold)
            self._open = {update_id for update_id in self._open if update_id >= offset}


class AckingBot(ExtBot):
    """An ExtBot whose getUpdates confirms (by its offset) only updates that were handled."""

    __slots__ = ("_open_updates",)

    def __init__(self, *args: Any, open_updates: OpenUpdates, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._open_updates = open_updates  # Bot freezes its public attributes

    @property
    def open_updates(self) -> OpenUpdates:
        return self._open_updates

    async def get_updates(self, offset: int | None = None, *args: Any, **kwargs: Any) -> tuple[Update, ...]:
        if offset is not None:
            await self._open_updates.settle(offset)
        updates = await super().get_updates(offset, *args, **kwargs)
        self._open_updates.fetched(update.update_id for update in updates)
        return updates


def is_repeat(open_updates: OpenUpdates, update: Update, last_handled: int | None) -> bool:
    """Whether a polled update was handled before a crash (its person's last handled id is not older)."""
    return open_updates.polling and last_handled is not None and update.update_id <= last_handled

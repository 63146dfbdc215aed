"""Confirm an update to Telegram only once it has been handled, so a crash never drops one.

Telegram forgets the updates below the `offset` of the next getUpdates call, and python-telegram-bot
makes that call as soon as a batch is queued: a process killed while handling the batch would lose
it. `AckingBot` holds that call back until every update below the offset has been handled, or `hold`
seconds have passed, so one slow update (a roster import) cannot stall everyone for long.

A crash after an update was handled but before the next getUpdates makes Telegram deliver it again;
`is_repeat` (the person's last handled update id, saved in the same unit of work) recognises it.
Only long polling delivers a person's updates in id order through one poller; webhooks do neither,
so the repeat check is on only while polling.

An update python-telegram-bot cannot read (Update.de_json raises) would fail its whole batch, and the
poller would fetch the same batch again for ever. `AckingBot` passes on the updates before it, tries it
again a few times, then skips it, logging only its id and the error type (its content is a user's).
"""
from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterable
from typing import Any

from telegram import Update
from telegram.error import TelegramError
from telegram.ext import ExtBot

log = logging.getLogger(__name__)

# Long enough for any reply (milliseconds); short enough that a slow import stalls others' updates briefly.
HOLD_SECONDS = 2.0
UNREADABLE_TRIES = 3  # reads of an update that fails before it is skipped
UNREADABLE_PAUSE = 1.0  # seconds between them, so a bad update does not spin the poller


class _NoUnreadableContent(logging.Filter):
    """python-telegram-bot logs a batch it cannot parse with all its content (users' messages); drop that record."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not str(record.msg).startswith("Error while parsing updates")


NO_UNREADABLE_CONTENT = _NoUnreadableContent()


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
    """An ExtBot whose getUpdates confirms (by its offset) only updates that were handled, and skips unreadable ones."""

    __slots__ = ("_open_updates", "_batch", "_unreadable", "_skip_below")

    def __init__(self, *args: Any, open_updates: OpenUpdates, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._open_updates = open_updates  # Bot freezes its public attributes
        self._batch: list[Any] = []  # the last getUpdates result as JSON
        self._unreadable: dict[int, int] = {}  # update id → failed reads
        self._skip_below = 0  # the offset past the last skipped update
        self._LOGGER.addFilter(NO_UNREADABLE_CONTENT)  # the logger Bot.get_updates writes that record to

    @property
    def open_updates(self) -> OpenUpdates:
        return self._open_updates

    async def get_updates(self, offset: int | None = None, *args: Any, **kwargs: Any) -> tuple[Update, ...]:
        if self._skip_below and (offset is None or offset < self._skip_below):
            offset = self._skip_below
        if offset is not None:
            await self._open_updates.settle(offset)
        try:
            updates = await super().get_updates(offset, *args, **kwargs)
        except TelegramError:
            raise
        except Exception as exc:  # the batch did not parse
            updates = await self._readable_part(exc)
        self._open_updates.fetched(update.update_id for update in updates)
        return updates

    async def _post(self, endpoint: str, *args: Any, **kwargs: Any) -> Any:
        result = await super()._post(endpoint, *args, **kwargs)
        if endpoint == "getUpdates":
            self._batch = result
        return result

    async def _readable_part(self, error: Exception) -> tuple[Update, ...]:
        """The updates before the first unreadable one; that one is skipped after UNREADABLE_TRIES reads."""
        readable: list[Update] = []
        for raw in self._batch:
            try:
                update = Update.de_json(raw, self)
            except Exception as exc:
                update_id = raw.get("update_id") if isinstance(raw, dict) else None
                if not isinstance(update_id, int):
                    raise error from None
                reason = type(exc).__name__  # not the message: it may quote the content
                break
            self.insert_callback_data(update)
            readable.append(update)
        else:
            raise error from None  # each update reads on its own: the failure was elsewhere
        if readable:
            return tuple(readable)  # the unreadable one heads the next batch
        tries = self._unreadable[update_id] = self._unreadable.get(update_id, 0) + 1
        if tries < UNREADABLE_TRIES:
            log.warning("update %d cannot be read (%s); read %d of %d", update_id, reason, tries, UNREADABLE_TRIES)
            await asyncio.sleep(UNREADABLE_PAUSE)
        else:
            del self._unreadable[update_id]
            self._skip_below = update_id + 1
            log.error("update %d skipped: it cannot be read (%s) after %d reads", update_id, reason, tries)
        return ()


def is_repeat(open_updates: OpenUpdates, update: Update, last_handled: int | None) -> bool:
    """Whether a polled update was handled before a crash (its person's last handled id is not older)."""
    return open_updates.polling and last_handled is not None and update.update_id <= last_handled

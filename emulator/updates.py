"""The bot's update queue with getUpdates semantics (offset, limit, timeout, allowed_updates)."""
from __future__ import annotations

import asyncio
import itertools
from collections import deque
from typing import Any

from emulator.errors import ApiError

# Telegram sends these only when asked for explicitly.
OPT_IN_TYPES = frozenset({"chat_member", "message_reaction", "message_reaction_count"})
CONFLICT = "Conflict: terminated by other getUpdates request; make sure that only one bot instance is running"


class _Poller:
    def __init__(self) -> None:
        self.woken = asyncio.Event()
        self.superseded = False


class UpdateQueue:
    """Updates waiting for the bot, kept until a later offset confirms them."""

    def __init__(self) -> None:
        self._updates: deque[dict[str, Any]] = deque()
        self._ids = itertools.count(1)
        self._allowed: frozenset[str] | None = None
        self._poller: _Poller | None = None
        self._closed = False
        self.changed = asyncio.Event()  # set on each push (the webhook pusher waits for it)

    def push(self, kind: str, payload: dict[str, Any]) -> dict[str, Any]:
        """Queue an update of the given type and wake a waiting getUpdates."""
        update = {"update_id": next(self._ids), kind: payload}
        self._updates.append(update)
        self.changed.set()
        if self._poller:
            self._poller.woken.set()
        return update

    @property
    def pending(self) -> list[dict[str, Any]]:
        """Return the updates not yet confirmed by an offset."""
        return list(self._updates)

    def clear(self) -> None:
        self._updates.clear()

    def confirm(self, update_id: int) -> None:
        """Forget one update (a webhook answered 200 for it)."""
        self._updates = deque(u for u in self._updates if u["update_id"] != update_id)

    def open(self) -> None:
        """Accept long polls again after close()."""
        self._closed = False

    def close(self) -> None:
        """Release a waiting getUpdates so the server can stop at once."""
        self._closed = True
        if self._poller:
            self._poller.woken.set()

    async def get(
        self, offset: int | None, limit: int, timeout: float, allowed: list[str] | None
    ) -> list[dict[str, Any]]:
        """Confirm updates before offset, then return up to limit, waiting up to timeout."""
        if allowed is not None:
            self._allowed = frozenset(allowed) if allowed else None
        self._confirm(offset)
        if self._poller:
            self._poller.superseded = True
            self._poller.woken.set()
        ready = self._deliverable(limit)
        if ready or timeout <= 0 or self._closed:
            return ready
        poller = self._poller = _Poller()
        try:
            await asyncio.wait_for(poller.woken.wait(), timeout)
        except TimeoutError:
            pass
        finally:
            if self._poller is poller:
                self._poller = None
        if poller.superseded:
            raise ApiError(409, CONFLICT)
        return self._deliverable(limit)

    def _confirm(self, offset: int | None) -> None:
        if offset is None:
            return
        if offset < 0:
            while len(self._updates) > -offset:
                self._updates.popleft()
            return
        while self._updates and self._updates[0]["update_id"] < offset:
            self._updates.popleft()

    def _deliverable(self, limit: int) -> list[dict[str, Any]]:
        kept = deque(u for u in self._updates if self._is_allowed(u))
        self._updates = kept
        return list(itertools.islice(kept, limit))

    def _is_allowed(self, update: dict[str, Any]) -> bool:
        kind = next(key for key in update if key != "update_id")
        if self._allowed is None:
            return kind not in OPT_IN_TYPES
        return kind in self._allowed

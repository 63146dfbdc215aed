"""People's updates being handled now, so background work (the outbox sender) can let them finish first."""
from __future__ import annotations

import asyncio
from collections.abc import Iterator
from contextlib import contextmanager


class Foreground:
    """Counts the updates in hand; `quiet()` waits, for a bounded time, until there are none."""

    def __init__(self) -> None:
        self._in_hand = 0
        self._quiet = asyncio.Event()
        self._quiet.set()

    @contextmanager
    def handling(self) -> Iterator[None]:
        self._in_hand += 1
        self._quiet.clear()
        try:
            yield
        finally:
            self._in_hand -= 1
            if not self._in_hand:
                self._quiet.set()

    async def quiet(self, at_most: float) -> None:
        """Return once no update is in hand, or after `at_most` seconds."""
        if self._in_hand:
            try:
                async with asyncio.timeout(at_most):
                    await self._quiet.wait()
            except TimeoutError:
                pass

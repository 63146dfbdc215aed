"""Telegram's sending budget, shared in one process by bulk sends (the outbox) and interactive replies.

Guarantees, measured on the process's monotonic clock:
- over any `window` (1 s) at most `rate` (30) sends in all, of which bulk sends take at most
  `bulk_rate` (28): the rest is head-room for interactive replies, which also go first when waiting;
- at least `chat_interval` (1 s plus a small margin) between two sends to the same chat;
- at least `min_gap` between any two sends, so a backlog goes out smoothly rather than in one burst;
- after `pause(seconds)` (a 429's retry_after) nobody sends until the pause is over.
Memory is bounded: the window keeps at most `rate` timestamps and chats drop out after their interval.
Several processes sharing one bot token must split the rate between them (e.g. bulk_rate=14 each).
"""
from __future__ import annotations

import asyncio
import time
from collections import OrderedDict, deque
from collections.abc import Awaitable, Callable


class RateBudget:
    """A sliding-window budget with interactive priority and per-chat spacing."""

    def __init__(
        self,
        rate: int = 30,
        bulk_rate: int = 28,
        chat_interval: float = 1.05,
        window: float = 1.0,
        min_gap: float | None = None,
        now: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[object]] = asyncio.sleep,
    ) -> None:
        if not 0 < bulk_rate <= rate:
            raise ValueError("need 0 < bulk_rate <= rate")
        self.rate, self.bulk_rate = rate, bulk_rate
        self.chat_interval, self.window = chat_interval, window
        self.min_gap = window / (2 * rate) if min_gap is None else min_gap
        self._now, self._sleep = now, sleep
        self._sent: deque[float] = deque()
        self._chats: OrderedDict[int, float] = OrderedDict()
        self._interactive_waiting = 0
        self._paused_until = 0.0

    def pause(self, seconds: float) -> None:
        """Stop every send for `seconds` (Telegram's retry_after), extending any current pause."""
        self._paused_until = max(self._paused_until, self._now() + seconds)

    @property
    def paused_for(self) -> float:
        """Seconds left in the current pause (0 when not paused)."""
        return max(0.0, self._paused_until - self._now())

    @property
    def tracked_chats(self) -> int:
        return len(self._chats)

    async def acquire(self, chat_id: int | None = None, *, interactive: bool = False) -> None:
        """Wait until one message (to `chat_id`, if given) may go out, then count it as sent."""
        if interactive:
            self._interactive_waiting += 1
        try:
            while True:
                now = self._now()
                wait = self._wait(now, chat_id, interactive)
                if wait <= 0:
                    self._record(now, chat_id)
                    return
                await self._sleep(wait)
        finally:
            if interactive:
                self._interactive_waiting -= 1

    def _wait(self, now: float, chat_id: int | None, interactive: bool) -> float:
        while self._sent and self._sent[0] <= now - self.window:
            self._sent.popleft()
        waits = [self._paused_until - now]
        if self._sent:
            waits.append(self._sent[-1] + self.min_gap - now)
        # Interactive replies may use the whole rate; bulk leaves room, and more while replies wait.
        limit = self.rate if interactive else self.bulk_rate - self._interactive_waiting
        if limit <= 0:
            waits.append(self.min_gap)
        elif len(self._sent) >= limit:
            waits.append(self._sent[len(self._sent) - limit] + self.window - now)
        if chat_id is not None and (last := self._chats.get(chat_id)) is not None:
            waits.append(last + self.chat_interval - now)
        return max(waits)

    def _record(self, now: float, chat_id: int | None) -> None:
        self._sent.append(now)
        if chat_id is not None:
            self._chats[chat_id] = now
            self._chats.move_to_end(chat_id)
        while self._chats and next(iter(self._chats.values())) <= now - self.chat_interval:
            self._chats.popitem(last=False)

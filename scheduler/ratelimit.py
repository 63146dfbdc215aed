"""Telegram's sending budget, shared in one process by bulk sends (the outbox) and interactive replies.

Guarantees, measured on the process's monotonic clock:
- over any `window` (1 s) at most `rate` (30) sends in all, of which bulk sends take at most
  `bulk_rate` (28): the rest is head-room for interactive replies, which also go first when waiting;
- at least `chat_interval` (1 s plus a small margin) between two bulk sends to the same chat, and at
  most `chat_burst` sends to one chat in any `chat_burst × chat_interval` window: Telegram lets a reply
  follow the person's own action at once (a short burst), but answers a fourth within 3 s with a 429,
  which would pause every send; replies are held to this cap only while bulk sends are going out;
- at least `min_gap` between any two sends, so a backlog goes out smoothly rather than in one burst;
- after `pause(seconds)` (a 429's retry_after) nobody sends until the pause is over.
Memory is bounded: the window keeps at most `rate` timestamps, a chat at most `chat_burst`, and chats
drop out once their burst window has passed.
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
        chat_burst: int = 3,
        window: float = 1.0,
        min_gap: float | None = None,
        now: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[object]] = asyncio.sleep,
    ) -> None:
        if not 0 < bulk_rate <= rate:
            raise ValueError("need 0 < bulk_rate <= rate")
        self.rate, self.bulk_rate = rate, bulk_rate
        self.chat_interval, self.window = chat_interval, window
        self.chat_burst = chat_burst
        self.chat_window = chat_burst * chat_interval
        self.min_gap = window / (2 * rate) if min_gap is None else min_gap
        self._now, self._sleep = now, sleep
        self._sent: deque[float] = deque()  # every send in the last window
        self._bulk: deque[float] = deque()  # the bulk ones among them
        self._chats: OrderedDict[int, deque[float]] = OrderedDict()  # recent sends per chat, least recent chat first
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
        if interactive and chat_id is not None:
            # A reply held back by its own chat's burst cap takes no room from bulk while it waits.
            while (wait := self._chat_wait(self._now(), chat_id, interactive)) > 0:
                await self._sleep(wait)
        if interactive:
            self._interactive_waiting += 1
        try:
            while True:
                now = self._now()
                wait = max(self._wait(now, interactive), self._chat_wait(now, chat_id, interactive))
                if wait <= 0:
                    self._record(now, chat_id, interactive)
                    return
                await self._sleep(wait)
        finally:
            if interactive:
                self._interactive_waiting -= 1

    def _wait(self, now: float, interactive: bool) -> float:
        for sent in (self._sent, self._bulk):
            while sent and sent[0] <= now - self.window:
                sent.popleft()
        waits = [self._paused_until - now]
        if self._sent:
            waits.append(self._sent[-1] + self.min_gap - now)
        # Interactive replies may use the whole rate; bulk takes at most its share, and leaves a
        # place in the whole rate for each reply that is waiting.
        limits = [(self._sent, self.rate)] if interactive else [
            (self._bulk, self.bulk_rate), (self._sent, self.rate - self._interactive_waiting)]
        for sent, limit in limits:
            if limit <= 0:
                waits.append(self.min_gap)
            elif len(sent) >= limit:
                waits.append(sent[len(sent) - limit] + self.window - now)
        return max(waits)

    def _chat_wait(self, now: float, chat_id: int | None, interactive: bool) -> float:
        recent = self._chats.get(chat_id) if chat_id is not None else None
        if not recent:
            return 0.0
        if interactive and not (self._bulk and self._bulk[-1] > now - self.window):
            # No bulk traffic to protect: a reply goes at once; at worst it meets a 429 and is retried.
            return 0.0
        waits = [0.0]
        if not interactive:
            waits.append(recent[-1] + self.chat_interval - now)
        if len(recent) >= self.chat_burst:
            waits.append(recent[-self.chat_burst] + self.chat_window - now)
        return max(waits)

    def _record(self, now: float, chat_id: int | None, interactive: bool) -> None:
        self._sent.append(now)
        if not interactive:
            self._bulk.append(now)
        if chat_id is not None:
            recent = self._chats.setdefault(chat_id, deque(maxlen=self.chat_burst))
            recent.append(now)
            self._chats.move_to_end(chat_id)
        while self._chats and next(iter(self._chats.values()))[-1] <= now - self.chat_window:
            self._chats.popitem(last=False)

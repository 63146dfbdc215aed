"""Telegram's flood limits on a sliding one-second window, with counters for benchmarks.

Paid broadcasts (Bot API "Paid Broadcasts", `allow_paid_broadcast`): a send with the flag may go out
while fewer than `paid_overall` (1000) sends of any kind are in the last second, instead of `overall`
(30). It is billed `STARS_PER_PAID_MESSAGE` (0.1 Star) when it is accepted beyond the free 30 of
that second; refused sends cost nothing. The per-chat limit applies to paid sends as well: the flag
lifts the broadcasting limit only.
"""
from __future__ import annotations

import math
import time
from array import array
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal

from emulator.errors import too_many_requests

WINDOW = 1.0
PAID_PER_SECOND = 1000
STARS_PER_PAID_MESSAGE = Decimal("0.1")


@dataclass
class FloodStats:
    """What the bot sent and how often it was refused (times from time.monotonic)."""

    # plain doubles: a months-long simulation sends millions, and a float object each would count as its memory
    send_times: array = field(default_factory=lambda: array("d"))
    rejected_times: array = field(default_factory=lambda: array("d"))
    rejected_overall: int = 0  # refusals by the overall limit; the rest were by one chat's limit
    paid_sends: int = 0  # accepted sends with allow_paid_broadcast
    billed: int = 0  # those of them beyond the free overall limit of their second, each costing 0.1 Star

    @property
    def sends(self) -> int:
        return len(self.send_times)

    @property
    def stars_spent(self) -> Decimal:
        """Stars the bot's balance paid for paid broadcasts."""
        return self.billed * STARS_PER_PAID_MESSAGE

    @property
    def rejected(self) -> int:
        return len(self.rejected_times)

    def per_second(self, start: float | None = None) -> list[int]:
        """Return accepted sends per whole second since start (default: the first send)."""
        if not self.send_times:
            return []
        origin = self.send_times[0] if start is None else start
        counts = [0] * (int(self.send_times[-1] - origin) + 1)
        for moment in self.send_times:
            if moment >= origin:
                counts[int(moment - origin)] += 1
        return counts

    def rejected_after(self, seconds: float) -> int:
        """Count 429s later than `seconds` after the first send."""
        if not self.send_times:
            return self.rejected
        limit = self.send_times[0] + seconds
        return sum(1 for moment in self.rejected_times if moment > limit)

    def reset(self) -> None:
        del self.send_times[:]
        del self.rejected_times[:]
        self.rejected_overall = 0
        self.paid_sends = self.billed = 0


class FloodLimiter:
    """Refuse sends above `overall` per second in total, or above `per_chat` per second in one chat.

    Telegram tolerates short bursts in one chat ("we may allow short bursts that go over this limit,
    but eventually you'll begin receiving 429 errors"): a chat may take `per_chat_burst` messages in
    any window of `per_chat_burst / per_chat` seconds, which is still `per_chat` per second on average.
    A paid send counts in the same window but is refused only above `paid_overall` (module docstring).
    """

    def __init__(
        self,
        enabled: bool = False,
        overall: int = 30,
        per_chat: int = 1,
        clock: Callable[[], float] = time.monotonic,
        per_chat_burst: int = 1,
        paid_overall: int = PAID_PER_SECOND,
    ) -> None:
        self.enabled = enabled
        self.overall = overall
        self.paid_overall = paid_overall
        self.per_chat = per_chat
        self.per_chat_burst = per_chat_burst
        self.chat_window = per_chat_burst / per_chat
        self.stats = FloodStats()
        self.clock = clock  # public: a test may freeze time
        self._recent: deque[float] = deque()
        self._recent_by_chat: dict[int, deque[float]] = {}

    def check(self, chat_id: int, paid: bool = False) -> None:
        """Raise a 429 if one more send to chat_id now would exceed a limit (`paid`: allow_paid_broadcast)."""
        if not self.enabled:
            return
        now = self.clock()
        _expire(self._recent, now)
        chat_recent = self._recent_by_chat.get(chat_id)
        if chat_recent is not None:
            _expire(chat_recent, now, self.chat_window)
        overall_wait = chat_wait = 0.0
        overall = self.paid_overall if paid else self.overall
        if len(self._recent) >= overall:
            overall_wait = self._recent[-overall] + WINDOW - now
        if chat_recent and len(chat_recent) >= self.per_chat_burst:
            chat_wait = chat_recent[-self.per_chat_burst] + self.chat_window - now
        wait = max(overall_wait, chat_wait)
        if wait > 0:
            self.stats.rejected_times.append(now)
            self.stats.rejected_overall += overall_wait > 0
            raise too_many_requests(max(1, math.ceil(wait)))

    def would_bill(self) -> bool:
        """Whether a paid send now would be billed (the free sends of this second are used up)."""
        _expire(self._recent, self.clock())
        return len(self._recent) >= self.overall

    def record(self, chat_id: int, paid: bool = False) -> bool:
        """Count one accepted send to chat_id; return whether it was billed (a paid one beyond the free limit).

        The overall window is kept even with limits off, so that benchmarks can count Stars either way.
        """
        now = self.clock()
        self.stats.send_times.append(now)
        _expire(self._recent, now)
        billed = paid and len(self._recent) >= self.overall
        self.stats.paid_sends += paid
        self.stats.billed += billed
        self._recent.append(now)
        if not self.enabled:
            return billed
        chat_recent = self._recent_by_chat.setdefault(chat_id, deque())
        chat_recent.append(now)
        if len(self._recent_by_chat) > 4 * self.overall:
            self._forget_idle_chats(now)
        return billed

    def _forget_idle_chats(self, now: float) -> None:
        for chat_id in [c for c, times in self._recent_by_chat.items() if not times or times[-1] <= now - self.chat_window]:
            del self._recent_by_chat[chat_id]


def _expire(times: deque[float], now: float, window: float = WINDOW) -> None:
    while times and times[0] <= now - window:
        times.popleft()

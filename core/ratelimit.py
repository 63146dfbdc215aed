"""Telegram's sending budget, shared in one process by bulk sends (the outbox) and interactive replies.

Each send holds a slot from when it starts until its response is back (`slot()`), and the limits are
kept on the moment each send reached Telegram, bounded from above by the response's arrival minus the
fastest response transit seen lately (half the lowest recent round trip). A send that waited in our
own event loop or on the network therefore never lands inside a window it was not counted in.

Guarantees:
- over any `window` (1 s) at most `rate` (30) sends in all, of which bulk sends take at most
  `bulk_rate` (29): the rest is head-room for interactive replies, which also go first when waiting;
- at least `chat_interval` (1 s plus a small margin) between two bulk sends to the same chat, and at
  most `chat_burst` sends to one chat in any `chat_burst × chat_interval` window: Telegram lets a reply
  follow the person's own action at once (a short burst), but answers a fourth within 3 s with a 429,
  which would pause every send; replies are held to this cap only while bulk sends are going out;
- at least `min_gap` between the starts of any two sends, so a backlog goes out smoothly;
- after `pause(seconds)` (a 429's retry_after) nobody sends until the pause is over;
- with `restarted=True` (a process that may replace one that just died, mid-broadcast): no bulk send in
  the first max(window, chat_interval) after construction, since the dead process's last second — up
  to the whole bulk rate, and maybe a message to the very chats whose rows it left unsettled — is
  unknown to us; the rows it left behind are then resent without a burst of 429s.
Paid lane (Telegram's paid broadcasts, `allow_paid_broadcast`: up to 1,000 messages/s for 0.1 Star each):
- `slot(chat, paid=True)` waits only for a pause, the chat's spacing and `paid_rate` (900) paid sends in
  the window (counted by start: with few sends in flight that keeps us clear of 1,000);
- Telegram's free 30/s counts every send, paid ones too (only what goes beyond it is billed), so while
  paid sends are going out (`paid_active`: one started within the last `paid_linger`) a free send would
  meet a 429: the callers then send replies and other outbox rows paid as well (a few 0.1 Star each);
  a call that cannot go paid (an edit) makes the paid lane yield: no paid send until one window after the
  last paid one came back, then the free call, then the paid lane again (a second's pause per edit).
Memory is bounded: the window keeps the sends of the last `window` plus those in flight, a chat at
most `chat_burst`, and chats drop out once their burst window has passed.
Time: `now` and `sleep` are injectable; a simulation may pass a clock that skips the waits (bench/cohort.py), and
whoever keeps spacing of its own beside the budget (the outbox sender's busy people) reads `monotonic()` and
waits with `sleep()`, so that everything runs on the one clock.
Several processes sharing one bot token must split the rate between them (e.g. bulk_rate=14 each), and the
paid rate likewise (`paid_share`).
"""
from __future__ import annotations

import asyncio
import math
import time
from collections import OrderedDict, deque
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager

IN_FLIGHT = math.inf
RECENT_ROUND_TRIPS = 64
PAID_RATE = 900  # of Telegram's 1,000 paid messages/s: head-room for replies and timing slack


def paid_share(bulk_rate: int, free_bulk: int = 29) -> int:
    """A process's part of PAID_RATE when processes split the free rate (bulk_rate of 29) between them."""
    return PAID_RATE * bulk_rate // free_bulk


class _Send:
    """One send: when it started, and the latest moment it can have reached Telegram."""

    __slots__ = ("started", "reached")

    def __init__(self, started: float) -> None:
        self.started, self.reached = started, IN_FLIGHT


class RateBudget:
    """A sliding-window budget with interactive priority and per-chat spacing."""

    def __init__(
        self,
        rate: int = 30,
        bulk_rate: int = 29,
        chat_interval: float = 1.05,
        chat_burst: int = 3,
        window: float = 1.0,
        min_gap: float | None = None,
        restarted: bool = False,
        paid_rate: int = PAID_RATE,
        paid_linger: float = 2.0,
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
        self._poll = max(self.min_gap, 0.005)  # how often a sender blocked by a send in flight looks again
        self._now, self._sleep = now, sleep
        self._sent: list[_Send] = []  # sends in flight or reached within the last window
        self._bulk: list[_Send] = []  # the bulk ones among them
        self._chats: OrderedDict[int, deque[_Send]] = OrderedDict()  # recent sends per chat, least recent chat first
        self._round_trips: deque[float] = deque(maxlen=RECENT_ROUND_TRIPS)
        self._last_start = -math.inf
        self._interactive_waiting = 0
        self._paused_until = 0.0
        self._bulk_from = now() + max(window, chat_interval) if restarted else -math.inf
        self.paid_rate, self.paid_linger = paid_rate, paid_linger
        self._paid: deque[float] = deque()  # starts of the paid sends of the last window
        self._last_paid = -math.inf  # start of the latest paid send
        self._paid_in_flight = 0
        self._paid_back = -math.inf  # when the latest paid response came back
        self._yielding = 0  # free calls waiting for the paid lane to fall quiet

    def monotonic(self) -> float:
        """The budget's time (time.monotonic unless injected), in which its limits and waits are kept."""
        return self._now()

    async def sleep(self, seconds: float) -> None:
        """Wait `seconds` of the budget's time."""
        await self._sleep(seconds)

    def pause(self, seconds: float) -> None:
        """Stop every send for `seconds` (Telegram's retry_after), extending any current pause."""
        self._paused_until = max(self._paused_until, self._now() + seconds)

    @property
    def paused_for(self) -> float:
        """Seconds left in the current pause (0 when not paused)."""
        return max(0.0, self._paused_until - self._now())

    @property
    def in_flight(self) -> int:
        """Sends started whose response is not back yet."""
        return sum(1 for s in self._sent if s.reached == IN_FLIGHT)

    @property
    def tracked_chats(self) -> int:
        return len(self._chats)

    @property
    def paid_active(self) -> bool:
        """Paid sends went out lately: a free send now would meet Telegram's 30/s, which counts them too."""
        return self._now() - self._last_paid < self.paid_linger

    @asynccontextmanager
    async def slot(self, chat_id: int | None = None, *, interactive: bool = False,
                   paid: bool = False) -> AsyncIterator[None]:
        """Wait until one message (to `chat_id`, if given) may go out; the body sends it (`paid`: in the paid lane)."""
        if paid:
            send = await self._acquire_paid(chat_id, interactive)
            try:
                yield
            finally:
                self._settle(send)
                self._paid_in_flight -= 1
                self._paid_back = self._now()
            return
        yielding = self.paid_active
        if yielding:
            self._yielding += 1
        try:
            while yielding and (self._paid_in_flight or self._now() < self._paid_back + self.window):
                await self._sleep(self._poll)
            send = await self._acquire(chat_id, interactive)
            try:
                yield
            finally:
                self._settle(send)
        finally:
            if yielding:
                self._yielding -= 1

    async def _acquire_paid(self, chat_id: int | None, interactive: bool) -> _Send:
        while True:
            now = self._now()
            while self._paid and self._paid[0] <= now - self.window:
                self._paid.popleft()
            waits = [self._paused_until - now, self._chat_wait(now, chat_id, interactive)]
            if not self.paid_active and any(s.reached == IN_FLIGHT for s in self._sent):
                # The lane opens: free sends already under way must reach Telegram before the paid ones fill
                # its window, or they would meet the free 30/s (from now on such sends go paid).
                waits.append(IN_FLIGHT)
            if len(self._paid) >= self.paid_rate:
                waits.append(self._paid[0] + self.window - now)
            if self._yielding:
                waits.append(IN_FLIGHT)
            wait = max(waits)
            if wait <= 0:
                self._paid.append(now)
                self._last_paid = now
                self._paid_in_flight += 1
                return self._record(now, chat_id, interactive, counted=False)
            await self._sleep(self._poll if wait == IN_FLIGHT else wait)

    async def _acquire(self, chat_id: int | None, interactive: bool) -> _Send:
        if interactive and chat_id is not None:
            # A reply held back by its own chat's burst cap takes no room from bulk while it waits.
            while (wait := self._chat_wait(self._now(), chat_id, interactive)) > 0:
                await self._sleep(min(wait, self._poll) if wait == IN_FLIGHT else wait)
        if interactive:
            self._interactive_waiting += 1
        try:
            while True:
                now = self._now()
                wait = max(self._wait(now, interactive), self._chat_wait(now, chat_id, interactive))
                if wait <= 0:
                    return self._record(now, chat_id, interactive)
                await self._sleep(self._poll if wait == IN_FLIGHT else wait)
        finally:
            if interactive:
                self._interactive_waiting -= 1

    def _settle(self, send: _Send) -> None:
        """The response is back: the send reached Telegram at the latest one fastest transit ago."""
        now = self._now()
        self._round_trips.append(now - send.started)
        send.reached = max(send.started, now - min(self._round_trips) / 2)

    def _wait(self, now: float, interactive: bool) -> float:
        horizon = now - self.window
        self._sent = [s for s in self._sent if s.reached > horizon]
        self._bulk = [s for s in self._bulk if s.reached > horizon]
        waits = [self._paused_until - now, self._last_start + self.min_gap - now]
        if not interactive:
            waits.append(self._bulk_from - now)
        # Interactive replies may use the whole rate; bulk takes at most its share, and leaves a
        # place in the whole rate for each reply that is waiting.
        limits = [(self._sent, self.rate)] if interactive else [
            (self._bulk, self.bulk_rate), (self._sent, self.rate - self._interactive_waiting)]
        for sent, limit in limits:
            if limit <= 0:
                waits.append(self.min_gap)
            elif len(sent) >= limit:
                reached = sorted(s.reached for s in sent)
                waits.append(reached[len(sent) - limit] + self.window - now)
        return max(waits)

    def _chat_wait(self, now: float, chat_id: int | None, interactive: bool) -> float:
        recent = self._chats.get(chat_id) if chat_id is not None else None
        if not recent:
            return 0.0
        if interactive and not (self._bulk and self._bulk[-1].started > now - self.window) and not self.paid_active:
            # No bulk traffic to protect: a reply goes at once; at worst it meets a 429 and is retried.
            return 0.0
        waits = [0.0]
        if not interactive:
            waits.append(recent[-1].reached + self.chat_interval - now)
        if len(recent) >= self.chat_burst:
            waits.append(recent[-self.chat_burst].reached + self.chat_window - now)
        return max(waits)

    def _record(self, now: float, chat_id: int | None, interactive: bool, counted: bool = True) -> _Send:
        """Remember a send; `counted`: in the free rate (a paid send is only in its chat's spacing)."""
        send = _Send(now)
        if counted:
            self._last_start = now
            self._sent.append(send)
            if not interactive:
                self._bulk.append(send)
        if chat_id is not None:
            recent = self._chats.setdefault(chat_id, deque(maxlen=self.chat_burst))
            recent.append(send)
            self._chats.move_to_end(chat_id)
        while self._chats and next(iter(self._chats.values()))[-1].reached <= now - self.chat_window:
            self._chats.popitem(last=False)
        return send

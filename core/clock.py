"""An injectable clock, so tests can expand and drain at a chosen instant."""
from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from typing import Protocol


class Clock(Protocol):
    def now(self) -> datetime: ...

    def watch(self, moved: Callable[[], None]) -> Callable[[], None]:
        """Call `moved` whenever the clock jumps (sleepers until a clock time re-check); return the unwatch."""
        ...


def _nothing() -> None:
    return None


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(timezone.utc)

    def watch(self, moved: Callable[[], None]) -> Callable[[], None]:
        """Real time never jumps: a sleeper's timeout is enough."""
        return _nothing


class ShiftedClock(SystemClock):
    """Real time running from a chosen instant (the demo played at a fixed hour, whatever the hour now)."""

    def __init__(self, start: datetime) -> None:
        self._shift: timedelta = start - datetime.now(timezone.utc)

    def now(self) -> datetime:
        return datetime.now(timezone.utc) + self._shift


class FrozenClock:
    """A clock that stands still until moved; for tests and benchmarks."""

    def __init__(self, at: datetime) -> None:
        self._at = at
        self._watchers: set[Callable[[], None]] = set()

    def now(self) -> datetime:
        return self._at

    def set(self, at: datetime) -> None:
        self._at = at
        for moved in list(self._watchers):
            moved()

    def watch(self, moved: Callable[[], None]) -> Callable[[], None]:
        self._watchers.add(moved)
        return lambda: self._watchers.discard(moved)

"""The group notice is throttled per chat, and the throttle forgets chats told long ago."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

from bot.handlers.private_only import NOTICE_SECONDS, OncePerChat

T0 = datetime(2026, 3, 4, 3, 0, tzinfo=timezone.utc)


def test_one_notice_per_chat_per_period():
    throttle = OncePerChat()
    assert throttle.allow(-100, T0)
    assert not throttle.allow(-100, T0 + timedelta(minutes=1))
    assert throttle.allow(-200, T0 + timedelta(minutes=1))  # another group is told at once
    assert not throttle.allow(-100, T0 + timedelta(seconds=NOTICE_SECONDS - 1))
    assert throttle.allow(-100, T0 + timedelta(seconds=NOTICE_SECONDS + 1))


def test_chats_told_long_ago_are_forgotten():
    throttle = OncePerChat(seconds=60)
    for n in range(1000):
        throttle.allow(-n - 1, T0)
    assert len(throttle) == 1000
    throttle.allow(-5000, T0 + timedelta(minutes=2))
    assert len(throttle) == 1

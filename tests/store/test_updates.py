"""handled_updates: the first unit of work to record an update applies it; old ids are forgotten."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

from sqlalchemy import func, select

from store import updates
from store.models import HandledUpdate

NOW = datetime(2026, 3, 2, 3, 0, tzinfo=timezone.utc)


async def test_an_update_is_recorded_once_and_forgotten_after_two_days(db):
    async with db.session() as s:
        assert await updates.record(s, 41, NOW - timedelta(days=3))
        assert await updates.record(s, 42, NOW)
    async with db.session() as s:
        assert not await updates.record(s, 42, NOW)  # delivered again
        assert await updates.prune(s, NOW) == 1
        assert await s.scalar(select(func.count()).select_from(HandledUpdate)) == 1

"""Work at start: the content version's flows stored and the holidays computed before anyone needs them."""
from __future__ import annotations

from datetime import datetime, timezone

from core.clock import FrozenClock
from core.content.loader import load_content
from core.settings import SHIPPED_CONTENT_DIR
from program.holidays import library_days
from services.background import warm_up
from store.models import ContentVersion


async def test_the_content_snapshot_is_stored_at_start(db, deps_for):
    content = load_content(SHIPPED_CONTENT_DIR)
    deps = deps_for(content, FrozenClock(datetime(2026, 3, 2, 3, tzinfo=timezone.utc)))
    library_days.cache_clear()
    await warm_up(deps)
    await warm_up(deps)  # a restart on the same version: nothing more
    async with db.session() as s:
        stored = await s.get(ContentVersion, content.version)
    assert stored.snapshot == content.flows_snapshot
    assert set(stored.snapshot["flows"]) == set(content.flows) and stored.snapshot["flows"]["pi1"]["title"]
    hits = library_days.cache_info().hits
    library_days(2026), library_days(2027)
    assert library_days.cache_info().hits == hits + 2  # computed at start, not on someone's update

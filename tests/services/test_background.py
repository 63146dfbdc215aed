"""Work at start: the content version's flows are stored before anyone opens a flow."""
from __future__ import annotations

from datetime import datetime, timezone

from core.clock import FrozenClock
from core.content.loader import load_content
from core.settings import SHIPPED_CONTENT_DIR
from services.background import remember_content
from store.models import ContentVersion


async def test_the_content_snapshot_is_stored_at_start(db, deps_for):
    content = load_content(SHIPPED_CONTENT_DIR)
    deps = deps_for(content, FrozenClock(datetime(2026, 3, 2, 3, tzinfo=timezone.utc)))
    await remember_content(deps)
    await remember_content(deps)  # a restart on the same version: nothing more
    async with db.session() as s:
        stored = await s.get(ContentVersion, content.version)
    assert stored.snapshot == content.flows_snapshot
    assert set(stored.snapshot["flows"]) == set(content.flows) and stored.snapshot["flows"]["pi1"]["title"]

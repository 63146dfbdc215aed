"""The configured DEFAULT_TZ reaches everything that gets the injected content."""
from __future__ import annotations

from pathlib import Path

from core.clock import SystemClock
from core.content import load_content
from core.settings import Settings
from services.context import Deps
from store.db import Database

SHIPPED = Path(__file__).resolve().parents[2] / "content"


async def test_deps_carry_the_configured_default_zone_in_the_content(tmp_path):
    settings = Settings.from_env(default_tz="Asia/Makassar", database_url=f"sqlite:///{tmp_path}/x.db")
    db = Database(settings.database_url)
    deps = Deps(settings=settings, content=load_content(SHIPPED), db=db, clock=SystemClock())
    assert deps.content.default_tz == "Asia/Makassar"
    await db.dispose()

"""The configured DEFAULT_TZ reaches everything that gets the injected content."""
from __future__ import annotations

from pathlib import Path

from bot.services import Services
from core.clock import SystemClock
from core.content import load_content
from core.settings import Settings
from store.db import Database

SHIPPED = Path(__file__).resolve().parents[2] / "content"


async def test_services_carry_the_configured_default_zone_in_the_content(tmp_path):
    settings = Settings.from_env(default_tz="Asia/Makassar", database_url=f"sqlite:///{tmp_path}/x.db")
    db = Database(settings.database_url)
    services = Services(settings=settings, content=load_content(SHIPPED), db=db, clock=SystemClock())
    assert services.content.default_tz == "Asia/Makassar"
    await db.dispose()

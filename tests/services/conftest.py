"""Use cases run without Telegram: their dependencies on the test database, and a person's update as a Turn."""
from __future__ import annotations

import itertools
from pathlib import Path

import pytest

from core.clock import Clock
from core.content import load_content
from core.content.schema import Content
from core.settings import Settings
from services.context import Deps
from services.turn import Turn
from store.db import Database
from store.models import Person

_update_ids = itertools.count(1)


@pytest.fixture
def deps_for(db: Database):
    """Deps(content, clock, **settings) on the test database."""
    def make(content: Content, clock: Clock, **settings: object) -> Deps:
        settings = Settings.from_env(telegram_bot_token="123456789:TEST-services_token_0123456789ab", database_url=db.url,
                                     default_tz=content.default_tz, **settings)
        return Deps(settings=settings, content=content, db=db, clock=clock)
    return make


def turn_of(person: Person, said: tuple[str, str] | None = None) -> Turn:
    """The person's next update."""
    return Turn(person.tg_user_id, next(_update_ids), said)


@pytest.fixture(scope="session")
def content(content_dir: Path) -> Content:
    """The shipped content, loaded once."""
    return load_content(content_dir)

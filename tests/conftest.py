"""Shared fixtures. TEST_DATABASE_URL picks the database (default: a temporary SQLite file)."""
from __future__ import annotations

import os
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from store.db import Database, sync_url
from store.migrate import recreate
from store.models import Base

TEST_DATABASE_URL = os.environ.get("TEST_DATABASE_URL")


@pytest.fixture(scope="session")
def database_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    """A migrated database for the whole run; each test gets it emptied."""
    url = TEST_DATABASE_URL or f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.db'}"
    recreate(url)
    return url


def _empty_all_tables(url: str) -> None:
    engine = create_engine(sync_url(url))
    tables = [t.name for t in reversed(Base.metadata.sorted_tables)]
    with engine.begin() as conn:
        if engine.dialect.name == "postgresql":
            conn.execute(text(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE"))
        else:
            for name in tables:
                conn.execute(text(f"DELETE FROM {name}"))
    engine.dispose()


@pytest.fixture
async def db(database_url: str) -> AsyncIterator[Database]:
    """An empty, migrated database (SQLite or PostgreSQL per TEST_DATABASE_URL)."""
    _empty_all_tables(database_url)
    database = Database(database_url)
    yield database
    await database.dispose()


@pytest.fixture(scope="session")
def content_dir() -> Path:
    return Path(__file__).resolve().parent.parent / "content"

"""Shared fixtures. TEST_DATABASE_URL picks the database (default: a temporary SQLite file)."""
from __future__ import annotations

import os
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from store.db import Database, sync_url
from store.migrate import recreate
from store.models import Base

TEST_DATABASE_URL = os.environ.get("TEST_DATABASE_URL")


def _own_database(url: str, worker: str) -> str:
    """This pytest-xdist worker's own PostgreSQL database (`test_gw0`…; recreate() creates it when missing)."""
    return make_url(url).set(database=f"{make_url(url).database}_{worker}").render_as_string(hide_password=False)


@pytest.fixture(scope="session")
def database_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    """A migrated database for the whole run (one per parallel worker); each test gets it emptied."""
    url = TEST_DATABASE_URL or f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.db'}"
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    if worker and url.startswith("postgresql"):
        url = _own_database(url, worker)
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

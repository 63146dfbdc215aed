"""Make sure the database schema is current before the bot starts."""
from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import create_engine

from core.early_texts import early_text
from core.settings import SettingsError
from store.db import Database, is_sqlite, sync_url
from store.migrate import alembic_config, upgrade


def ensure_schema(database_url: str) -> None:
    """SQLite upgrades itself; PostgreSQL must have been upgraded with `pendamping db upgrade`."""
    if is_sqlite(database_url):
        upgrade(database_url)
        return
    head = ScriptDirectory.from_config(alembic_config(database_url)).get_current_head()
    engine = create_engine(sync_url(database_url))
    try:
        with engine.connect() as connection:
            current = MigrationContext.configure(connection).get_current_revision()
    finally:
        engine.dispose()
    if current != head:
        raise SettingsError(early_text("database_behind", current=current, head=head) if current else early_text("database_new"))


@asynccontextmanager
async def checked_database(database_url: str) -> AsyncIterator[Database]:
    """The database, once its schema is current; for one-shot CLI commands."""
    ensure_schema(database_url)
    db = Database(database_url)
    try:
        yield db
    finally:
        await db.dispose()

"""Run Alembic migrations programmatically (used by `pendamping db upgrade` and on start)."""
from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import create_engine, text

from store.db import is_sqlite, sync_url

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"


def alembic_config(database_url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.set_main_option("sqlalchemy.url", sync_url(database_url).render_as_string(hide_password=False).replace("%", "%%"))
    return config


def upgrade(database_url: str, revision: str = "head") -> None:
    command.upgrade(alembic_config(database_url), revision)


def downgrade(database_url: str, revision: str) -> None:
    command.downgrade(alembic_config(database_url), revision)


def ensure_database(database_url: str) -> None:
    """Create a PostgreSQL database that does not exist yet (tests' per-worker databases, benchmarks')."""
    target = sync_url(database_url)
    engine = create_engine(target.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        if connection.scalar(text("SELECT 1 FROM pg_database WHERE datname = :name"), {"name": target.database}) is None:
            connection.execute(text(f'CREATE DATABASE "{target.database}"'))
    engine.dispose()


def recreate(database_url: str) -> None:
    """Start from an empty, migrated database (tests and benchmarks): PostgreSQL's is created if missing and its
    schema dropped."""
    if not is_sqlite(database_url):
        ensure_database(database_url)
        engine = create_engine(sync_url(database_url))
        with engine.begin() as connection:
            connection.execute(text("DROP SCHEMA public CASCADE"))
            connection.execute(text("CREATE SCHEMA public"))
        engine.dispose()
    upgrade(database_url)

"""Alembic environment: synchronous engine, batch mode for SQLite's limited ALTER TABLE.

On SQLite, batch mode rebuilds a table (copy, drop, rename); with foreign keys enforced, dropping
`people` would cascade and delete every run and answer. Migrations therefore run with the keys off,
and the result is checked with PRAGMA foreign_key_check before it is committed.
"""
from alembic import context
from sqlalchemy import create_engine, pool, text

from store.db import install_sqlite_pragmas
from store.models import Base

config = context.config
target_metadata = Base.metadata


def run_migrations() -> None:
    url = config.get_main_option("sqlalchemy.url")
    engine = create_engine(url, poolclass=pool.NullPool)
    sqlite = engine.dialect.name == "sqlite"
    if sqlite:
        install_sqlite_pragmas(engine, foreign_keys=False)
    with engine.connect() as connection:
        context.configure(
            connection=connection,
            target_metadata=target_metadata,
            render_as_batch=connection.dialect.name == "sqlite",
            compare_type=True,
        )
        with context.begin_transaction():
            context.run_migrations()
            if sqlite and (broken := connection.execute(text("PRAGMA foreign_key_check")).first()) is not None:
                raise RuntimeError(f"migration left a dangling foreign key: {tuple(broken)}")
    engine.dispose()


run_migrations()

"""The Alembic migrations build exactly the schema the models describe, and move existing data sensibly."""
from __future__ import annotations

from datetime import datetime, time, timezone

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Boolean, Integer, String, Time, column, create_engine, func, insert, select, table

from store.db import sync_url
from store.migrate import alembic_config
from store.models import Base, UtcDateTime


def test_migrated_schema_matches_the_models(database_url):
    engine = create_engine(sync_url(database_url))
    try:
        with engine.connect() as connection:
            assert compare_metadata(MigrationContext.configure(connection), Base.metadata) == []
    finally:
        engine.dispose()


PERSON_STATE = "0006"
T1, T2, T3 = (datetime(2026, 3, d, 8, 0, tzinfo=timezone.utc) for d in (1, 2, 3))
OLD_PEOPLE = table(  # people as they were before the migration, with `active`
    "people", column("id", Integer), column("name", String), column("role", String), column("quiet_start", Time),
    column("quiet_end", Time), column("active", Boolean), column("left_at", UtcDateTime()), column("blocked_at", UtcDateTime()),
    column("created_at", UtcDateTime()), column("updated_at", UtcDateTime()),
)


def _person(pid: int, active: bool, blocked_at: datetime | None, updated_at: datetime = T1) -> dict:
    return {"id": pid, "name": f"Orang {pid}", "role": "cgp", "quiet_start": time(21), "quiet_end": time(6),
            "active": active, "blocked_at": blocked_at, "created_at": T1, "updated_at": updated_at}


def test_person_state_migration_splits_active_into_left_and_blocked_and_keeps_answers(db, database_url):
    config = alembic_config(database_url)
    before = ScriptDirectory.from_config(config).get_revision(PERSON_STATE).down_revision
    engine = create_engine(sync_url(database_url))
    state = select(OLD_PEOPLE.c.id, OLD_PEOPLE.c.left_at, OLD_PEOPLE.c.blocked_at).order_by(OLD_PEOPLE.c.id)
    runs = Base.metadata.tables["flow_runs"]
    try:
        command.downgrade(config, before)
        with engine.begin() as connection:
            connection.execute(insert(OLD_PEOPLE), [
                _person(1, True, None),  # in the program
                _person(2, False, T1),  # blocked the bot
                _person(3, False, None, updated_at=T2),  # left (status keluar)
                _person(4, True, T3),  # reactivated with a stale blocked_at
            ])
            connection.execute(insert(runs).values(person_id=3, flow_id="pi1", status="submitted",
                                                   content_version="v1", started_at=T1, updated_at=T1))
        command.upgrade(config, PERSON_STATE)
        with engine.connect() as connection:
            assert [tuple(r) for r in connection.execute(state)] == [(1, None, None), (2, None, T1), (3, T2, None), (4, None, None)]
            assert connection.scalar(select(func.count()).select_from(runs)) == 1  # answers survive: people was not copied and dropped
        command.downgrade(config, before)
        with engine.connect() as connection:
            active = select(OLD_PEOPLE.c.id, OLD_PEOPLE.c.active).order_by(OLD_PEOPLE.c.id)
            assert [tuple(r) for r in connection.execute(active)] == [(1, True), (2, False), (3, False), (4, True)]
    finally:
        command.upgrade(config, "head")
        engine.dispose()


OLD_OUTBOX = table(  # the outbox as it was before migration 0014, without subject_id
    "outbox", column("id", Integer), column("dedupe_key", String), column("person_id", Integer), column("kind", String),
    column("text", String), column("status", String), column("due_at", UtcDateTime()), column("attempts", Integer),
    column("silent", Boolean), column("respect_quiet_hours", Boolean), column("created_at", UtcDateTime()),
)


def test_outbox_subject_migration_reads_the_subject_off_planned_reminders_keys(db, database_url):
    config = alembic_config(database_url)
    engine = create_engine(sync_url(database_url))
    try:
        command.downgrade(config, "0013")
        with engine.begin() as connection:
            connection.execute(insert(Base.metadata.tables["people"]), [
                {k: v for k, v in _person(pid, True, None).items() if k != "active"} for pid in (1, 2)])
            row = {"person_id": 1, "kind": "reminder", "text": "x", "status": "pending", "due_at": T1, "attempts": 0,
                   "silent": False, "respect_quiet_hours": True, "created_at": T1}
            connection.execute(insert(OLD_OUTBOX), [
                {**row, "id": 1, "dedupe_key": "r:rpp_submit:2:rpp0@2026-03-05:-3:m1"},  # a mentor's copy about 2
                {**row, "id": 2, "dedupe_key": "r:lokakarya:1:lokakarya3@2026-03-09:-1"},
                {**row, "id": 3, "dedupe_key": "digest:1:2026-03-01"},
            ])
        command.upgrade(config, "head")
        outbox = Base.metadata.tables["outbox"]
        with engine.connect() as connection:
            got = connection.execute(select(outbox.c.id, outbox.c.subject_id).order_by(outbox.c.id)).all()
        assert [tuple(r) for r in got] == [(1, 2), (2, 1), (3, None)]
    finally:
        command.upgrade(config, "head")
        engine.dispose()

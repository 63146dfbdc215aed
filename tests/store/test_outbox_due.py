"""Whether anything is due in the outbox: pending rows whose time has come, and rows being sent."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import event, update

from store.models import OutboxMessage, OutboxStatus
from store.outbox import any_due
from tests.factories import make_person
from tests.scheduler.sendkit import add_row

NOON = datetime(2026, 3, 2, 5, 0, tzinfo=timezone.utc)


async def test_due_means_pending_and_its_time_has_come_or_being_sent(db):
    async with db.session() as s:
        person = await make_person(s)
        await add_row(s, person, "later", NOON + timedelta(hours=1))
        await add_row(s, person, "sent", NOON - timedelta(hours=1), status=OutboxStatus.sent)
        assert not await any_due(s, NOON)
        now_row = await add_row(s, person, "now", NOON)
        assert await any_due(s, NOON)
        await s.execute(update(OutboxMessage).where(OutboxMessage.id == now_row.id).values(status=OutboxStatus.sending))
        assert await any_due(s, NOON)
        await s.execute(update(OutboxMessage).where(OutboxMessage.id == now_row.id).values(status=OutboxStatus.cancelled))
        assert not await any_due(s, NOON)


async def test_due_reads_only_the_partial_indexes_on_sqlite(db):
    """The sent rows pile up over a cohort's months; asking must not read them."""
    if not db.is_sqlite:
        pytest.skip("SQLite's plan: PostgreSQL chooses its plan by the table's statistics")
    plans: list[str] = []

    def explain(conn, cursor, statement, parameters, context, executemany):
        if statement.lstrip().upper().startswith("SELECT EXISTS"):
            plans.extend(str(row) for row in conn.exec_driver_sql("EXPLAIN QUERY PLAN " + statement, parameters).fetchall())

    async with db.session() as s:
        event.listen(db.engine.sync_engine, "before_cursor_execute", explain)
        try:
            await any_due(s, NOON)
        finally:
            event.remove(db.engine.sync_engine, "before_cursor_execute", explain)
    assert any("ix_outbox_pending_due" in p for p in plans) and any("ix_outbox_sending_claimer" in p for p in plans)
    assert not any("SCAN outbox" in p and "USING" not in p for p in plans)

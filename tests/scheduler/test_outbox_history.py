"""A planning pass reads the outbox's recent rows only: months of sent rows pile up behind them."""
from __future__ import annotations

import pytest
from sqlalchemy import event, update

from core.clock import FrozenClock
from scheduler.planner import plan
from store.models import OutboxMessage, OutboxStatus
from tests.scheduler.planning_support import cgp_with_pp, draft_run, plan_content, rows, utc  # noqa: F401


async def test_a_planning_pass_reads_the_outbox_by_index_on_sqlite(db, plan_content):
    if not db.is_sqlite:
        pytest.skip("SQLite's plan: PostgreSQL chooses its plan by the table's statistics")
    _, cgp = await cgp_with_pp(db)
    await draft_run(db, cgp, utc(2025, 5, 1))
    clock = FrozenClock(utc(2025, 5, 1, 4))
    async with db.session() as s:
        await plan(s, plan_content, clock)
        nudges = await rows(s, rule_id="refleksi_belum")
        await s.execute(update(OutboxMessage).where(OutboxMessage.id.in_([n.id for n in nudges[:2]]))
                        .values(status=OutboxStatus.sent, sent_at=utc(2025, 5, 3)))
    plans: dict[str, list[str]] = {}

    def explain(conn, cursor, statement, parameters, context, executemany):
        if statement.lstrip().upper().startswith("SELECT") and "FROM outbox" in statement:
            plans[statement] = [row[3] for row in conn.exec_driver_sql("EXPLAIN QUERY PLAN " + statement, parameters)]

    clock.set(utc(2025, 5, 5, 1))
    async with db.session() as s:
        event.listen(db.engine.sync_engine, "before_cursor_execute", explain)
        try:
            assert (await plan(s, plan_content, clock)).escalations == 1
        finally:
            event.remove(db.engine.sync_engine, "before_cursor_execute", explain)
    steps = [step for found in plans.values() for step in found]
    # the batch's rows: the index holds due_at, so rows due long ago are passed over without reading them
    assert any("USING INDEX ix_outbox_subject_due" in step for step in steps), steps
    assert any("ix_outbox_rule_sent (rule_id=? AND sent_at>?)" in step for step in steps), steps  # the escalation check
    assert not [step for step in steps if step.startswith("SCAN outbox") and "COVERING" not in step], steps

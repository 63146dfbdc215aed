"""Shared helpers of the planning tests: a small fixture content and outbox queries."""
from __future__ import annotations

import shutil
from datetime import datetime, timezone
from pathlib import Path

import pytest
from sqlalchemy import select

from core.content.loader import load_content
from core.content.schema import Content
from store.models import OutboxMessage, OutboxStatus

HERE = Path(__file__).resolve().parent
SHIPPED = HERE.parent.parent / "content"
WIB, WITA, WIT = "Asia/Jakarta", "Asia/Makassar", "Asia/Jayapura"


def utc(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=timezone.utc)


@pytest.fixture(scope="session")
def plan_content(tmp_path_factory: pytest.TempPathFactory) -> Content:
    """tests/scheduler/planning_content plus the shipped scheduler texts."""
    root = tmp_path_factory.mktemp("planning") / "content"
    shutil.copytree(HERE / "planning_content", root)
    (root / "texts").mkdir()
    shutil.copy(SHIPPED / "texts" / "scheduler.yaml", root / "texts")
    return load_content(root)


async def rows(session, *, status: OutboxStatus | None = OutboxStatus.pending, **where) -> list[OutboxMessage]:
    """Outbox rows (pending by default) matching column equalities, in due order."""
    query = select(OutboxMessage).order_by(OutboxMessage.due_at, OutboxMessage.dedupe_key).execution_options(populate_existing=True)
    if status is not None:
        query = query.where(OutboxMessage.status == status)
    for column, value in where.items():
        query = query.where(getattr(OutboxMessage, column) == value)
    return list((await session.execute(query)).scalars())

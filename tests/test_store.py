"""The migrated schema round-trips aware datetimes and enforces the outbox dedupe key."""
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from store.models import OutboxMessage, Person
from tests.factories import make_person


async def test_datetimes_come_back_aware_utc(db):
    jakarta = timezone(timedelta(hours=7))
    async with db.session() as s:
        person = await make_person(s)
        s.add(OutboxMessage(dedupe_key="k1", person_id=person.id, kind="notice", text="x",
                            due_at=datetime(2026, 1, 1, 8, 0, tzinfo=jakarta)))
    async with db.session() as s:
        row = (await s.execute(select(OutboxMessage))).scalar_one()
        assert row.due_at == datetime(2026, 1, 1, 1, 0, tzinfo=timezone.utc)
        assert row.due_at.tzinfo is not None


async def test_outbox_dedupe_key_is_unique(db):
    now = datetime.now(timezone.utc)
    async with db.session() as s:
        person = await make_person(s)
        s.add(OutboxMessage(dedupe_key="same", person_id=person.id, kind="notice", text="a", due_at=now))
    with pytest.raises(IntegrityError):
        async with db.session() as s:
            s.add(OutboxMessage(dedupe_key="same", person_id=(await s.scalar(select(Person.id))), kind="notice", text="b", due_at=now))

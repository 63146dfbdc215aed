"""/refleksi follows the program calendar: a dated flow opens a week before its event, once dated."""
from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from core.content import load_content
from core.settings import SHIPPED_CONTENT_DIR
from flows import callbacks
from program.calendar import set_lokakarya_date
from store.models import Cohort, FlowRun
from tests.flows.chat import Chat

TODAY = date(2025, 3, 10)  # the `clock` fixture's day (WIB)


@pytest.fixture(scope="module")
def shipped():
    return load_content(SHIPPED_CONTENT_DIR)


async def lokakarya(db, people, number: int, on_date: date) -> None:
    async with db.session() as s:
        await set_lokakarya_date(s, await s.get(Cohort, people["cohort"].id), number, on_date)


async def runs_of(db, person, flow_id: str) -> int:
    async with db.session() as s:
        return await s.scalar(select(func.count()).select_from(FlowRun).where(
            FlowRun.person_id == person.id, FlowRun.flow_id == flow_id))


async def test_without_a_calendar_every_flow_is_open(db, people, shipped, clock):
    chat = Chat(db, shipped, people["cgp"], clock)
    await chat.menu()
    assert any(shipped.flows["pi3"].title in label for label in chat.buttons())
    assert "Belum dibuka" not in chat.text


async def test_a_pi_opens_a_week_before_its_date_and_not_before(db, people, shipped, clock):
    # Lokakarya 3 in 30 days: PI 3 is 7 days before it, and opens 7 days before that.
    await lokakarya(db, people, 3, TODAY + timedelta(days=30))
    opens = TODAY + timedelta(days=16)
    chat = Chat(db, shipped, people["cgp"], clock)
    await chat.menu()
    title = shipped.flows["pi3"].title
    assert not any(title in label for label in chat.buttons())
    assert f"🔒 {title} — dibuka Rabu, 26 Maret 2025" in chat.text
    assert any(shipped.flows["pi1"].title in label for label in chat.buttons())  # undated PI 1 stays open

    refused = await chat.data(callbacks.OpenFlow("pi3").pack())  # an old or forged button
    assert "baru dibuka pada Rabu, 26 Maret 2025" in refused[0].text
    assert await runs_of(db, people["cgp"], "pi3") == 0

    clock.set(clock.now() + (opens - TODAY))
    await chat.menu()
    assert any(title in label for label in chat.buttons())
    started = await chat.data(callbacks.OpenFlow("pi3").pack())
    assert "(1/" in started[-1].text
    assert await runs_of(db, people["cgp"], "pi3") == 1


async def test_a_draft_stays_resumable_when_its_date_moves_later(db, people, shipped, clock):
    chat = Chat(db, shipped, people["cgp"], clock)
    await chat.data(callbacks.OpenFlow("pi2").pack())
    await chat.cancel()
    await lokakarya(db, people, 2, TODAY + timedelta(days=60))
    await chat.menu()
    assert any(shipped.flows["pi2"].title in label for label in chat.buttons())
    resumed = await chat.data(callbacks.OpenFlow("pi2").pack())
    assert "Melanjutkan" in resumed[0].text


async def test_a_mentors_pi_flows_follow_the_cohorts_pi_week(db, people, shipped, clock):
    await lokakarya(db, people, 4, TODAY + timedelta(days=40))
    chat = Chat(db, shipped, people["pp"], clock)
    await chat.menu()
    jurnal = shipped.flows["jurnal_pi4"].title
    assert not any(jurnal in label for label in chat.buttons())
    assert f"🔒 {jurnal} — dibuka" in chat.text
    assert any(shipped.flows["jurnal_pi1"].title in label for label in chat.buttons())

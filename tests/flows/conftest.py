"""Fixtures for the flow engine: a small content dir with every question kind, people, a chat driver."""
from __future__ import annotations

import shutil
from datetime import datetime, timezone
from pathlib import Path

import pytest

from core.clock import FrozenClock
from core.content import load_content
from core.content.schema import Content
from store.db import Database
from tests.factories import make_cohort, make_person
from tests.flows.chat import Chat

HERE = Path(__file__).resolve().parent
REPO = HERE.parent.parent


@pytest.fixture(scope="session")
def flow_content(tmp_path_factory: pytest.TempPathFactory) -> Content:
    """The fixture content with the shipped flow, date and calendar texts copied in, so the real wording is used."""
    root = tmp_path_factory.mktemp("content") / "content"
    shutil.copytree(HERE / "content", root)
    for name in ("flows.yaml", "waktu.yaml", "scheduler.yaml", "insight.yaml"):
        shutil.copy(REPO / "content" / "texts" / name, root / "texts" / name)
    return load_content(root)


@pytest.fixture
def clock() -> FrozenClock:
    return FrozenClock(datetime(2025, 3, 10, 3, 0, tzinfo=timezone.utc))  # 10:00 WIB, a Monday


@pytest.fixture
async def people(db: Database) -> dict:
    """A cohort with a koordinator, two PPs, two CGPs of the first PP and one of the second."""
    async with db.session() as s:
        cohort = await make_cohort(s)
        koord = await make_person(s, "koordinator", cohort=cohort, name="Kora")
        pp = await make_person(s, "pp", cohort=cohort, name="Pak Pandu")
        pp2 = await make_person(s, "pp", cohort=cohort, name="Bu Prita")
        cgp = await make_person(s, "cgp", mentor=pp, cohort=cohort, name="Citra")
        cgp2 = await make_person(s, "cgp", mentor=pp, cohort=cohort, name="Cahyo")
        other = await make_person(s, "cgp", mentor=pp2, cohort=cohort, name="Dewi")
    return {"cohort": cohort, "koord": koord, "pp": pp, "pp2": pp2, "cgp": cgp, "cgp2": cgp2, "other": other}


@pytest.fixture
def chat_for(db: Database, flow_content: Content, clock: FrozenClock):
    def make(person, content: Content | None = None) -> Chat:
        return Chat(db, content or flow_content, person, clock)
    return make

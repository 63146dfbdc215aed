"""Shared helpers of the planning tests: a small fixture content and outbox queries."""
from __future__ import annotations

import shutil
from datetime import date, datetime, timezone
from pathlib import Path

import pytest
from sqlalchemy import select

from core.content.loader import load_content
from core.content.schema import Content
from program.calendar import set_lokakarya_date
from store.models import FlowRun, OutboxMessage, OutboxStatus, Person
from tests.factories import make_cohort, make_person

HERE = Path(__file__).resolve().parent
SHIPPED = HERE.parent.parent / "content"
WIB, WITA, WIT = "Asia/Jakarta", "Asia/Makassar", "Asia/Jayapura"


def utc(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=timezone.utc)


# Days off of the holiday tests, besides the library's (17 August 2026 is a Monday; 25 August is Maulid Nabi).
HOLIDAYS_YAML = """\
weekly_days_off: [sunday]
days_off:
  - date: 2026-08-19
    name: Hari Jadi Contoh
    provinces: [Bali]
  - date: 2026-08-28
    until: 2026-08-29
    name: Cuti bersama tambahan
    provisional: true
school_holidays:
  - provinces: [Bali]
    start: 2026-08-31
    end: 2026-09-05
    name: Libur tengah semester
"""
# The same reminder as rpp_submit, three days before, moving the other way or not at all.
POLICY_RULES = """\
  - id: rpp_later
    "on": {kind: rpp_submit}
    offsets_days: [-3]
    audience: [cgp]
    text: "Pengumpulan RPP {kapan}."
    on_holiday: later
  - id: rpp_keep
    "on": {kind: rpp_submit}
    offsets_days: [-3]
    audience: [cgp]
    text: "Pengumpulan RPP {kapan}."
    on_holiday: keep
"""


def holiday_content(root: Path, holidays_yaml: str = HOLIDAYS_YAML) -> Content:
    """The planning content with holidays.yaml and the POLICY_RULES, copied under root."""
    shutil.copytree(HERE / "planning_content", root)
    (root / "texts").mkdir()
    shutil.copy(SHIPPED / "texts" / "scheduler.yaml", root / "texts")
    (root / "holidays.yaml").write_text(holidays_yaml, encoding="utf-8")
    with (root / "reminders.yaml").open("a", encoding="utf-8") as rules:
        rules.write(POLICY_RULES)
    return load_content(root)


@pytest.fixture(scope="session")
def holidays_content(tmp_path_factory: pytest.TempPathFactory) -> Content:
    return holiday_content(tmp_path_factory.mktemp("holidays") / "content")


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


async def cgp_with_pp(db, tz: str = WIB) -> tuple[Person, Person]:
    """Pak CGP and his PP, Bu PP, in a cohort whose Lokakarya 3 is on 19 May 2025."""
    async with db.session() as s:
        cohort = await make_cohort(s)
        pp = await make_person(s, "pp", cohort=cohort, name="Bu PP")
        cgp = await make_person(s, "cgp", cohort=cohort, mentor=pp, timezone=tz, name="Pak CGP")
        await set_lokakarya_date(s, cohort, 3, date(2025, 5, 19))
    return pp, cgp


async def draft_run(db, cgp: Person, started: datetime) -> FlowRun:
    """An unfinished PI 3 reflection of the CGP's."""
    async with db.session() as s:
        run = FlowRun(person_id=cgp.id, flow_id="refleksi_pi3", content_version="t", started_at=started)
        s.add(run)
    return run

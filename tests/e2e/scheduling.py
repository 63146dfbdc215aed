"""Helpers for scheduler end-to-end tests: join roster people, plan at the frozen clock, look at the outbox."""
from __future__ import annotations

import asyncio
from datetime import date, datetime, timezone

import pytest
from sqlalchemy import select

from emulator import BotApiEmulator, NoMessage, SentMessage
from scheduler import broadcasts, planner
from program.calendar import set_lokakarya_date
from store.models import Cohort, OutboxMessage, Person
from tests.e2e.conftest import EXAMPLES
from tests.e2e.harness import KOORDINATOR_ID, RunningBot, User

# Telegram user ids for the people of content/examples/roster.csv.
TG_IDS = {"PP01": 7101, "PP02": 7102, "FSP01": 7103, "KS01": 7104,
          **{f"CGP0{n}": 7000 + n for n in range(1, 9)}}
COHORT = "11"  # the roster's angkatan


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=timezone.utc)


DAYTIME = utc(2026, 3, 4, 3, 0)  # 10:00 WIB, 11:00 WITA: outside everyone's quiet hours


async def join(bot: RunningBot, *external_ids: str) -> dict[str, User]:
    """Import the example roster and let these people press Start with their codes."""
    codes = await bot.import_roster(EXAMPLES / "roster.csv")
    users = {}
    for ext in external_ids:
        user = bot.user(TG_IDS[ext], ext)
        await user.join(codes[ext], "Selamat datang")
        users[ext] = user
    return users


async def compose_to_cgps(bot: RunningBot, text: str) -> tuple[User, SentMessage]:
    """The koordinator joins and composes a /siaran to every CGP; return them and the preview."""
    koordinator = bot.user(KOORDINATOR_ID, "Sri")
    await koordinator.join(expect="Koordinator")
    await koordinator.say("/siaran", "kepada siapa")
    await koordinator.press("Per peran", "Pilih per peran")
    await koordinator.press("Calon Guru Penggerak (CGP)", "tulis pesan siaran")
    return koordinator, await koordinator.say(text, "Pratinjau")


async def plan(bot: RunningBot) -> planner.PlanStats:
    """Run the reminder planner at the bot's (frozen) clock, as the periodic job does."""
    async with bot.deps.db.session() as s:
        return await planner.plan(s, bot.deps.content, bot.deps.clock)


async def report_broadcasts(bot: RunningBot) -> int:
    """Queue the delivery reports of finished broadcasts, as the periodic job does."""
    async with bot.deps.db.session() as s:
        return await broadcasts.plan_broadcast_reports(s, bot.deps.content, bot.deps.clock)


async def set_lokakarya(bot: RunningBot, number: int, on: date) -> None:
    async with bot.deps.db.session() as s:
        cohort = await s.scalar(select(Cohort).where(Cohort.code == COHORT))
        await set_lokakarya_date(s, cohort, number, on)


async def person(bot: RunningBot, external_id: str) -> Person:
    async with bot.deps.db.session() as s:
        return await s.scalar(select(Person).where(Person.external_id == external_id))


async def outbox_rows(bot: RunningBot, external_id: str, rule_id: str | None = None) -> list[OutboxMessage]:
    """A person's outbox rows (of one rule, if given), by due time."""
    async with bot.deps.db.session() as s:
        query = (select(OutboxMessage).join(Person, Person.id == OutboxMessage.person_id)
                 .where(Person.external_id == external_id).order_by(OutboxMessage.due_at, OutboxMessage.id))
        if rule_id is not None:
            query = query.where(OutboxMessage.rule_id == rule_id)
        return list((await s.execute(query)).scalars())


async def nothing_more(emulator: BotApiEmulator, chat_id: int, expect: object, seconds: float = 1.2) -> None:
    """Assert that no message matching `expect` arrives within `seconds` (several drain runs)."""
    try:
        message = await emulator.wait_for(chat_id, expect, timeout=seconds)
    except NoMessage:
        return
    pytest.fail(f"unexpected {message.kind} (message {message.message_id}, edited: {message.edited}): {message.text!r}")


def received(emulator: BotApiEmulator, chat_id: int, text: str) -> list[SentMessage]:
    return [m for m in emulator.sent(chat_id) if text in (m.text or "")]


async def arrived(emulator, chat_id: int, text: str, timeout: float = 5.0) -> None:
    """`text` reached the chat at some point (also before messages a test has already waited for)."""
    for _ in range(int(timeout / 0.05)):
        if received(emulator, chat_id, text):
            return
        await asyncio.sleep(0.05)
    raise AssertionError(f"{text!r} never reached chat {chat_id}")

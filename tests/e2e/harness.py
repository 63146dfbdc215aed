"""End-to-end harness: the real bot (real Application, real HTTP) against the local Bot API emulator."""
from __future__ import annotations

import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

from bot.app import build_application
from bot.embedded import polling
from bot.jobs import JobTimings
from services.context import Deps
from core.clock import Clock, ShiftedClock
from core.content import Content
from core.settings import Settings
from emulator import BotApiEmulator, SentMessage
from emulator.emulator import matches
from roster import importer as roster
from store.db import Database

TOKEN = "123456789:TEST-e2e_token_0123456789abcdef"
KOORDINATOR_ID = 990001
CONSENT = "Setuju"  # the privacy notice's button at joining
FAST_JOBS = JobTimings(drain=0.3, plan=3600.0, reports=3600.0)


def daytime_clock() -> ShiftedClock:
    """Real time from 10:00 WIB today (11:00 WITA, 12:00 WIT): a test's messages never meet quiet hours, whatever
    the hour it runs at (CI may run at night in Indonesia)."""
    today = datetime.now(timezone.utc).date()
    return ShiftedClock(datetime(today.year, today.month, today.day, 3, tzinfo=timezone.utc))


@dataclass
class User:
    """A Telegram user talking to the bot through the emulator."""

    emulator: BotApiEmulator
    id: int

    async def say(self, text: str, expect: object = None, timeout: float = 5.0) -> SentMessage:
        """Send a message and return the bot's next message (matching `expect`, a substring or callable)."""
        self.emulator.send_text(self.id, text)
        return await self.emulator.wait_for(self.id, expect, timeout=timeout)

    async def press(self, label: str, expect: object = None, timeout: float = 5.0) -> SentMessage:
        """Press the button labelled `label` on the newest message showing it; return the next reply or edit."""
        self.emulator.click(self.id, label)
        return await self.emulator.wait_for(self.id, expect, timeout=timeout)

    async def send_file(self, filename: str, data: bytes, expect: object = None, timeout: float = 10.0) -> SentMessage:
        self.emulator.send_document(self.id, filename, data)
        return await self.emulator.wait_for(self.id, expect, timeout=timeout)

    async def next(self, expect: object = None, timeout: float = 5.0) -> SentMessage:
        return await self.emulator.wait_for(self.id, expect, timeout=timeout)

    async def join(self, code: str | None = None, expect: object = "Selamat datang", timeout: float = 5.0) -> SentMessage:
        """Join as a person does: /start with their invite code (none for a configured koordinator), going through
        every step the bot asks for on the way (the privacy notice: Setuju); return the welcome with the role's menu.
        Tests join through here."""
        reply = await self.say(f"/start {code}" if code else "/start",
                               lambda m: CONSENT in m.labels or matches(m, expect), timeout=timeout)
        if CONSENT in reply.labels:
            reply = await self.press(CONSENT, expect, timeout=timeout)
        return reply


@dataclass
class RunningBot:
    emulator: BotApiEmulator
    deps: Deps

    def user(self, user_id: int, first_name: str = "Pengguna") -> User:
        self.emulator.user(user_id, first_name)
        return User(self.emulator, user_id)

    async def import_roster(self, path: Path) -> dict[str, str]:
        """Import a roster file directly; return {external id: invite code} of newly issued codes."""
        async with self.deps.db.session() as session:
            result = await roster.import_file(session, path.read_bytes(), self.deps.clock)
        return {person.external_id: code for person, code in result.issued}


def settings_for(emulator: BotApiEmulator, database_url: str, **overrides: object) -> Settings:
    return Settings.from_env(
        telegram_bot_token=TOKEN, telegram_api_url=emulator.base_url, database_url=database_url,
        koordinator_ids=str(KOORDINATOR_ID), **overrides,
    )


@asynccontextmanager
async def running_bot(
    emulator: BotApiEmulator, db: Database, content: Content, clock: Clock | None = None, timings: JobTimings = FAST_JOBS,
    **settings: object,
) -> AsyncIterator[RunningBot]:
    deps = Deps(
        settings=settings_for(emulator, db.url, **settings), content=content, db=db, clock=clock or daytime_clock(),
        extras={"timings": timings},
    )
    async with polling(build_application(deps)):
        yield RunningBot(emulator, deps)


QUESTION = re.compile(r"\((\d+)/(\d+)\)")
REVIEW_FOOTER = "Tekan Kirim bila sudah benar"


def progress(message: SentMessage) -> tuple[int, int] | None:
    """The "(n/N)" of a question message, or None."""
    found = QUESTION.search(message.text or "")
    return (int(found.group(1)), int(found.group(2))) if found else None


def is_question(message: SentMessage) -> bool:
    return progress(message) is not None and "✔️" not in (message.text or "")


def is_review_end(message: SentMessage) -> bool:
    return REVIEW_FOOTER in (message.text or "")


async def answer_until_review(user: User, question: SentMessage, prefix: str = "Jawaban") -> dict[int, str]:
    """Answer every question from `question` on (first choice, or the text "<prefix> <n>"); return {n: answer}."""
    given: dict[int, str] = {}
    while True:
        n, _ = progress(question)
        choices = [label for label in question.labels if label not in ("Kembali", "Lewati")]
        if choices:
            given[n] = choices[0]
            user.emulator.click(user.id, choices[0], question.message_id)
        else:
            given[n] = f"{prefix} {n}"
            user.emulator.send_text(user.id, given[n])
        reply = await user.emulator.wait_for(user.id, lambda m: is_question(m) or is_review_end(m), edits=False)
        if is_review_end(reply):
            return given
        question = reply

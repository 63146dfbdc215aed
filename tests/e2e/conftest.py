"""Fixtures for end-to-end tests: an emulator, the shipped content, and the running bot."""
from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from core.content import Content, load_content
from emulator import BotApiEmulator
from tests.e2e.harness import RunningBot, running_bot

EXAMPLES = Path(__file__).resolve().parents[2] / "content" / "examples"


@pytest.fixture(scope="session")
def content(content_dir: Path) -> Content:
    return load_content(content_dir)


@pytest.fixture
async def emulator() -> AsyncIterator[BotApiEmulator]:
    emu = BotApiEmulator()
    await emu.start()
    yield emu
    await emu.stop()


@pytest.fixture
async def bot(emulator: BotApiEmulator, db, content: Content) -> AsyncIterator[RunningBot]:
    async with running_bot(emulator, db, content) as running:
        yield running

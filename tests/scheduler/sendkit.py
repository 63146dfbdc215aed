"""Test helpers for delivery: texts-only Content, a recording fake Sender, outbox row factory."""
from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import yaml
from sqlalchemy.ext.asyncio import AsyncSession

from core.content.schema import Content
from core.ratelimit import RateBudget
from scheduler.sender import Unreachable
from store.models import OutboxMessage, Person

TEXTS = Path(__file__).resolve().parents[2] / "content" / "texts"


def _flatten(data: dict, prefix: str, out: dict[str, str]) -> None:
    for key, value in data.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict):
            _flatten(value, name + ".", out)
        else:
            out[name] = value


def texts_content() -> Content:
    """A Content with every UI text file and no flows or rules."""
    texts: dict[str, str] = {}
    for path in sorted(TEXTS.glob("*.yaml")):
        _flatten(yaml.safe_load(path.read_text(encoding="utf-8")) or {}, "", texts)
    return Content.model_construct(version="test", flows={}, rules=[], calendar=None, texts=texts)


def fast_budget() -> RateBudget:
    """No waiting: for tests about delivery logic, not pacing."""
    return RateBudget(rate=10_000, bulk_rate=10_000, chat_interval=0, min_gap=0)


@dataclass
class Call:
    chat_id: int
    text: str | None
    buttons: list[list[dict]] | None
    silent: bool
    attachment: dict | None = None
    at: float = 0.0
    paid: bool = False


@dataclass
class FakeSender:
    """Records every send; `errors[chat]` lists exceptions raised on that chat's next sends."""

    errors: dict[int, list[Exception]] = field(default_factory=dict)
    unreachable: set[int] = field(default_factory=set)
    delay: float = 0.0
    calls: list[Call] = field(default_factory=list)

    async def _send(self, call: Call) -> int:
        if self.delay:
            await asyncio.sleep(self.delay)
        if call.chat_id in self.unreachable:
            raise Unreachable("Forbidden: bot was blocked by the user")
        pending = self.errors.get(call.chat_id)
        if pending:
            raise pending.pop(0)
        call.at = time.monotonic()
        self.calls.append(call)
        return len(self.calls)

    async def send_text(self, chat_id: int, text: str, buttons: list[list[dict]] | None, silent: bool,
                        paid: bool = False) -> int:
        return await self._send(Call(chat_id, text, buttons, silent, paid=paid))

    async def send_attachment(self, chat_id: int, attachment: dict, silent: bool, paid: bool = False) -> int:
        return await self._send(Call(chat_id, None, None, silent, attachment, paid=paid))

    def texts_to(self, chat_id: int) -> list[str]:
        return [c.text for c in self.calls if c.chat_id == chat_id and c.text is not None]


async def add_row(session: AsyncSession, person: Person, key: str, due_at: datetime, **fields: Any) -> OutboxMessage:
    row = OutboxMessage(dedupe_key=key, person_id=person.id, kind=fields.pop("kind", "reminder"),
                        text=fields.pop("text", f"pesan {key}"), due_at=due_at, **fields)
    session.add(row)
    await session.flush()
    return row

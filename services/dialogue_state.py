"""A person's open chat dialogue (siaran composer, calendar dates): one ChatInput row per person.

The row comes with the person (a joined load), so asking "is a dialogue open?" on every message
costs no statement of its own; a person loaded otherwise has it fetched here.
"""
from __future__ import annotations

from sqlalchemy import inspect
from sqlalchemy.ext.asyncio import AsyncSession

from store.models import ChatInput, Person


async def _open(session: AsyncSession, person: Person) -> ChatInput | None:
    if "chat_input" in inspect(person).unloaded:
        await session.refresh(person, ["chat_input"])
    return person.chat_input


async def load(session: AsyncSession, person: Person, kind: str) -> ChatInput | None:
    """The person's dialogue state if it belongs to this kind of dialogue."""
    state = await _open(session, person)
    return state if state is not None and state.kind == kind else None


async def save(session: AsyncSession, person: Person, kind: str, data: dict) -> None:
    """Store the dialogue's data; another open dialogue of the person is replaced."""
    state = await _open(session, person)
    if state is None:
        person.chat_input = ChatInput(kind=kind, data=data)
    else:
        state.kind, state.data = kind, data
    await session.flush()


async def clear(session: AsyncSession, person: Person, kind: str) -> None:
    """End this kind of dialogue, if it is the open one."""
    if await load(session, person, kind) is not None:
        person.chat_input = None
        await session.flush()

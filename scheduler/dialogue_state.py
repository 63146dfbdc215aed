"""A person's open chat dialogue (siaran composer, calendar dates): one ChatInput row per person."""
from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from store.models import ChatInput


async def load(session: AsyncSession, person_id: int, kind: str) -> ChatInput | None:
    """The person's dialogue state if it belongs to this kind of dialogue."""
    state = await session.get(ChatInput, person_id)
    return state if state is not None and state.kind == kind else None


async def save(session: AsyncSession, person_id: int, kind: str, data: dict) -> None:
    """Store the dialogue's data; another open dialogue of the person is replaced."""
    state = await session.get(ChatInput, person_id)
    if state is None:
        session.add(ChatInput(person_id=person_id, kind=kind, data=data))
    else:
        state.kind, state.data = kind, data
    await session.flush()


async def clear(session: AsyncSession, person_id: int, kind: str) -> None:
    """End this kind of dialogue, if it is the open one."""
    state = await load(session, person_id, kind)
    if state is not None:
        await session.delete(state)
        await session.flush()

"""Dispatch the scheduler's buttons: "s:" (reminders, Ada kendala) and "j:" (jadwal, setting dates)."""
from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from core.clock import Clock
from core.content.schema import Content
from core.ui import Reply
from scheduler import calendar_ui, jadwal, stops
from scheduler.callback_data import ICS
from store.models import Person

NAMESPACES = ("s:", "j:")  # callback data prefixes this module answers


async def handle_callback(session: AsyncSession, content: Content, person: Person, data: str, clock: Clock) -> list[Reply]:
    """Answer a scheduler button ("s:…" or "j:…")."""
    if data.startswith("s:"):
        return await stops.handle_button(session, content, person, data, clock)
    if data == ICS:
        return [await jadwal.jadwal_ics(session, content, person, clock)]
    if data.startswith("j:"):
        return await calendar_ui.handle_button(session, content, person, data, clock)
    return [Reply(content.text("reminder.unknown_button"))]

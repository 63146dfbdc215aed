"""A koordinator sends a calendar CSV (angkatan, lokakarya, tanggal): Lokakarya dates, all rows or none."""
from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from bot.services import BotContext
from core.ui import Reply
from core.zones import local_today
from program.calendar_import import MAX_ROWS, CalendarImportError, import_calendar_csv, row_count
from scheduler import planner


async def import_calendar(context: BotContext, session: AsyncSession, text: str) -> list[Reply]:
    """Import the dates, re-plan the reminders they move, and reply with the count or the row report."""
    services = context.services
    if (rows := row_count(text)) > MAX_ROWS:
        return [Reply(services.content.text("import.calendar_too_long", jumlah=rows, batas=MAX_ROWS))]
    try:
        count = await import_calendar_csv(session, text, local_today(None, services.content.default_tz, services.clock))
    except CalendarImportError as exc:
        return [Reply(exc.report(services.content))]
    await planner.plan(session, services.content, services.clock)
    return [Reply(services.content.text("kalender.import_done", jumlah=count))]

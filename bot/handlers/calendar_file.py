"""A koordinator sends a calendar CSV (angkatan, lokakarya, tanggal): Lokakarya dates, all rows or none."""
from __future__ import annotations

import csv
import io

from sqlalchemy.ext.asyncio import AsyncSession

from bot.services import BotContext
from core.zones import local_today
from core.ui import Reply
from scheduler import planner
from scheduler.calendar import CalendarImportError, import_calendar_csv

ROSTER_COLUMNS = {"nama", "peran"}
# Dates are read on the event loop (about 1 ms each): a long file would hold everyone up. A calendar has
# a row per cohort and Lokakarya, so even dozens of cohorts fit.
MAX_ROWS = 500


def decode(data: bytes) -> str | None:
    """The file as text, or None when it is not text (e.g. an XLSX roster)."""
    if data.startswith(b"PK"):
        return None
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data.decode("latin-1")


def is_calendar(text: str) -> bool:
    """Tell a calendar file from a roster by its header: it has `lokakarya` and no `nama`/`peran`."""
    first = text.lstrip().partition("\n")[0]
    delimiter = ";" if first.count(";") > first.count(",") else ","
    header = {cell.strip().lower() for cell in next(csv.reader(io.StringIO(first), delimiter=delimiter), [])}
    return "lokakarya" in header and not header & ROSTER_COLUMNS


async def import_calendar(context: BotContext, session: AsyncSession, text: str) -> list[Reply]:
    """Import the dates, re-plan the reminders they move, and reply with the count or the row report."""
    services = context.services
    if (rows := sum(1 for line in text.splitlines() if line.strip()) - 1) > MAX_ROWS:
        return [Reply(services.content.text("import.calendar_too_long", jumlah=rows, batas=MAX_ROWS))]
    try:
        count = await import_calendar_csv(session, text, local_today(None, services.content.default_tz, services.clock))
    except CalendarImportError as exc:
        return [Reply(exc.report(services.content))]
    await planner.plan(session, services.content, services.clock)
    return [Reply(services.content.text("kalender.import_done", jumlah=count))]

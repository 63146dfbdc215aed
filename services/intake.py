"""Files a koordinator brings in: rosters and calendars, sent in the chat or named on the command line.

In the chat a file is recorded as a pending import in the unit of work that receives it (`take_message`);
the transport fetches it once that has committed and calls `import_file`, which reads a roster in a worker
process (core/worker_process.py) so that everyone else keeps being served, and removes the record with the
result. A record left at start-up was cut off by a restart, and its sender is told (`tell_interrupted`).
A calendar CSV is told apart from a roster by its header; its dates are imported all or none and the
reminders they move re-planned.
"""
from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

from sqlalchemy.ext.asyncio import AsyncSession

from core.ui import Incoming, Reply
from core.worker_process import run_in_process
from core.zones import local_today
from program import calendar_import
from program.calendar_import import CalendarImportError
from program.holidays import is_days_off_file
from roster import invites
from roster.handouts import handout_csv, handout_xlsx
from roster.importer import import_parsed
from roster.parse import ParsedFile, read_roster
from roster.report import RosterError
from scheduler import planner
from services import audit, libur
from services.context import Deps
from services.turn import Acting
from store import imports
from store.models import Role

log = logging.getLogger(__name__)

MAX_FILE_BYTES = 5 * 1024 * 1024
HANDOUT_NAME = "kode-undangan.xlsx"


async def take_message(acting: Acting, incoming: Incoming) -> list[Reply] | None:
    """A koordinator's document: record it for import (imported once this unit of work has committed)."""
    if acting.person.role is not Role.koordinator or incoming.media is None or incoming.media.kind != "document":
        return None
    if incoming.file_size and incoming.file_size > MAX_FILE_BYTES:
        return acting.reply("error.too_large_file", batas=MAX_FILE_BYTES // (1024 * 1024))
    acting.pending_import = await imports.receive(acting.session, acting.person, incoming.file_name, acting.clock.now())
    return []


async def import_file(deps: Deps, import_id: int, fetch: Callable[[], Awaitable[bytes]]) -> list[Reply]:
    """Fetch, read and import a recorded file; its pending record goes in the unit of work of the result."""
    try:
        data = await fetch()
        text = calendar_import.decode(data)
        if text is not None and is_days_off_file(text):
            async with deps.db.session() as session:
                return await libur.import_file(session, deps, text, await imports.finish(session, import_id))
        if text is not None and calendar_import.is_calendar(text):
            async with deps.db.session() as session:
                actor = await imports.finish(session, import_id)
                return await _calendar_replies(session, deps, text, actor)
        parsed = await run_in_process(read_roster, data)
        async with deps.db.session() as session:
            actor = await imports.finish(session, import_id)
            return await _roster_replies(session, deps, parsed, actor)
    except Exception:  # the error handler apologises now; no restart notice later
        async with deps.db.session() as session:
            await imports.finish(session, import_id)
        raise


async def tell_interrupted(deps: Deps) -> int:
    """At start-up: tell whoever sent a file whose import a restart cut off; return how many."""
    async with deps.db.session() as session:
        return await imports.tell_interrupted(session, deps.content, deps.clock.now())


async def _calendar_replies(session: AsyncSession, deps: Deps, text: str, actor: int | None) -> list[Reply]:
    content = deps.content
    if (rows := calendar_import.row_count(text)) > calendar_import.MAX_ROWS:
        return [Reply(content.text("import.calendar_too_long", jumlah=rows, batas=calendar_import.MAX_ROWS))]
    try:
        count = await _import_calendar(session, deps, text)
    except CalendarImportError as exc:
        return [Reply(exc.report(content))]
    await audit.record(session, actor, "calendar_import", tanggal=count)
    return [Reply(content.text("kalender.import_done", jumlah=count))]


async def _roster_replies(session: AsyncSession, deps: Deps, parsed: ParsedFile, actor: int | None) -> list[Reply]:
    content = deps.content
    try:
        result = await import_parsed(session, parsed, deps.clock)
    except RosterError as exc:
        return [Reply(exc.report(content))]
    await audit.record(session, actor, "roster_import", baru=result.created, diubah=result.updated)
    replies = [Reply(result.report(content))]
    if result.issued:
        handout = handout_xlsx(result.issued, deps.bot_username)
        replies.append(Reply(content.text("roster.result.handout"), file=(HANDOUT_NAME, handout)))
    return replies


async def _import_calendar(session: AsyncSession, deps: Deps, text: str) -> int:
    """Import the dates (all rows or none: CalendarImportError) and re-plan the reminders they move."""
    count = await calendar_import.import_calendar_csv(session, text, local_today(None, deps.content.default_tz, deps.clock),
                                                   deps.content)
    await planner.plan(session, deps.content, deps.clock)
    return count


# -- the command line ------------------------------------------------------------------------------

@dataclass
class Imported:
    """A file imported from the command line: whether it was, what to print, and the codes it issued."""

    ok: bool
    text: str
    issued: list[invites.IssuedCode] = field(default_factory=list)


def read_roster_file(data: bytes) -> ParsedFile:
    """Read and check a roster file on its own (no database): its problems decide whether to go on."""
    return read_roster(data)


async def import_calendar(deps: Deps, text: str) -> Imported:
    """`pendamping calendar import`: the dates of a calendar CSV, all rows or none."""
    try:
        async with deps.db.session() as session:
            count = await _import_calendar(session, deps, text)
            await audit.record(session, None, "calendar_import", tanggal=count)
    except CalendarImportError as exc:
        return Imported(False, exc.report(deps.content))
    return Imported(True, deps.content.text("kalender.import_done", jumlah=count))


async def import_roster(deps: Deps, parsed: ParsedFile) -> Imported:
    """`pendamping roster import`: a read roster, all rows or none."""
    try:
        async with deps.db.session() as session:
            result = await import_parsed(session, parsed, deps.clock)
            await audit.record(session, None, "roster_import", baru=result.created, diubah=result.updated)
    except RosterError as exc:
        return Imported(False, exc.report(deps.content))
    return Imported(True, result.report(deps.content), result.issued)


async def reissue_codes(deps: Deps) -> list[invites.IssuedCode]:
    """New codes for everyone who has not pressed Start yet; their old codes stop working."""
    async with deps.db.session() as session:
        return await invites.reissue_codes(session, clock=deps.clock)


def handout(issued: list[invites.IssuedCode], bot_username: str | None, xlsx: bool) -> bytes:
    """The codes and links as a spreadsheet (XLSX, or CSV for Excel)."""
    return handout_xlsx(issued, bot_username) if xlsx else handout_csv(issued, bot_username)

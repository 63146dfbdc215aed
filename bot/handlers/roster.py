"""A koordinator sends a roster (or calendar) file: recorded on arrival, read off the event loop, imported all-or-nothing.

The file is recorded as a pending import in the unit of work that receives it; download, reading and
import follow once that has committed, outside the database lock, and the reading runs in a worker process
(core/worker_process.py) so that everyone else keeps being served. The import removes the record with its result: a record left at
start-up was cut off by a restart, and the koordinator is told (store/imports.py).
"""
from __future__ import annotations

import functools

from sqlalchemy.ext.asyncio import AsyncSession
from telegram import Document, Update

from bot.handlers import calendar_file
from program import calendar_import
from bot.handlers.common import AFTER_COMMIT
from bot.services import BotContext
from core.worker_process import run_in_process
from core.ui import Reply
from roster.handouts import handout_xlsx
from roster.importer import import_parsed
from roster.parse import ParsedFile, read_roster
from roster.report import RosterError
from store import imports
from store.models import Person

MAX_ROSTER_BYTES = 5 * 1024 * 1024


async def receive(update: Update, context: BotContext, session: AsyncSession, person: Person) -> list[Reply]:
    """Record the sent document for import; it is imported once this unit of work has committed."""
    services, document = context.services, update.message.document
    if document.file_size and document.file_size > MAX_ROSTER_BYTES:
        return [Reply(services.content.text("error.too_large_file", batas=MAX_ROSTER_BYTES // (1024 * 1024)))]
    import_id = await imports.receive(session, person, document.file_name, services.clock.now())
    session.info[AFTER_COMMIT] = functools.partial(_import, context, document, import_id)
    return []


async def _import(context: BotContext, document: Document, import_id: int) -> list[Reply]:
    """Download, read and import the file; its pending record goes in the unit of work of the result."""
    db = context.services.db
    try:
        data = bytes(await (await document.get_file()).download_as_bytearray())
        text = calendar_import.decode(data)
        if text is not None and calendar_import.is_calendar(text):
            async with db.session() as session:
                await imports.finish(session, import_id)
                return await calendar_file.import_calendar(context, session, text)
        parsed = await run_in_process(read_roster, data)
        async with db.session() as session:
            await imports.finish(session, import_id)
            return await _import_roster(context, session, parsed)
    except Exception:  # the error handler apologises now; no restart notice later
        async with db.session() as session:
            await imports.finish(session, import_id)
        raise


async def _import_roster(context: BotContext, session: AsyncSession, parsed: ParsedFile) -> list[Reply]:
    """Import a read roster all-or-nothing, and reply with the report and the handout."""
    content = context.services.content
    try:
        result = await import_parsed(session, parsed, context.services.clock)
    except RosterError as exc:
        return [Reply(exc.report(content))]
    replies = [Reply(result.report(content))]
    if result.issued:
        handout = handout_xlsx(result.issued, context.bot.username)
        replies.append(Reply(content.text("roster.result.handout"), file=("kode-undangan.xlsx", handout)))
    return replies

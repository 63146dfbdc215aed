"""A koordinator sends a roster file: all rows are checked, then imported, and the codes come back."""
from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession
from telegram import Update

from bot.services import BotContext
from flows.replies import Reply
from store import roster
from store.models import Person

MAX_ROSTER_BYTES = 5 * 1024 * 1024


async def import_document(update: Update, context: BotContext, session: AsyncSession, person: Person) -> list[Reply]:
    """Download the file, import it all-or-nothing, and reply with the report and the handout."""
    content, document = context.services.content, update.message.document
    if document.file_size and document.file_size > MAX_ROSTER_BYTES:
        return [Reply(content.text("error.too_large_file", batas=MAX_ROSTER_BYTES // (1024 * 1024)))]
    data = bytes(await (await document.get_file()).download_as_bytearray())
    try:
        result = await roster.import_file(session, data, context.services.clock)
    except roster.RosterError as exc:
        return [Reply(exc.report(content))]
    replies = [Reply(result.report(content))]
    if result.issued:
        handout = result.to_xlsx(context.bot.username)
        replies.append(Reply(content.text("roster.result.handout"), file=("kode-undangan.xlsx", handout)))
    return replies

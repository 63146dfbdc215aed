"""A koordinator sends a roster file: all rows are checked, then imported, and the codes come back."""
from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession
from telegram import Update

from bot.services import BotContext
from flows.replies import Reply
from store import roster

MAX_ROSTER_BYTES = 5 * 1024 * 1024


async def download(update: Update, context: BotContext) -> bytes | list[Reply]:
    """The sent document's bytes, or a reply saying it is too large."""
    document = update.message.document
    if document.file_size and document.file_size > MAX_ROSTER_BYTES:
        return [Reply(context.services.content.text("error.too_large_file", batas=MAX_ROSTER_BYTES // (1024 * 1024)))]
    return bytes(await (await document.get_file()).download_as_bytearray())


async def import_roster(context: BotContext, session: AsyncSession, data: bytes) -> list[Reply]:
    """Import a roster file all-or-nothing, and reply with the report and the handout."""
    content = context.services.content
    try:
        result = await roster.import_file(session, data, context.services.clock)
    except roster.RosterError as exc:
        return [Reply(exc.report(content))]
    replies = [Reply(result.report(content))]
    if result.issued:
        handout = result.to_xlsx(context.bot.username)
        replies.append(Reply(content.text("roster.result.handout"), file=("kode-undangan.xlsx", handout)))
    return replies

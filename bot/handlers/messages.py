"""Route commands, button presses and free messages to the feature that owns them.

Free text and media go, in this order, to: the koordinator's broadcast draft, a date being set
(/jadwal), the person's active flow, a calendar or roster upload (koordinator documents, told apart
by their header), and otherwise a gentle hint. Button data is routed by its namespace prefix (see
core/ui.py).
"""
from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession
from telegram import Message, Update
from telegram.constants import ChatMemberStatus

from bot.handlers import roster
from bot.handlers.common import find_person, for_person, text_reply
from bot.render import render
from bot.services import BotContext
from flows import engine, progress
from reports import export
from core.ui import Incoming
from core.ui import Attachment, Reply
from flows.submit import SUBMITTED_FLOWS
from scheduler import (
    buttons as scheduler_buttons, calendar_ui, chat_member as member_events, jadwal as jadwal_view, siaran, stops,
)
from store.models import Person, Role

MEDIA_KINDS = ("photo", "document", "voice", "video", "audio", "video_note")


def incoming_from(message: Message) -> Incoming:
    """Describe a Telegram message as plain data for the flows engine."""
    for kind in MEDIA_KINDS:
        media = getattr(message, kind)
        if media:
            file_id = media[-1].file_id if kind == "photo" else media.file_id
            return Incoming(
                kind="media", sent_at=message.date, media_group_id=message.media_group_id,
                media=Attachment("video" if kind == "video_note" else kind, file_id, message.caption),
            )
    if message.text is not None:
        return Incoming(kind="text", sent_at=message.date, text=message.text)
    return Incoming(kind="other", sent_at=message.date)


async def _after_submissions(session: AsyncSession, context: BotContext, person: Person) -> None:
    """Stop the reminders that a submission in this unit of work has made pointless."""
    for flow_id in session.info.pop(SUBMITTED_FLOWS, []):
        await stops.on_flow_submitted(session, context.services.content, person, flow_id, context.services.clock)


@for_person("refleksi")
async def refleksi(update: Update, context: BotContext, session: AsyncSession, person: Person) -> list[Reply]:
    return await engine.open_menu(session, context.services.content, person, context.services.clock)


@for_person("batal")
async def batal(update: Update, context: BotContext, session: AsyncSession, person: Person) -> list[Reply]:
    services = context.services
    if person.role is Role.koordinator:
        dropped = await siaran.cancel(session, services.content, person)
        if dropped is not None:
            return dropped
    dropped = await calendar_ui.cancel(session, services.content, person, services.clock)
    if dropped is not None:
        return dropped
    return await engine.cancel(session, services.content, person, services.clock)


@for_person("ringkasan")
async def ringkasan(update: Update, context: BotContext, session: AsyncSession, person: Person) -> list[Reply]:
    return await progress.overview(session, context.services.content, person)


@for_person("ekspor")
async def ekspor(update: Update, context: BotContext, session: AsyncSession, person: Person) -> list[Reply]:
    name, data = await export.export_xlsx(session, context.services.content, person, context.services.clock)
    return [Reply(context.services.content.text("export.ready"), file=(name, data))]


@for_person("jadwal")
async def jadwal(update: Update, context: BotContext, session: AsyncSession, person: Person) -> list[Reply]:
    return await jadwal_view.jadwal(session, context.services.content, person, context.services.clock)


@for_person("siaran")
async def siaran_command(update: Update, context: BotContext, session: AsyncSession, person: Person) -> list[Reply]:
    return await siaran.start(session, context.services.content, person, context.services.clock)


COMMANDS = {
    "refleksi": refleksi, "batal": batal, "ringkasan": ringkasan, "ekspor": ekspor,
    "jadwal": jadwal, "siaran": siaran_command,
}


@for_person()
async def button(update: Update, context: BotContext, session: AsyncSession, person: Person) -> list[Reply]:
    """Route a button press by the namespace of its data; unknown or stale data gets a polite note."""
    services, data = context.services, update.callback_query.data or ""
    if data.startswith("f:"):
        incoming = Incoming(kind="button", sent_at=services.clock.now(), data=data)
        replies = await engine.handle(session, services.content, person, incoming, services.clock)
        await _after_submissions(session, context, person)
    elif data.startswith("r:"):
        replies = await progress.handle_button(session, services.content, person, data)
    elif data.startswith(scheduler_buttons.NAMESPACES):
        replies = await scheduler_buttons.handle_callback(session, services.content, person, data, services.clock)
    elif data.startswith("b:") and person.role is Role.koordinator:
        replies = await siaran.handle_button(session, services.content, person, data, services.clock)
    else:
        replies = None
    return replies or text_reply(context, "error.stale_button")


@for_person()
async def message(update: Update, context: BotContext, session: AsyncSession, person: Person) -> list[Reply]:
    services, msg = context.services, update.message
    if msg is None:
        return []
    incoming = incoming_from(msg)
    if person.role is Role.koordinator and incoming.kind == "text":
        replies = await siaran.handle_text(session, services.content, person, incoming.text, services.clock)
        if replies is not None:
            return replies
    if incoming.kind == "text":
        replies = await calendar_ui.handle_text(session, services.content, person, incoming.text, services.clock)
        if replies is not None:
            return replies
    replies = await engine.handle(session, services.content, person, incoming, services.clock)
    if replies is not None:
        await _after_submissions(session, context, person)
        return replies
    if person.role is Role.koordinator and msg.document is not None:
        # a calendar CSV (it has a `lokakarya` column) sets Lokakarya dates; anything else is a roster
        return await roster.receive(update, context, session, person)
    own = f"error.idle_text_{person.role.value}"  # a role without flows gets its own hint
    return text_reply(context, own if own in services.content.texts else "error.idle_text")


async def unknown_command(update: Update, context: BotContext) -> None:
    services = context.services
    async with services.db.session() as session:
        person = await find_person(session, update.effective_user.id) if update.effective_user else None
        if person is not None and person.left:
            replies = await member_events.left_reply(session, services.content, person)
        else:
            replies = [Reply(services.content.text("error.unknown_command"))]
    await render(update, context.bot, replies)


async def chat_member(update: Update, context: BotContext) -> None:
    """The person blocked the bot (kicked) or unblocked it (member): only the blocked state changes."""
    change = update.my_chat_member
    if change is None or change.chat.type != "private":
        return
    services = context.services
    async with services.db.session() as session:
        person = await find_person(session, change.from_user.id)
        if person is None:
            return
        if change.new_chat_member.status == ChatMemberStatus.BANNED:
            await member_events.on_blocked(session, services.content, person, services.clock)
        elif change.new_chat_member.status == ChatMemberStatus.MEMBER:
            await member_events.on_unblocked(session, services.content, person, services.clock)

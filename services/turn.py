"""One update of a joined person as one unit of work, shared by every use case a person starts.

`act` opens the unit of work, finds the person, answers someone not joined or no longer in the program,
shows where they stand when the update was handled before a restart, settles a reply of theirs that
Telegram refused (a resend gets that reply instead of being acted on again), checks the command against
their role, and then runs the use case. When the person's flow run kept changing under it (RunBusy),
everything is rolled back and tried again; so is a unit of work whose database connection was dropped.
"""
from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncSession

from core.clock import Clock
from core.content.schema import Content
from core.ui import Reply
from flows import engine
from flows.runs import RunBusy
from services import lost_replies
from services.commands import allowed
from services.context import Deps
from services.joining import left_reply
from services.privacy_consent import gate
from store.models import Person
from store import updates
from store.people import by_telegram_user, mark_handled

log = logging.getLogger(__name__)

BUSY_ATTEMPTS = 3  # units of work tried for one update whose run kept changing under it (RunBusy)


def _never(last_handled: int | None) -> bool:
    return False


@dataclass(frozen=True)
class Turn:
    """One update from a person, as plain values."""

    user_id: int
    update_id: int
    # What the person sent, as ("text", text) or ("button", data): sent again, it would be acted on again.
    # None for commands and media.
    said: tuple[str, str] | None = None
    # Whether this update was handled before (a restart), given the person's last handled update id; the
    # transport knows whether its updates arrive in order.
    is_repeat: Callable[[int | None], bool] = _never
    # The transport answers Telegram only after the unit of work (webhook): it may deliver this update again,
    # to any worker. Its id is recorded in handled_updates, and the person's row is locked for the unit of work.
    may_repeat: bool = False


@dataclass
class Outcome:
    """What a use case did, as values: the replies, and what is left for the transport to do."""

    replies: list[Reply]
    person_id: int | None = None  # the acting person, once joined: replies Telegram refuses are kept for them
    # A file recorded for import: once the replies are out, fetch it and call services.intake.import_file.
    pending_import: int | None = None
    # Media files to fetch from Telegram, (name, file id): once the replies are out, services.media_export.archive.
    media: list[tuple[str, str]] | None = None


@dataclass
class Acting:
    """A joined person's unit of work: the session, the person, and what the use case leaves to do."""

    deps: Deps
    session: AsyncSession
    person: Person
    pending_import: int | None = None  # set by a use case that recorded a file for import
    media: list[tuple[str, str]] | None = None  # set by /ekspor's ZIP button: the files to fetch

    @property
    def content(self) -> Content:
        return self.deps.content

    @property
    def clock(self) -> Clock:
        return self.deps.clock

    def reply(self, key: str, **values: object) -> list[Reply]:
        return [Reply(self.deps.content.text(key, **values))]


UseCase = Callable[[Acting], Awaitable[list[Reply]]]


async def act(deps: Deps, turn: Turn, use_case: UseCase, command: str | None = None) -> Outcome:
    """Run the use case for the person in one unit of work; when their run kept changing, or the database dropped
    the connection it ran on (a pooled connection the server or network closed), roll back and retry."""
    dropped = False
    for attempt in range(1, BUSY_ATTEMPTS):
        try:
            return await _attempt(deps, turn, use_case, command)
        except DBAPIError as error:
            if not error.connection_invalidated or dropped:
                raise
            dropped = True  # the pool has replaced it: once more, on a new connection
            log.warning("update %s: the database connection was lost; trying again on a new one", turn.update_id)
        except RunBusy:
            log.warning("update %s: its run kept changing; rolled back, trying again (%d/%d)",
                        turn.update_id, attempt + 1, BUSY_ATTEMPTS)
            await asyncio.sleep(0.05 * attempt)
    return await _attempt(deps, turn, use_case, command)  # still busy now: a fault for the error handler


async def _attempt(deps: Deps, turn: Turn, use_case: UseCase, command: str | None) -> Outcome:
    async with deps.db.session() as session:
        person = await by_telegram_user(session, turn.user_id)  # locked: one person's updates, one worker at a time
        if person is None:
            return Outcome([Reply(deps.content.text("error.not_joined"))])
        acting = Acting(deps, session, person)
        replies = await _checked(acting, turn, use_case, command)
    return Outcome(replies, person.id, acting.pending_import, acting.media)


async def _checked(acting: Acting, turn: Turn, use_case: UseCase, command: str | None) -> list[Reply]:
    """The use case's replies, unless the person left, the update is a repeat or a resend, or the command is not theirs."""
    deps, session, person = acting.deps, acting.session, acting.person
    if person.left:
        return await left_reply(session, deps.content, person)
    if turn.is_repeat(person.last_update_id) or (
            turn.may_repeat and not await updates.record(session, turn.update_id, deps.clock.now())):
        log.info("update %s was handled before a restart; showing person %s where they are", turn.update_id, person.id)
        return await engine.current_prompt(session, deps.content, person, deps.clock)
    await mark_handled(session, person, turn.update_id)
    if person.undelivered_reply is not None:
        lost = await lost_replies.take(session, person)
        if lost.replies and lost.said is not None and lost.said == lost_replies.fingerprint_of(turn.said):
            log.info("update %s repeats one whose reply was lost; sending person %s that reply", turn.update_id, person.id)
            return [Reply(deps.content.text("error.resent")), *lost.replies]
    if (notice := gate(deps.content, person, turn.said)) is not None:
        return notice
    if command is not None and not allowed(person.role, command):
        return acting.reply("error.not_allowed")
    return await use_case(acting)


async def stale_button(deps: Deps, turn: Turn) -> Outcome:
    """A press outside every button namespace (or without data): no longer valid."""
    return await act(deps, turn, lambda acting: _stale(acting))


async def _stale(acting: Acting) -> list[Reply]:
    return acting.reply("error.stale_button")

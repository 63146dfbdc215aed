"""Where a person's message goes: to the first open dialogue that takes it, in the order of DIALOGUES.

A koordinator's broadcast draft takes their texts first (the composer asks for the message itself),
then a date being set from /jadwal (its answer looks like a date, which a flow question could also
take), then the person's active flow run (any text, media or other message), then a koordinator's
roster or calendar file, then a koordinator's "libur TANGGAL: NAMA" (a day off), and otherwise a hint of what
the person can do. /batal closes the first open dialogue in the same order; a flow run always answers (it says when there is nothing to cancel).
"""
from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from core.ui import Incoming, Reply
from services import calendar_dates, intake, libur, reflection, siaran
from services.context import Deps
from services.turn import Acting, Outcome, Turn, act


async def _idle_hint(acting: Acting, incoming: Incoming) -> list[Reply]:
    own = f"error.idle_text_{acting.person.role.value}"  # a role without flows gets its own hint
    return acting.reply(own if own in acting.content.texts else "error.idle_text")


@dataclass(frozen=True)
class Dialogue:
    name: str
    take: Callable[[Acting, Incoming], Awaitable[list[Reply] | None]]  # None: not for this dialogue
    cancel: Callable[[Acting], Awaitable[list[Reply] | None]] | None = None  # None: nothing of it to cancel


DIALOGUES = (
    Dialogue("siaran", siaran.take_message, siaran.cancel_draft),
    Dialogue("kalender", calendar_dates.take_message, calendar_dates.cancel),
    Dialogue("flow", reflection.take_message, reflection.cancel),
    Dialogue("file", intake.take_message),
    Dialogue("libur", libur.take_message),  # a koordinator's "libur TANGGAL: NAMA"
    Dialogue("idle", _idle_hint),
)


async def message(deps: Deps, turn: Turn, incoming: Incoming) -> Outcome:
    """A text, media or other message, to the dialogue that takes it."""
    return await act(deps, turn, lambda acting: _route(acting, incoming))


async def batal(deps: Deps, turn: Turn) -> Outcome:
    """/batal: close the open dialogue (answers of a flow run stay as a draft)."""
    return await act(deps, turn, _cancel, command="batal")


async def _route(acting: Acting, incoming: Incoming) -> list[Reply]:
    for dialogue in DIALOGUES:
        replies = await dialogue.take(acting, incoming)
        if replies is not None:
            return replies
    return []


async def _cancel(acting: Acting) -> list[Reply]:
    for dialogue in DIALOGUES:
        if dialogue.cancel is not None and (replies := await dialogue.cancel(acting)) is not None:
            return replies
    return []

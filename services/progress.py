"""What mentors and koordinators look at: /ringkasan, one mentee's answers ("r:" buttons), /ekspor."""
from __future__ import annotations

from core.ui import Reply
from flows import progress
from flows.callbacks import ANSWERS  # re-exported: the presses bot/app.py sends to mentee_answers()
from flows.callbacks import MenteeAnswers
from reports.export import export_xlsx
from services import audit
from services.context import Deps
from services.turn import Acting, Outcome, Turn, act


async def overview(deps: Deps, turn: Turn) -> Outcome:
    """/ringkasan: mentees' progress per flow, or a cohort's completion."""
    return await act(deps, turn, _overview, command="ringkasan")


async def mentee_answers(deps: Deps, turn: Turn, value: MenteeAnswers | None) -> Outcome:
    """One person's answers, if the viewer may see them; stale or forged data is refused like someone else's."""
    return await act(deps, turn, lambda acting: _mentee_answers(acting, value))


async def ekspor(deps: Deps, turn: Turn) -> Outcome:
    """/ekspor: the answers the person may see, as a workbook."""
    return await act(deps, turn, _ekspor, command="ekspor")


async def _overview(acting: Acting) -> list[Reply]:
    return await progress.overview(acting.session, acting.content, acting.person)


async def _mentee_answers(acting: Acting, value: MenteeAnswers | None) -> list[Reply]:
    target = value.person_id if value is not None else None
    return await progress.mentee_answers(acting.session, acting.content, acting.person, target)


async def _ekspor(acting: Acting) -> list[Reply]:
    name, data = await export_xlsx(acting.session, acting.content, acting.person, acting.clock)
    await audit.record(acting.session, acting.person, "export")
    return [Reply(acting.content.text("export.ready"), file=(name, data))]

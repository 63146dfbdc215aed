"""The audit log: koordinator actions (roster and calendar imports, broadcasts, exports, deletions, calendar
changes, days off) with who and when. Other use cases record with one line: `await audit.record(session, person, "…")`.
"""
from __future__ import annotations

from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from core.content.schema import Content
from core.dates import format_date, format_time
from core.ui import Reply
from core.zones import zone_of
from services.context import Deps
from services.turn import Acting, Outcome, Turn, act
from store.models import AuditEntry, Person

SHOWN = 20  # entries /riwayat shows
COMMAND_LINE = "CLI"  # the actor of an action taken on the command line


async def record(session: AsyncSession, actor: Person | int | None, action: str, **detail: Any) -> None:
    """Record an action in the caller's unit of work; the actor as a person or their id, None for the command line."""
    if isinstance(actor, int):
        actor = await session.get(Person, actor)
    session.add(AuditEntry(actor_id=actor.id if actor else None, actor=actor.name if actor else COMMAND_LINE,
                           action=action, detail={k: v for k, v in detail.items() if v is not None}))


async def entries(session: AsyncSession, limit: int = SHOWN, cohort_id: int | None = None) -> list[AuditEntry]:
    """The newest entries first; with a cohort, only what its people, koordinators without a cohort and the
    command line did (another cohort's koordinators' actions are theirs)."""
    stmt = select(AuditEntry)
    if cohort_id is not None:
        stmt = stmt.outerjoin(Person, Person.id == AuditEntry.actor_id).where(
            or_(Person.id.is_(None), Person.cohort_id.is_(None), Person.cohort_id == cohort_id))
    return list((await session.scalars(stmt.order_by(AuditEntry.at.desc(), AuditEntry.id.desc()).limit(limit))).all())


def line(content: Content, entry: AuditEntry, zone: ZoneInfo) -> str:
    at = entry.at.astimezone(zone)
    details = ", ".join(f"{k}: {v}" for k, v in entry.detail.items())
    action = content.texts.get(f"audit.action.{entry.action}", entry.action)
    who = content.text("audit.command_line") if entry.actor_id is None and entry.actor == COMMAND_LINE else entry.actor
    return content.text("audit.line", waktu=f"{format_date(at.date())} {format_time(at.time())}", siapa=who,
                        tindakan=action, rincian=f" ({details})" if details else "")


async def riwayat(deps: Deps, turn: Turn) -> Outcome:
    """/riwayat (koordinator): the newest actions of the audit log."""
    return await act(deps, turn, _riwayat, command="riwayat")


async def _riwayat(acting: Acting) -> list[Reply]:
    found = await entries(acting.session, cohort_id=acting.person.cohort_id)
    if not found:
        return acting.reply("audit.empty")
    zone = zone_of(acting.person, acting.deps.settings.default_tz)
    return [Reply("\n".join([acting.content.text("audit.title"), *(line(acting.content, e, zone) for e in found)]))]

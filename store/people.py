"""Who is who: a person by their Telegram account, a mentor's mentees, and who may see whose answers."""
from __future__ import annotations

from sqlalchemy import bindparam, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from store.models import MENTOR_ROLES, FlowRun, Person, Role

_BY_TG_USER = select(Person).where(Person.tg_user_id == bindparam("tg_user_id"))  # built once: it runs per update


async def by_telegram_user(session: AsyncSession, tg_user_id: int) -> Person | None:
    return await session.scalar(_BY_TG_USER, {"tg_user_id": tg_user_id})


async def mentees_of(session: AsyncSession, mentor: Person) -> list[Person]:
    """The mentor's mentees by name, those who left included."""
    stmt = select(Person).where(Person.mentor_id == mentor.id).order_by(Person.name, Person.id)
    return list((await session.scalars(stmt)).all())


def may_see(viewer: Person, target: Person) -> bool:
    """A person sees their own answers, a mentor their mentees', a koordinator their cohort's."""
    if target.id == viewer.id or target.mentor_id == viewer.id:
        return True
    return viewer.role == Role.koordinator and viewer.cohort_id in (None, target.cohort_id)


async def visible_runs(session: AsyncSession, viewer: Person) -> list[FlowRun]:
    """Runs whose answers the viewer may read: mentees' and own for mentors, the cohort's for a koordinator."""
    stmt = select(FlowRun).order_by(FlowRun.id)
    if viewer.role == Role.koordinator:
        if viewer.cohort_id is not None:
            stmt = stmt.where(FlowRun.person_id.in_(select(Person.id).where(Person.cohort_id == viewer.cohort_id)))
    elif viewer.role in MENTOR_ROLES:
        mentees = select(Person.id).where(Person.mentor_id == viewer.id)
        stmt = stmt.where(or_(FlowRun.person_id == viewer.id, FlowRun.person_id.in_(mentees)))
    else:
        stmt = stmt.where(FlowRun.person_id == viewer.id)
    return list((await session.scalars(stmt)).all())

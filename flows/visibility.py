"""Who may see whose answers: a mentor their own mentees, a koordinator their cohort."""
from __future__ import annotations

from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from store.models import MENTOR_ROLES, FlowRun, Person, Role


def may_see(viewer: Person, target: Person) -> bool:
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

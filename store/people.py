"""Who is who: a person by their Telegram account, a mentor's mentees, and who may see whose answers."""
from __future__ import annotations

from sqlalchemy import bindparam, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm.attributes import set_committed_value

from store.models import MENTOR_ROLES, FlowRun, Person, Role

# session.info key: the id of the person whose row lock this unit of work holds (no other unit of work changes
# their runs).
PERSON_LOCKED = "person_locked"
# Built once: it runs per update. The row lock (PostgreSQL; SQLite's units of work hold the write lock
# anyway) orders one person's updates from their first statement; every unit of work updates the row
# (last_update_id) later anyway.
_BY_TG_USER = select(Person).where(Person.tg_user_id == bindparam("tg_user_id")).with_for_update(of=Person)
_PEOPLE = Person.__table__
_HANDLED = update(_PEOPLE).where(_PEOPLE.c.id == bindparam("b_person")).values(last_update_id=bindparam("b_update"))


async def by_telegram_user(session: AsyncSession, tg_user_id: int) -> Person | None:
    """The person with this Telegram account, their row locked until the unit of work ends."""
    person = await session.scalar(_BY_TG_USER, {"tg_user_id": tg_user_id})
    session.info[PERSON_LOCKED] = person.id if person is not None else None
    return person


async def mark_handled(session: AsyncSession, person: Person, update_id: int) -> None:
    """Record the update as the newest one handled for the person: a Core UPDATE now, so the commit has no flush for it."""
    await session.execute(_HANDLED, {"b_person": person.id, "b_update": update_id})
    set_committed_value(person, "last_update_id", update_id)


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

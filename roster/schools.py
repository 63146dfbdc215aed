"""Schools from the roster's sekolah column: one School per (name, district) or NPSN, and who belongs to it.

A kepala sekolah, guru or CGP belongs to the school in their row; a pengawas to each school their cell
lists (separated by ";"). A school's FSP is the mentor of its kepala sekolah, guru or pengawas.
"""
from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

from sqlalchemy import delete, insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from roster.columns import SCHOOL_SEPARATOR
from roster.parse import Roster, RosterRow
from store.models import Person, Role, School, SchoolMember

CHUNK = 500  # ids per IN list
SCHOOL_ROLES = {Role.kepsek, Role.guru, Role.pengawas, Role.cgp}


def school_names(row: RosterRow) -> list[str]:
    """The schools a row names: several for a pengawas, at most one for anyone else."""
    if not row.school or row.role not in SCHOOL_ROLES:
        return []
    if row.role is Role.pengawas:
        return [name for name in (" ".join(part.split()) for part in row.school.split(SCHOOL_SEPARATOR)) if name]
    return [" ".join(row.school.split())]


def _key(name: str, district: str | None) -> tuple[str, str]:
    return name.casefold(), (district or "").casefold()


async def link_schools(session: AsyncSession, roster: Roster, people: Mapping[str, Person], now: datetime) -> int:
    """Create or update the schools the file names and set each listed person's schools; return how many are new.

    A file without the sekolah column leaves schools and memberships alone.
    """
    if not roster.has("sekolah"):
        return 0
    existing = list(await session.scalars(select(School)))
    by_key = {_key(s.name, s.district): s for s in existing}
    by_npsn = {s.npsn: s for s in existing if s.npsn}
    created = 0
    members: dict[int, set[int]] = {}
    for row in roster.rows:
        person = people[row.external_id]
        members[person.id] = set()
        for name in school_names(row):
            npsn = row.npsn if row.role is not Role.pengawas else None
            school = (by_npsn.get(npsn) if npsn else None) or by_key.get(_key(name, row.district))
            if school is None:
                school = School(name=name, district=row.district, npsn=npsn, created_at=now)
                session.add(school)
                await session.flush()
                created += 1
            elif npsn and school.npsn is None:
                school.npsn = npsn
            by_key[_key(name, row.district)] = school
            if npsn:
                by_npsn[npsn] = school
            mentor = people.get(row.mentor) if row.mentor else None
            if mentor is not None and mentor.role is Role.fsp and row.role is not Role.cgp:
                school.fsp_id = mentor.id
            members[person.id].add(school.id)
    await session.flush()
    ids = sorted(members)
    for start in range(0, len(ids), CHUNK):
        await session.execute(delete(SchoolMember).where(SchoolMember.person_id.in_(ids[start:start + CHUNK])))
    rows = [{"school_id": s, "person_id": p} for p, schools in members.items() for s in sorted(schools)]
    if rows:
        await session.execute(insert(SchoolMember), rows)
    return created

"""Import a read roster all or nothing: check mentors against the database, upsert cohorts and people, issue codes.

import_parsed(session, parsed, clock) writes nothing unless every check passes (RosterError lists them all);
import_file(session, data, clock) reads the file first, in the caller's thread.
"""
from __future__ import annotations

import logging
from collections.abc import Iterator, Sequence
from datetime import datetime
from typing import TypeVar

from sqlalchemy import insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from core.clock import Clock
from roster.invites import REVOKE_CHUNK, add_codes, revoke_codes
from roster.parse import ParsedFile, Roster, RosterRow, read_roster
from roster.report import ImportResult, RosterError, RowProblem
from roster.schools import link_schools
from store.models import MENTOR_OF, Cohort, InviteCode, Person

log = logging.getLogger(__name__)

IN_CHUNK = 500

T = TypeVar("T")


async def check_roster(session: AsyncSession, roster: Roster) -> list[RowProblem]:
    """Return the problems only the database shows: unknown mentors, mentors of the wrong role."""
    problems: list[RowProblem] = []
    in_file = {r.external_id: r for r in roster.rows}
    outside = {r.mentor for r in roster.rows if r.mentor and r.mentor not in roster.ids}
    known = await _people_by_external_id(session, outside | in_file.keys())
    mentor_column = roster.columns["mentor"]
    for row in roster.rows:
        if row.mentor not in outside or row.role not in MENTOR_OF:
            continue
        mentor = known.get(row.mentor)
        if mentor is None:
            problems.append(RowProblem(row.row, mentor_column, "mentor_unknown", {"value": row.mentor}))
        elif mentor.role != MENTOR_OF[row.role]:
            problems.append(RowProblem(row.row, mentor_column, "mentor_wrong_role", {
                "value": row.mentor, "mentor_role": mentor.role.value, "expected": MENTOR_OF[row.role].value}))
    # A mentor whose role changes must not leave mentees outside the file with a wrong-role mentor.
    changed = {known[r.external_id].id: r for r in roster.rows if r.external_id in known and known[r.external_id].role != r.role}
    if changed:
        for chunk in _chunks(sorted(changed), IN_CHUNK):
            mentees = await session.scalars(select(Person).where(Person.mentor_id.in_(chunk)))
            for mentee in mentees:
                row = changed[mentee.mentor_id]
                if mentee.external_id not in in_file and MENTOR_OF.get(mentee.role) != row.role:
                    problems.append(RowProblem(row.row, roster.columns["peran"], "still_mentor", {"name": mentee.name}))
    return problems


async def import_file(session: AsyncSession, data: bytes, clock: Clock) -> ImportResult:
    """Parse, validate (file and database) and import; raise RosterError listing all problems."""
    return await import_parsed(session, read_roster(data), clock)


async def import_parsed(session: AsyncSession, parsed: ParsedFile, clock: Clock) -> ImportResult:
    """Validate a read file against the database and import it; raise RosterError listing all problems."""
    problems = list(parsed.problems)
    if parsed.roster is not None:
        problems += await check_roster(session, parsed.roster)
    if problems:
        raise RosterError(problems)
    return await _write(session, parsed.roster, clock)


async def _write(session: AsyncSession, roster: Roster, clock: Clock) -> ImportResult:
    now = clock.now()
    result = ImportResult()
    cohorts = await _upsert_cohorts(session, {r.cohort for r in roster.rows if r.cohort}, now, result)
    people = await _people_by_external_id(session, {r.external_id for r in roster.rows} | {r.mentor for r in roster.rows if r.mentor})
    existing = {r.external_id for r in roster.rows if r.external_id in people}
    changed: set[str] = set()
    # Mentors never have mentors themselves, so writing mentors first gives every mentee a mentor id.
    for group in ([r for r in roster.rows if r.role not in MENTOR_OF], [r for r in roster.rows if r.role in MENTOR_OF]):
        new: list[dict[str, object]] = []
        for row in group:
            values = _values(row, roster, cohorts, people, now)
            person = people.get(row.external_id)
            if person is None:
                new.append({"external_id": row.external_id, "created_at": now, "updated_at": now, **values})
            elif _assign(person, values):
                changed.add(row.external_id)
        await session.flush()
        if new:
            people.update((p.external_id, p) for p in await session.scalars(insert(Person).returning(Person), new))

    await link_schools(session, roster, people, now)

    live = await _people_with_live_code(session)
    needing_code, leaving = [], []
    for row in roster.rows:
        person = people[row.external_id]
        if row.external_id in existing and person.joined:
            result.joined += 1
        elif person.left:  # also when this file has no status column
            if person.id in live:
                leaving.append(person.id)
        elif row.external_id in existing and person.id in live:
            result.had_code += 1
        else:
            needing_code.append(person)
    for chunk in _chunks(leaving, REVOKE_CHUNK):  # someone who left cannot join with an old code
        await revoke_codes(session, list(chunk), clock)
    result.issued = await add_codes(session, needing_code, clock)
    result.created = len(roster.rows) - len(existing)
    result.updated = len(changed)
    result.unchanged = len(existing) - result.updated
    log.info("roster imported: %d created, %d updated, %d unchanged, %d codes issued",
             result.created, result.updated, result.unchanged, len(result.issued))
    return result


def _values(row: RosterRow, roster: Roster, cohorts: dict[str, Cohort], people: dict[str, Person],
            now: datetime) -> dict[str, object]:
    """The person's attributes as the file gives them."""
    values: dict[str, object] = {
        "name": row.name, "role": row.role,
        "cohort_id": cohorts[row.cohort].id if row.cohort else None,
        "mentor_id": people[row.mentor].id if row.mentor else None,
    }
    # Optional columns left out of the file leave the stored value alone.
    for column, attr, value in (("sekolah", "school", row.school), ("kabupaten/kota", "district", row.district),
                                ("zona waktu", "timezone", row.timezone), ("provinsi", "province", row.province)):
        if roster.has(column):
            values[attr] = value
    # Only the roster says who left; whether they blocked the bot is Telegram's say.
    if roster.has("status"):
        person = people.get(row.external_id)
        values["left_at"] = None if row.in_program else (person.left_at if person is not None and person.left else now)
    return values


def _assign(person: Person, values: dict[str, object]) -> bool:
    """Set the differing attributes; return whether any differed."""
    differing = {k: v for k, v in values.items() if getattr(person, k) != v}
    for key, value in differing.items():
        setattr(person, key, value)
    return bool(differing)


async def _upsert_cohorts(session: AsyncSession, codes: set[str], now: datetime, result: ImportResult) -> dict[str, Cohort]:
    cohorts = {c.code: c for c in await session.scalars(select(Cohort).where(Cohort.code.in_(codes)))} if codes else {}
    for code in sorted(codes - cohorts.keys()):
        cohorts[code] = Cohort(code=code, name=code, created_at=now)
        session.add(cohorts[code])
        result.cohorts_created += 1
    await session.flush()
    return cohorts


async def _people_by_external_id(session: AsyncSession, ids: set[str]) -> dict[str, Person]:
    # One scan instead of many `IN (…)` lists: prepared IN-list plans degrade to a linear scan per query.
    people = await session.scalars(select(Person).where(Person.external_id.is_not(None)))
    return {p.external_id: p for p in people if p.external_id in ids}


async def _people_with_live_code(session: AsyncSession) -> set[int]:
    return set(await session.scalars(
        select(InviteCode.person_id).where(InviteCode.used_at.is_(None), InviteCode.revoked_at.is_(None))))


def _chunks(items: Sequence[T], size: int) -> Iterator[Sequence[T]]:
    for start in range(0, len(items), size):
        yield items[start:start + size]

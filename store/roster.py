"""Roster import: validate a CSV/XLSX of people as a whole, then upsert cohorts and people and issue codes.

parse_roster(data) checks everything the file alone can tell; import_roster(session, roster, clock)
also checks mentors against the database and writes nothing unless every check passes.
import_file(session, data, clock) does both and reports all problems at once; read_roster(data) and
import_parsed(session, parsed, clock) are its two halves, for reading the file off the event loop.
"""
from __future__ import annotations

import csv
import io
import logging
import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol, TypeVar

import openpyxl
from sqlalchemy import insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from core.clock import Clock
from store.invites import REVOKE_CHUNK, IssuedCode, add_codes, invite_link, revoke_codes
from store.models import MENTOR_OF, Cohort, InviteCode, Person, Role
from store.sheets import SheetError, csv_row, read_sheet, xlsx_row

log = logging.getLogger(__name__)

# Canonical column → the header spellings accepted for it (compared after _norm_header).
COLUMNS: dict[str, tuple[str, ...]] = {
    "id": ("id", "nik", "nuptk", "kode"),
    "nama": ("nama", "nama lengkap", "name"),
    "peran": ("peran", "role"),
    "angkatan": ("angkatan", "cohort"),
    "sekolah": ("sekolah", "nama sekolah", "asal sekolah"),
    "kabupaten/kota": ("kabupaten/kota", "kabupaten", "kota", "kab/kota", "kab./kota"),
    "provinsi": ("provinsi", "province"),
    "mentor": ("mentor", "id mentor"),
    "zona waktu": ("zona waktu", "timezone", "tz"),
    "status": ("status", "keaktifan"),
}
REQUIRED_COLUMNS = ("id", "nama", "peran", "angkatan", "mentor")
HEADER_ALIASES = {alias: name for name, aliases in COLUMNS.items() for alias in aliases}
ROLE_ALIASES = {
    **{role.value: role for role in Role},
    "calon guru penggerak": Role.cgp,
    "pengajar praktik": Role.pp,
    "pengajar praktek": Role.pp,
    "fasilitator sekolah penggerak": Role.fsp,
    "kepala sekolah": Role.kepsek,
    "pengawas sekolah": Role.pengawas,
}
TIMEZONES = {
    "wib": "Asia/Jakarta",
    "wita": "Asia/Makassar",
    "wit": "Asia/Jayapura",
    **{zone.lower(): zone for zone in ("Asia/Jakarta", "Asia/Pontianak", "Asia/Makassar", "Asia/Jayapura")},
}
# status → still in the program; someone who left gets no reminders and is left out of counts.
STATUSES = {"aktif": True, "keluar": False, "nonaktif": False, "tidak aktif": False, "mengundurkan diri": False}
MAX_LENGTH = {"id": 64, "nama": 200, "sekolah": 200, "kabupaten/kota": 200, "provinsi": 100, "mentor": 64, "status": 32}
COHORT_PATTERN = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,31}")
COHORT_PREFIX = re.compile(r"^angkatan\s*", re.IGNORECASE)
HANDOUT_COLUMNS = ("id", "nama", "peran", "kode", "tautan")
REPORT_LIMIT = 50
IN_CHUNK = 500

T = TypeVar("T")


class Texts(Protocol):
    """Anything that renders UI texts by key, such as core.content.Content."""

    def text(self, key: str, **values: object) -> str: ...


@dataclass(frozen=True)
class RowProblem:
    """One problem: row as numbered in the sheet (header = row 1; None = the whole file), column, reason."""

    row: int | None
    column: str | None
    code: str  # text key under roster.problem.
    values: dict[str, object] = field(default_factory=dict)

    def message(self, texts: Texts) -> str:
        """Render as one Indonesian line, e.g. 'Baris 4, kolom peran: peran "guru besar" tidak dikenal.'"""
        reason = texts.text(f"roster.problem.{self.code}", **self.values)
        if self.row is None:
            return reason
        if self.column is None:
            return texts.text("roster.report.at_row", row=self.row, reason=reason)
        return texts.text("roster.report.at_cell", row=self.row, column=self.column, reason=reason)


class RosterError(Exception):
    """The roster was rejected; nothing was written. `problems` is sorted by row."""

    def __init__(self, problems: list[RowProblem]) -> None:
        self.problems = sorted(problems, key=lambda p: (p.row or 0, p.column or ""))
        super().__init__(f"{len(self.problems)} problem(s) in roster")

    def report(self, texts: Texts, limit: int = REPORT_LIMIT) -> str:
        """Render the rejection: a heading, up to `limit` problems, and how many more."""
        lines = [texts.text("roster.report.rejected", count=len(self.problems))]
        lines += [f"• {p.message(texts)}" for p in self.problems[:limit]]
        if len(self.problems) > limit:
            lines.append(texts.text("roster.report.more", count=len(self.problems) - limit))
        return "\n".join(lines)


@dataclass(frozen=True)
class RosterRow:
    row: int
    external_id: str
    name: str
    role: Role
    cohort: str | None  # normalized cohort code; None only for a koordinator
    school: str | None
    district: str | None
    mentor: str | None  # the mentor's stable id
    timezone: str | None  # IANA name
    in_program: bool = True  # the status column: False for someone who left the program
    province: str | None = None  # for the province's days off (holidays.yaml)


@dataclass(frozen=True)
class Roster:
    rows: list[RosterRow]
    columns: dict[str, str]  # canonical column → the header as written in the file
    ids: frozenset[str]  # every id in the file, also of rows too broken to keep

    def has(self, column: str) -> bool:
        return column in self.columns


@dataclass
class ImportResult:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    cohorts_created: int = 0
    had_code: int = 0  # existing people with a live unused code: no new one
    joined: int = 0  # existing people already in Telegram: no code
    issued: list[IssuedCode] = field(default_factory=list)

    def report(self, texts: Texts) -> str:
        """Render the summary of a clean import."""
        return texts.text(
            "roster.result.summary", created=self.created, updated=self.updated, unchanged=self.unchanged,
            issued=len(self.issued), had_code=self.had_code, joined=self.joined,
        )

    def to_csv(self, bot_username: str) -> bytes:
        return handout_csv(self.issued, bot_username)

    def to_xlsx(self, bot_username: str) -> bytes:
        return handout_xlsx(self.issued, bot_username)


def handout_rows(issued: Iterable[IssuedCode], bot_username: str | None) -> Iterator[list[str]]:
    """Yield the header and one row per issued code: id, nama, peran, kode, tautan (empty without a username)."""
    yield list(HANDOUT_COLUMNS)
    for person, code in issued:
        link = invite_link(bot_username, code) if bot_username else ""
        yield [person.external_id or "", person.name, person.role.value, code, link]


def handout_csv(issued: Iterable[IssuedCode], bot_username: str | None) -> bytes:
    """Return the codes as UTF-8 CSV with a BOM, so Excel shows names correctly."""
    out = io.StringIO()
    csv.writer(out, lineterminator="\r\n").writerows(csv_row(row) for row in handout_rows(issued, bot_username))
    return out.getvalue().encode("utf-8-sig")


def handout_xlsx(issued: Iterable[IssuedCode], bot_username: str | None) -> bytes:
    """Return the codes as an XLSX workbook with one sheet."""
    book = openpyxl.Workbook(write_only=True)
    sheet = book.create_sheet("kode")
    for row in handout_rows(issued, bot_username):
        sheet.append(xlsx_row(sheet, row))
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def parse_roster(data: bytes) -> Roster:
    """Read and validate a roster file; raise RosterError with every problem the file alone shows."""
    parsed = read_roster(data)
    if parsed.problems:
        raise RosterError(parsed.problems)
    return parsed.roster


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


@dataclass(frozen=True)
class ParsedFile:
    """A roster file read and checked on its own: the roster (None if unusable) and its problems."""

    roster: Roster | None
    problems: list[RowProblem]


def read_roster(data: bytes) -> ParsedFile:
    """Read and check a roster file without the database; CPU-bound, so the bot runs it in a worker process."""
    return ParsedFile(*_parse(data))


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


async def import_roster(session: AsyncSession, roster: Roster, clock: Clock) -> ImportResult:
    """Check the roster against the database, then upsert cohorts and people and issue codes."""
    problems = await check_roster(session, roster)
    if problems:
        raise RosterError(problems)
    return await _write(session, roster, clock)


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


# --- parsing and in-file validation ---------------------------------------------------------------

def _norm_header(text: str) -> str:
    text = re.sub(r"[\s_]+", " ", text.strip().lower())
    return re.sub(r"\s*/\s*", "/", text)


def _parse(data: bytes) -> tuple[Roster | None, list[RowProblem]]:
    try:
        sheet = read_sheet(data)
    except SheetError as exc:
        return None, [RowProblem(None, None, f"file_{exc.code}", exc.values)]

    problems: list[RowProblem] = []
    columns: dict[str, str] = {}
    positions: dict[str, int] = {}
    for index, header in enumerate(sheet.header):
        name = HEADER_ALIASES.get(_norm_header(header))
        if name is None:
            continue  # extra columns (No, Keterangan, …) are allowed
        if name in columns:
            problems.append(RowProblem(sheet.header_row, header, "duplicate_column", {"other": columns[name], "meaning": name}))
            continue
        columns[name], positions[name] = header, index
    for name in REQUIRED_COLUMNS:
        if name not in columns:
            problems.append(RowProblem(sheet.header_row, None, "missing_column", {"column": name}))
    if not sheet.rows:
        problems.append(RowProblem(None, None, "no_rows"))
    if problems:
        return None, problems

    rows: list[RosterRow] = []
    for number, cells in sheet.rows:
        values = {name: cells[i] if i < len(cells) else "" for name, i in positions.items()}
        row = _parse_row(number, values, columns, problems)
        if row is not None:
            rows.append(row)
    _check_ids(rows, columns, problems)
    _check_mentors(rows, columns, problems)
    ids = frozenset(cells[positions["id"]] for _, cells in sheet.rows if positions["id"] < len(cells))
    return Roster(rows, columns, ids), problems


def _parse_row(number: int, values: dict[str, str], columns: dict[str, str], problems: list[RowProblem]) -> RosterRow | None:
    """Validate one row's cells; add its problems and return it when usable for cross-row checks."""
    before = len(problems)

    def problem(column: str, code: str, **kw: object) -> None:
        problems.append(RowProblem(number, columns.get(column, column), code, kw))

    for column, limit in MAX_LENGTH.items():
        if len(values.get(column, "")) > limit:
            problem(column, "too_long", limit=limit)
    for column in ("id", "nama", "peran"):
        if not values[column]:
            problem(column, "required")

    role = ROLE_ALIASES.get(re.sub(r"\s+", " ", values["peran"].lower()))
    if values["peran"] and role is None:
        problem("peran", "unknown_role", value=values["peran"])

    cohort = COHORT_PREFIX.sub("", values["angkatan"]).upper() or None
    if cohort is None and values["angkatan"]:
        problem("angkatan", "bad_cohort", value=values["angkatan"])
    elif cohort is None and role not in (None, Role.koordinator):
        problem("angkatan", "required")
    elif cohort is not None and not COHORT_PATTERN.fullmatch(cohort):
        problem("angkatan", "bad_cohort", value=values["angkatan"])

    status = re.sub(r"\s+", " ", values.get("status", "").strip().lower())
    if status and status not in STATUSES:
        problem("status", "bad_status", value=values["status"])

    zone = values.get("zona waktu", "")
    timezone = TIMEZONES.get(zone.lower()) if zone else None
    if zone and timezone is None:
        problem("zona waktu", "bad_timezone", value=zone)

    mentor = values["mentor"] or None
    if role is not None and role in MENTOR_OF and mentor is None:
        problem("mentor", "mentor_required", expected=MENTOR_OF[role].value)
    if role is not None and role not in MENTOR_OF and mentor is not None:
        problem("mentor", "mentor_not_allowed", role=role.value)

    if len(problems) > before and (role is None or not values["id"]):
        return None
    return RosterRow(
        row=number, external_id=values["id"], name=values["nama"], role=role, cohort=cohort,
        school=values.get("sekolah") or None, district=values.get("kabupaten/kota") or None,
        mentor=mentor, timezone=timezone, in_program=STATUSES.get(status, True),
        province=" ".join(values.get("provinsi", "").split()) or None,
    )


def _check_ids(rows: list[RosterRow], columns: dict[str, str], problems: list[RowProblem]) -> None:
    first: dict[str, int] = {}
    for row in rows:
        if row.external_id in first:
            problems.append(RowProblem(row.row, columns["id"], "duplicate_id", {"value": row.external_id, "first_row": first[row.external_id]}))
        else:
            first[row.external_id] = row.row


def _check_mentors(rows: list[RosterRow], columns: dict[str, str], problems: list[RowProblem]) -> None:
    """Check mentors given in the same file; mentors not in the file are checked against the database."""
    roles: dict[str, Role] = {}
    for row in rows:
        roles.setdefault(row.external_id, row.role)
    for row in rows:
        expected = MENTOR_OF.get(row.role)
        if not row.mentor or expected is None or row.mentor not in roles:
            continue
        if roles[row.mentor] != expected:
            problems.append(RowProblem(row.row, columns["mentor"], "mentor_wrong_role", {
                "value": row.mentor, "mentor_role": roles[row.mentor].value, "expected": expected.value}))


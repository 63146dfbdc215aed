"""Read a roster file (CSV or XLSX) and check everything the file alone can tell, without the database.

read_roster(data) is CPU-bound: the bot runs it in a worker process (core/worker_process.py).
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from core.sheets import SheetError, read_sheet
from roster.columns import (
    COHORT_PATTERN, COHORT_PREFIX, HEADER_ALIASES, MAX_LENGTH, NPSN_PATTERN, REQUIRED_COLUMNS, ROLE_ALIASES, STATUSES,
    TIMEZONES,
)
from roster.report import RowProblem
from store.models import MENTOR_OF, Role


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
    npsn: str | None = None  # the school's NPSN, when the file has the column


@dataclass(frozen=True)
class Roster:
    rows: list[RosterRow]
    columns: dict[str, str]  # canonical column → the header as written in the file
    ids: frozenset[str]  # every id in the file, also of rows too broken to keep

    def has(self, column: str) -> bool:
        return column in self.columns


@dataclass(frozen=True)
class ParsedFile:
    """A roster file read and checked on its own: the roster (None if unusable) and its problems."""

    roster: Roster | None
    problems: list[RowProblem]


def read_roster(data: bytes) -> ParsedFile:
    """Read and check a roster file without the database; CPU-bound, so the bot runs it in a worker process."""
    return ParsedFile(*_parse(data))


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

    npsn = values.get("npsn", "").strip() or None
    if npsn and not NPSN_PATTERN.fullmatch(npsn):
        problem("npsn", "bad_npsn", value=npsn)

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
        province=" ".join(values.get("provinsi", "").split()) or None,
        mentor=mentor, timezone=timezone, in_program=STATUSES.get(status, True), npsn=npsn,
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

"""Calendar files (CSV: angkatan, lokakarya, tanggal): told apart from rosters, checked as a whole, imported all or none.

The lokakarya cell is a PGP Lokakarya number (0–7), or a Sekolah Penggerak workshop: "KB1" (Komunitas
Belajar 1) or "PMO <bulan>" / "SP <bulan>" (the month's workshop, e.g. "PMO Oktober", "SP 10"), dated
within that month.
"""
from __future__ import annotations

import csv
import io
import logging
import re
from dataclasses import dataclass, field
from datetime import date

import dateparser
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from core.content.schema import Content
from core.dates import format_date, month_name, month_names
from program.calendar import set_lokakarya_date, workshop_months
from store.models import Cohort, Event

log = logging.getLogger(__name__)

ROSTER_COLUMNS = {"nama", "peran"}
# Dates are read on the event loop (about 1 ms each): a long file would hold everyone up. A calendar has
# a row per cohort and Lokakarya, so even dozens of cohorts fit.
MAX_ROWS = 500


def decode(data: bytes) -> str | None:
    """The file as text, or None when it is not text (e.g. an XLSX roster)."""
    if data.startswith(b"PK"):
        return None
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data.decode("latin-1")


def is_calendar(text: str) -> bool:
    """Tell a calendar file from a roster by its header: it has `lokakarya` and no `nama`/`peran`."""
    first = text.lstrip().partition("\n")[0]
    delimiter = ";" if first.count(";") > first.count(",") else ","
    header = {cell.strip().lower() for cell in next(csv.reader(io.StringIO(first), delimiter=delimiter), [])}
    return "lokakarya" in header and not header & ROSTER_COLUMNS


def row_count(text: str) -> int:
    """Data rows of a calendar file (non-empty lines after the header)."""
    return sum(1 for line in text.splitlines() if line.strip()) - 1


@dataclass(frozen=True)
class CalendarProblem:
    """One bad row (numbered as in the file, header = 1); `code` is a text key under jadwal.import."""

    row: int
    code: str
    values: dict[str, object] = field(default_factory=dict)

    def message(self, texts: Content) -> str:
        return texts.text("jadwal.import.at_row", row=self.row, reason=texts.text(f"jadwal.import.{self.code}", **self.values))


class CalendarImportError(Exception):
    """The file was rejected; nothing was written. `problems` lists each bad row."""

    def __init__(self, problems: list[CalendarProblem]) -> None:
        self.problems = problems
        super().__init__(f"{len(problems)} problem(s) in calendar file")

    def report(self, texts: Content) -> str:
        """Render the rejection as an Indonesian heading and one line per problem."""
        lines = [texts.text("jadwal.import.rejected", count=len(self.problems))]
        return "\n".join(lines + [f"• {p.message(texts)}" for p in self.problems])


HEADERS = {
    "cohort": ("angkatan", "cohort", "kode_angkatan"),
    "number": ("lokakarya", "nomor", "number"),
    "date": ("tanggal", "date"),
}
MAX_LOKAKARYA = 12


KB_CELL = re.compile(r"(kb|komunitas\s*belajar)\s*1", re.IGNORECASE)
MONTH_CELL = re.compile(r"(?:pmo|sp|psp)\s+(\S+)", re.IGNORECASE)


def _parse_event(content: Content | None, value: str) -> tuple[str, int] | None:
    """The lokakarya cell as (event kind, number): a PGP Lokakarya number, or (given the content) an SP workshop's month."""
    if value.isdigit():
        return ("lokakarya", int(value)) if int(value) <= MAX_LOKAKARYA else None
    if content is None:
        return None
    if KB_CELL.fullmatch(value.strip()):
        return next((("lokakarya_psp", kb.month) for kb in content.komunitas_belajar), None)
    found = MONTH_CELL.fullmatch(value.strip())
    if found is None:
        return None
    word = found.group(1).lower()
    month = int(word) if word.isdigit() else month_names().get(word)
    return ("lokakarya_psp", month) if month in workshop_months(content) else None


def _parse_date(value: str) -> date | None:
    try:
        return date.fromisoformat(value)
    except ValueError:
        pass
    parsed = dateparser.parse(value, languages=["id", "en"], settings={"DATE_ORDER": "DMY", "PREFER_DAY_OF_MONTH": "first"})
    return parsed.date() if parsed else None


async def _out_of_order(session: AsyncSession, parsed: dict[tuple[int, str, int], tuple[Cohort, int, date]],
                        lines: dict[tuple[int, str, int], int]) -> list[CalendarProblem]:
    """Lokakarya dates of a cohort (the file's over those already set) that come before an earlier number's."""
    cohort_ids = {cohort_id for cohort_id, kind, _ in parsed if kind == "lokakarya"}
    dates: dict[int, dict[int, date]] = {c: {} for c in cohort_ids}
    if cohort_ids:
        rows = await session.execute(select(Event.cohort_id, Event.number, Event.on_date).where(
            Event.kind == "lokakarya", Event.cohort_id.in_(cohort_ids), Event.person_id.is_(None)))
        for cohort_id, number, on_date in rows:
            dates[cohort_id][number] = on_date
    for (cohort_id, kind, number), (_, _, on_date) in parsed.items():
        if kind == "lokakarya":  # SP workshops are each in their own month: no order to check
            dates[cohort_id][number] = on_date
    problems = []
    for cohort_id, by_number in dates.items():
        numbers = sorted(by_number)
        for before, after in zip(numbers, numbers[1:]):
            if by_number[after] >= by_number[before]:
                continue
            line = lines.get((cohort_id, "lokakarya", after)) or lines[(cohort_id, "lokakarya", before)]  # blame a file row
            problems.append(CalendarProblem(line, "out_of_order", {
                "nomor": after, "tanggal": format_date(by_number[after]),
                "sebelumnya": before, "tanggal_sebelumnya": format_date(by_number[before]),
            }))
    return problems


async def import_calendar_csv(session: AsyncSession, text: str, today: date, content: Content | None = None) -> int:
    """Import Lokakarya and SP workshop dates from CSV (angkatan, lokakarya, tanggal); return how many were set.

    Every row is checked first; any bad row raises CalendarImportError and nothing is written. A date
    before `today`, or before an earlier-numbered Lokakarya of the cohort (in the file or already set),
    is a bad row.
    """
    sample = text[:2048]
    delimiter = ";" if sample.count(";") > sample.count(",") else ","
    reader = csv.reader(io.StringIO(text.lstrip("\ufeff")), delimiter=delimiter)
    rows = [(n, r) for n, r in enumerate(reader, start=1) if any(c.strip() for c in r)]
    if not rows:
        raise CalendarImportError([CalendarProblem(1, "empty")])
    header = [h.strip().lower().replace(" ", "_") for h in rows[0][1]]
    columns: dict[str, int] = {}
    for name, aliases in HEADERS.items():
        found = next((header.index(a) for a in aliases if a in header), None)
        if found is None:
            raise CalendarImportError([CalendarProblem(rows[0][0], "missing_column", {"kolom": aliases[0]})])
        columns[name] = found
    width = max(columns.values()) + 1
    cells = [(line, [c.strip() for c in row] + [""] * width) for line, row in rows[1:]]
    codes = {row[columns["cohort"]] for _, row in cells}
    cohorts = {c.code: c for c in (await session.execute(select(Cohort).where(Cohort.code.in_(codes)))).scalars()}
    problems: list[CalendarProblem] = []
    parsed: dict[tuple[int, str, int], tuple[Cohort, int, date]] = {}
    lines: dict[tuple[int, str, int], int] = {}
    for line, row in cells:
        code, number_text, date_text = (row[columns[c]] for c in ("cohort", "number", "date"))
        cohort = cohorts.get(code)
        event = _parse_event(content, number_text)
        on_date = _parse_date(date_text) if date_text else None
        if cohort is None:
            problems.append(CalendarProblem(line, "unknown_cohort", {"angkatan": code}))
        elif event is None:
            problems.append(CalendarProblem(line, "bad_number", {"nomor": number_text}))
        elif on_date is None:
            problems.append(CalendarProblem(line, "bad_date", {"tanggal": date_text}))
        elif (cohort.id, *event) in parsed:
            problems.append(CalendarProblem(line, "duplicate", {"angkatan": code, "nomor": number_text}))
        elif on_date < today:
            problems.append(CalendarProblem(line, "past", {"tanggal": format_date(on_date)}))
        elif event[0] == "lokakarya_psp" and on_date.month != event[1]:
            problems.append(CalendarProblem(line, "wrong_month", {"tanggal": format_date(on_date),
                                                                  "bulan": month_name(event[1])}))
        else:
            parsed[(cohort.id, *event)] = (cohort, event[1], on_date)
            lines[(cohort.id, *event)] = line
    problems += await _out_of_order(session, parsed, lines)
    if problems:
        raise CalendarImportError(sorted(problems, key=lambda p: p.row))
    for (_, kind, _), (cohort, number, on_date) in parsed.items():
        await set_lokakarya_date(session, cohort, number, on_date, kind=kind)
    return len(parsed)

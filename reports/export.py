"""/ekspor: the answers a viewer may see as an .xlsx workbook, one sheet per flow."""
from __future__ import annotations

import io
import re
from datetime import datetime
from zoneinfo import ZoneInfo

from openpyxl import Workbook
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from core.clock import Clock, SystemClock
from core.content.schema import Content, Flow
from core.zones import zone_of
from core.answers import by_question, date_value, format_answer
from store.models import Cohort, FlowRun, Person
from store.people import visible_runs
from core.sheets import xlsx_row

SHEET_TITLE = 31
COLUMN_TITLE = 120
_BAD_SHEET_CHARS = re.compile(r"[\[\]:*?/\\]")


def _sheet_title(title: str, used: set[str]) -> str:
    base = _BAD_SHEET_CHARS.sub(" ", title).strip()[:SHEET_TITLE] or "Sheet"
    name, n = base, 2
    while name.lower() in used:
        suffix = f" ({n})"
        name, n = base[:SHEET_TITLE - len(suffix)] + suffix, n + 1
    used.add(name.lower())
    return name


def _cell(content: Content, question, value):
    if value is None:
        return None
    if question.kind == "number":
        return value
    if question.kind == "date":
        on_date, at = date_value(value)
        return datetime.combine(on_date, at) if at else on_date
    if question.kind == "text":
        return value
    return format_answer(content, question, value)


async def export_xlsx(session: AsyncSession, content: Content, viewer: Person, clock: Clock | None = None) -> tuple[str, bytes]:
    """Build the workbook of every answer visible to the viewer; returns (file name, bytes)."""
    zone = zone_of(viewer, content.default_tz)
    found = [r for r in await visible_runs(session, viewer) if r.flow_id in content.flows]
    people_ids = {r.person_id for r in found} | {r.subject_id for r in found if r.subject_id}
    people = {p.id: p for p in (await session.scalars(select(Person).where(Person.id.in_(people_ids)))).all()}
    cohorts = {c.id: c.name for c in (await session.scalars(select(Cohort))).all()}
    book = Workbook()
    book.remove(book.active)
    used: set[str] = set()
    for flow in content.flows.values():
        flow_runs = [r for r in found if r.flow_id == flow.id]
        if flow_runs:
            _add_sheet(book, content, flow, flow_runs, people, cohorts, zone, _sheet_title(flow.title, used))
    if not book.worksheets:
        book.create_sheet(content.text("export.empty_sheet")).append([content.text("export.empty")])
    buffer = io.BytesIO()
    book.save(buffer)
    today = (clock or SystemClock()).now().astimezone(zone).date()
    return content.text("export.filename", date=today.isoformat()), buffer.getvalue()


def _add_sheet(book: Workbook, content: Content, flow: Flow, flow_runs: list[FlowRun], people: dict[int, Person],
               cohorts: dict[int, str], zone: ZoneInfo, title: str) -> None:
    sheet = book.create_sheet(title)
    columns = ["name", "role", "school", "cohort"] + (["subject"] if flow.subject == "mentee" else []) + ["state", "status", "submitted"]
    questions = flow.questions()
    sheet.append(xlsx_row(sheet, [content.text(f"export.column.{c}") for c in columns] + [q.text[:COLUMN_TITLE] for q in questions]))
    for run in flow_runs:
        person = people[run.person_id]
        subject = people.get(run.subject_id) if run.subject_id else None
        about = subject or person
        fixed = {
            "name": person.name,
            "role": content.texts.get(f"role.{person.role.value}", person.role.value),
            "school": about.school,
            "cohort": cohorts.get(about.cohort_id),
            "subject": subject.name if subject else None,
            "state": content.text(f"export.state.{'left' if about.left else 'in_program'}"),
            "status": content.text(f"export.status.{run.status.value}"),
            "submitted": _local(run.submitted_at, zone),
        }
        answers = by_question(run.answers)
        sheet.append(xlsx_row(sheet, [fixed[c] for c in columns] + [_cell(content, q, answers.get(q.id)) for q in questions]))


def _local(moment: datetime | None, zone: ZoneInfo) -> datetime | None:
    """openpyxl stores naive datetimes: give the viewer's wall-clock time."""
    return moment.astimezone(zone).replace(tzinfo=None) if moment else None


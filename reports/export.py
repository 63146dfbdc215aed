"""/ekspor and `pendamping export`: the answers a viewer may see, one sheet per flow, as XLSX or CSV (a ZIP).

A sheet has one row per run and one row for each person in scope who has not started the flow (never joined
included), so a koordinator sees who is missing. One column per question of the current content, headed by
its text; an answer keeps its column however the question is worded now (a renamed question's earlier
wordings are noted on its header), and answers to questions no longer in the content get their own columns
after the current ones, headed by their last wording and labelled as no longer asked. Media answers are
listed by file name; `media_files` lists them with their Telegram file ids and `media_zips` packs the
fetched files, under those names, into ZIPs Telegram accepts. Every text goes through core.sheets (formula
injection): "=HYPERLINK(…)" stays text.
"""
from __future__ import annotations

import csv
import io
import re
import zipfile
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from openpyxl import Workbook
from openpyxl.comments import Comment
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter
from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from core.answers import by_question, date_value, format_answer, media_items
from core.clock import Clock, SystemClock
from core.content.schema import Content, Flow, Question
from core.sheets import csv_row, xlsx_row
from core.zones import zone_of
from store.models import MENTOR_ROLES, Cohort, ContentVersion, FlowRun, Person, Role
from store.people import visible_runs

SHEET_TITLE = 31
COLUMN_TITLE = 120
MIN_WIDTH, MAX_WIDTH, HEADER_WIDTH = 8, 60, 40
_BAD_SHEET_CHARS = re.compile(r"[\[\]:*?/\\]")
MEDIA_EXTENSIONS = {"photo": ".jpg", "voice": ".ogg", "video": ".mp4", "audio": ".mp3"}
ZIP_PART_BYTES = 45 * 1024 * 1024  # a bot may send documents up to 50 MB


@dataclass
class Table:
    """One flow's sheet: header, an optional note per header cell, rows of plain values."""

    title: str
    header: list[str]
    notes: dict[int, str] = field(default_factory=dict)
    rows: list[list[Any]] = field(default_factory=list)


def _sheet_title(title: str, used: set[str]) -> str:
    base = _BAD_SHEET_CHARS.sub(" ", title).strip()[:SHEET_TITLE] or "Sheet"
    name, n = base, 2
    while name.lower() in used:
        suffix = f" ({n})"
        name, n = base[:SHEET_TITLE - len(suffix)] + suffix, n + 1
    used.add(name.lower())
    return name


def _media_named(person: Person, flow: Flow, question: Question, value: Any) -> list[tuple[str, dict]]:
    """A media answer's files with the names they get ("P001-pi1-foto-1.jpg")."""
    owner = person.external_id or f"id{person.id}"
    return [(f"{owner}-{flow.id}-{question.id}-{n}{MEDIA_EXTENSIONS.get(item.get('kind'), '')}", item)
            for n, item in enumerate(media_items(value), start=1)]


def _media_names(person: Person, flow: Flow, question: Question, value: Any) -> str:
    return "\n".join(name for name, _ in _media_named(person, flow, question, value))


def _cell(content: Content, person: Person, flow: Flow, question: Question, value: Any):
    if value is None:
        return None
    if question.kind == "number":
        return value
    if question.kind == "date":
        on_date, at = date_value(value)
        return datetime.combine(on_date, at) if at else on_date
    if question.kind == "text":
        return value
    if question.kind == "media":
        return _media_names(person, flow, question, value)
    return format_answer(content, question, value)


async def _earlier_questions(session: AsyncSession, content: Content, found: list[FlowRun]) -> dict[str, dict[str, list[Question]]]:
    """Per flow and question id, the question as worded in each earlier content version answers were given under."""
    versions = {a.content_version for run in found for a in run.answers} - {content.version}
    if not versions:
        return {}
    out: dict[str, dict[str, list[Question]]] = {}
    rows = await session.execute(select(ContentVersion.snapshot).where(ContentVersion.version.in_(versions))
                                 .order_by(ContentVersion.loaded_at))
    for (snapshot,) in rows:
        for flow_id, dumped in (snapshot or {}).get("flows", {}).items():
            try:
                flow = Flow.model_validate(dumped)
            except ValidationError:
                continue  # a schema that changed since: its answers still export, under their ids
            for question in flow.questions():
                out.setdefault(flow_id, {}).setdefault(question.id, []).append(question)
    return out


async def _people_in_scope(session: AsyncSession, viewer: Person) -> list[Person]:
    """Everyone whose rows the viewer may see, joined or not, by name."""
    stmt = select(Person).order_by(Person.name, Person.id)
    if viewer.role == Role.koordinator:
        stmt = stmt.where(Person.role != Role.koordinator)
        if viewer.cohort_id is not None:
            stmt = stmt.where(Person.cohort_id == viewer.cohort_id)
    elif viewer.role in MENTOR_ROLES:
        stmt = stmt.where((Person.id == viewer.id) | (Person.mentor_id == viewer.id))
    else:
        stmt = stmt.where(Person.id == viewer.id)
    return list((await session.scalars(stmt)).all())


async def export_tables(session: AsyncSession, content: Content, viewer: Person, zone: ZoneInfo) -> list[Table]:
    """The sheets of every flow someone in the viewer's scope fills, in program order."""
    scope = await _people_in_scope(session, viewer)
    found = [r for r in await visible_runs(session, viewer) if r.flow_id in content.flows]
    people = {p.id: p for p in scope}
    missing = ({r.person_id for r in found} | {r.subject_id for r in found if r.subject_id}) - set(people)
    if missing:
        people.update({p.id: p for p in (await session.scalars(select(Person).where(Person.id.in_(missing)))).all()})
    mentor_ids = {p.mentor_id for p in people.values() if p.mentor_id} - set(people)
    mentors = {pid: name for pid, name in await session.execute(select(Person.id, Person.name).where(Person.id.in_(mentor_ids)))}
    mentors.update({p.id: p.name for p in people.values()})
    cohorts = {c.id: c.name for c in (await session.scalars(select(Cohort))).all()}
    earlier = await _earlier_questions(session, content, found)
    used: set[str] = set()
    tables = []
    for flow in sorted(content.flows.values(), key=lambda f: f.program_order):
        runs = [r for r in found if r.flow_id == flow.id]
        if flow.subject == "self":
            expected = [(p, None) for p in scope if p.role.value in flow.audience]
        else:
            expected = [(people[p.mentor_id], p) for p in scope
                        if p.mentor_id in people and people[p.mentor_id].role.value in flow.audience
                        and (viewer.role == Role.koordinator or p.mentor_id == viewer.id)]
        if not runs and not expected:
            continue
        tables.append(_table(content, flow, runs, expected, people, mentors, cohorts, earlier.get(flow.id, {}), zone,
                             _sheet_title(flow.title, used)))
    return tables


def _table(content: Content, flow: Flow, runs: list[FlowRun], expected: list[tuple[Person, Person | None]],
           people: dict[int, Person], mentors: dict[int, str], cohorts: dict[int, str],
           earlier: dict[str, list[Question]], zone: ZoneInfo, title: str) -> Table:
    text = content.text
    about_mentee = flow.subject == "mentee"
    fixed = ["name", "role", "school", "district", "cohort", "mentor"] + (["subject"] if about_mentee else []) + \
        ["joined", "state", "status", "submitted"]
    current = flow.questions()
    current_ids = {q.id for q in current}
    answered = {a.question_id for r in runs for a in r.answers}
    removed = [qs[-1] for qid, qs in earlier.items() if qid not in current_ids and qid in answered]
    removed += [Question.model_construct(id=qid, text=qid, kind="text", options=[])
                for qid in sorted(answered - current_ids - set(earlier))]  # no snapshot left: its id for a header
    columns = current + removed
    table = Table(title, [text(f"insight.export.column.{c}") for c in fixed]
                  + [q.text[:COLUMN_TITLE] for q in current]
                  + [text("insight.export.removed", pertanyaan=q.text[:COLUMN_TITLE]) for q in removed])
    for n, q in enumerate(current, start=len(fixed)):
        wordings = [w.text for w in earlier.get(q.id, []) if w.text != q.text]
        if wordings:
            table.notes[n] = text("insight.export.renamed", lama="; ".join(dict.fromkeys(wordings)))
    started = {(r.person_id, r.subject_id) for r in runs}
    entries = [(people[r.person_id], people.get(r.subject_id) if r.subject_id else None, r) for r in runs]
    entries += [(author, subject, None) for author, subject in expected
                if (author.id, subject.id if subject else None) not in started]
    entries.sort(key=lambda e: ((e[1] or e[0]).name.lower(), (e[1] or e[0]).id, e[2].id if e[2] else 0))
    for author, subject, run in entries:
        about = subject or author
        values = {
            "name": author.name,
            "role": content.texts.get(f"role.{author.role.value}", author.role.value),
            "school": about.school,
            "district": about.district,
            "cohort": cohorts.get(about.cohort_id),
            "mentor": mentors.get(about.mentor_id),
            "subject": subject.name if subject else None,
            "joined": text(f"insight.export.joined.{'yes' if author.tg_chat_id is not None else 'no'}"),
            "state": text(f"export.state.{'left' if about.left else 'in_program'}"),
            "status": text(f"export.status.{run.status.value}") if run else text("insight.export.not_started"),
            "submitted": _local(run.submitted_at, zone) if run else None,
        }
        answers = by_question(run.answers) if run else {}
        table.rows.append([values[c] for c in fixed] + [_cell(content, about, flow, q, answers.get(q.id)) for q in columns])
    return table


async def export_xlsx(session: AsyncSession, content: Content, viewer: Person, clock: Clock | None = None) -> tuple[str, bytes]:
    """The workbook of what the viewer may see; returns (file name, bytes)."""
    zone = zone_of(viewer, content.default_tz)
    tables = await export_tables(session, content, viewer, zone)
    return _file_name(content, zone, clock, "xlsx"), to_xlsx(content, tables)


async def media_files(session: AsyncSession, content: Content, viewer: Person) -> list[tuple[str, str]]:
    """(file name, Telegram file id) of every media answer the viewer may see, named as in the export's cells."""
    found = [r for r in await visible_runs(session, viewer) if r.flow_id in content.flows]
    ids = {r.subject_id or r.person_id for r in found}
    people = {p.id: p for p in (await session.scalars(select(Person).where(Person.id.in_(ids)))).all()} if ids else {}
    files = []
    for run in sorted(found, key=lambda r: (content.flows[r.flow_id].program_order, r.id)):
        flow, answers = content.flows[run.flow_id], by_question(run.answers)
        about = people[run.subject_id or run.person_id]
        for question in flow.questions():
            if question.kind == "media" and question.id in answers:
                files += [(name, item["file_id"]) for name, item in _media_named(about, flow, question, answers[question.id])
                          if item.get("file_id")]
    return files


def media_zips(fetched: list[tuple[str, bytes]], missing: list[str], missing_note: str,
               part_bytes: int = ZIP_PART_BYTES) -> list[bytes]:
    """The fetched files in ZIPs of at most part_bytes each (media is already compressed: stored as is);
    the names of files that could not be fetched go in a note in the first."""
    parts: list[list[tuple[str, bytes]]] = [[]]
    size = 0
    for name, data in fetched:
        if parts[-1] and size + len(data) > part_bytes:
            parts.append([])
            size = 0
        parts[-1].append((name, data))
        size += len(data)
    zips = []
    for n, part in enumerate(parts):
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_STORED) as archive:
            if n == 0 and missing:
                archive.writestr(missing_note, "\n".join(missing) + "\n")
            for name, data in part:
                archive.writestr(name, data)
        zips.append(buffer.getvalue())
    return zips


async def export_csv(session: AsyncSession, content: Content, viewer: Person, clock: Clock | None = None) -> tuple[str, bytes]:
    """The same sheets as CSV files (UTF-8 with BOM, for spreadsheets) in one ZIP; returns (file name, bytes)."""
    zone = zone_of(viewer, content.default_tz)
    tables = await export_tables(session, content, viewer, zone)
    return _file_name(content, zone, clock, "zip"), to_csv_zip(content, tables)


def _file_name(content: Content, zone: ZoneInfo, clock: Clock | None, extension: str) -> str:
    today = (clock or SystemClock()).now().astimezone(zone).date()
    return content.text("export.filename", date=today.isoformat()).rsplit(".", 1)[0] + f".{extension}"


def to_xlsx(content: Content, tables: list[Table]) -> bytes:
    """Frozen header and first column, filters, widths that fit, earlier wordings as header notes."""
    book = Workbook()
    book.remove(book.active)
    for table in tables:
        sheet = book.create_sheet(table.title)
        sheet.append(xlsx_row(sheet, table.header))
        for row in table.rows:
            sheet.append(xlsx_row(sheet, row))
        bold, wrap = Font(bold=True), Alignment(wrap_text=True, vertical="top")
        for n, cell in enumerate(sheet[1]):
            cell.font, cell.alignment = bold, wrap
            if n in table.notes:
                cell.comment = Comment(table.notes[n], "Pendamping")
        for n, title in enumerate(table.header, start=1):
            longest = max([len(_shown(r[n - 1])) for r in table.rows] + [min(len(title), HEADER_WIDTH)])
            sheet.column_dimensions[get_column_letter(n)].width = max(MIN_WIDTH, min(MAX_WIDTH, longest + 2))
        sheet.freeze_panes = "B2"
        sheet.auto_filter.ref = sheet.dimensions
    if not book.worksheets:
        book.create_sheet(content.text("export.empty_sheet")).append([content.text("export.empty")])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def to_csv_zip(content: Content, tables: list[Table]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for table in tables or [Table(content.text("export.empty_sheet"), [content.text("export.empty")])]:
            out = io.StringIO()
            writer = csv.writer(out)
            writer.writerow(csv_row(table.header))
            for row in table.rows:
                writer.writerow(csv_row(_shown(v) if isinstance(v, (date, datetime)) else v for v in row))
            archive.writestr(f"{table.title}.csv", "\ufeff" + out.getvalue())
    return buffer.getvalue()


def _shown(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M")
    if isinstance(value, date):
        return value.isoformat()
    return max(str(value).split("\n"), key=len)


def _local(moment: datetime | None, zone: ZoneInfo) -> datetime | None:
    """openpyxl stores naive datetimes: give the viewer's wall-clock time."""
    return moment.astimezone(zone).replace(tzinfo=None) if moment else None

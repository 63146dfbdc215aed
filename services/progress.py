"""What mentors and koordinators look at: /ringkasan at a glance, who is late, one-tap nudges, /ekspor.

/ringkasan picks the viewer's view by role in `VIEWS` (one line per role: add a role's view there). A PP sees
one line per mentee with a mark per current flow and taps a name for the answers ("r:", flows/progress.py);
a koordinator sees per PP group and per district who joined, each due flow's completion and how many are
late, with a chart, and taps ("g:" buttons) for the names of who is late or never joined and to nudge them.
Extra buttons under one mentee's answers come from `MENTEE_BUTTONS` (one function per kind of button).
"""
from __future__ import annotations

import enum
import math
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import date

from sqlalchemy import select

from core.callbacks import B36, CallbackData, Namespace
from core.consent import agreed
from core.content import Content
from core.dates import format_date
from core.ui import Button, Reply
from core.zones import local_today, zone_of
from flows import progress
from flows.callbacks import ANSWERS  # re-exported: the presses bot/app.py sends to mentee_answers()
from flows.callbacks import MenteeAnswers
from reports.export import export_csv, export_xlsx, media_files
from reports.standing import (CHART_NAME, Group, Standing, chart, columns_of, group, groups_of, label, mentor_names, participants, pct,
                              standings)
from scheduler.callbacks import OpenFlow
from services.commands import ROLE_COMMANDS
from services import audit, companion, media_export, ringkasan_sekolah, weekly
from services.context import Deps
from services.turn import Acting, Outcome, Turn, act
from store.models import Cohort, OutboxStatus, Person, Role
from store.outbox import insert_rows
from store.people import mentees_of

ROWS_PER_PAGE = 10  # groups per page of a koordinator's overview
MENTEES_PER_PAGE = 15
NAMES_SHOWN = 30  # names in one late / never-joined list
NUDGE_KEY = "pengingat:{person}:{flow}:{day}"  # at most one nudge a day per person and flow

class Scope(enum.StrEnum):
    pp = "p"  # one PP's mentees (key: the PP's id)
    district = "d"  # one district (key: the id of someone in it)
    all = "a"  # everyone the koordinator sees (key 0)


@dataclass(frozen=True)
class LateList(CallbackData, prefix="g:l"):
    scope: Scope
    key: B36


@dataclass(frozen=True)
class NeverJoined(CallbackData, prefix="g:n"):
    scope: Scope
    key: B36


@dataclass(frozen=True)
class Nudge(CallbackData, prefix="g:k"):
    scope: Scope
    key: B36


@dataclass(frozen=True)
class Page(CallbackData, prefix="g:p"):
    page: int


@dataclass(frozen=True)
class ExportCsv(CallbackData, prefix="g:csv"):
    pass


@dataclass(frozen=True)
class ExportMedia(CallbackData, prefix="g:zip"):
    pass


GLANCE = Namespace("g", LateList, NeverJoined, Nudge, Page, ExportCsv, ExportMedia, weekly.WeeklyFiles)

View = Callable[[Acting, int], Awaitable[list[Reply]]]
MenteeButtons = Callable[[Acting, Person], Awaitable[list[list[Button]]]]


async def overview(deps: Deps, turn: Turn) -> Outcome:
    """/ringkasan: the viewer's view, first page."""
    return await act(deps, turn, lambda acting: _view(acting, 0), command="ringkasan")


async def press(deps: Deps, turn: Turn, value: CallbackData | None) -> Outcome:
    """A "g:" button: a page, the late or never-joined names of a group, a nudge to the late, the CSV export,
    the export's media files as ZIPs, the weekly report's files."""
    return await act(deps, turn, lambda acting: _press(acting, value))


async def mentee_answers(deps: Deps, turn: Turn, value: MenteeAnswers | None) -> Outcome:
    """One person's answers, if the viewer may see them; stale or forged data is refused like someone else's."""
    return await act(deps, turn, lambda acting: _mentee_answers(acting, value))


async def ekspor(deps: Deps, turn: Turn) -> Outcome:
    """/ekspor: the answers the person may see, as a workbook."""
    return await act(deps, turn, _ekspor, command="ekspor")


async def from_command_line(deps: Deps, cohort_code: str | None, fmt: str) -> tuple[str, bytes]:
    """`pendamping export`: what a koordinator of the cohort (or of all) would get; ValueError for an unknown cohort."""
    async with deps.db.session() as session:
        cohort_id = None
        if cohort_code is not None:
            cohort_id = await session.scalar(select(Cohort.id).where(Cohort.code == cohort_code))
            if cohort_id is None:
                raise ValueError(deps.content.text("insight.cli.unknown_cohort", kode=cohort_code))
        viewer = Person(id=0, name="", role=Role.koordinator, cohort_id=cohort_id)
        build = export_csv if fmt == "csv" else export_xlsx
        return await build(session, deps.content, viewer, deps.clock)


async def _view(acting: Acting, page: int) -> list[Reply]:
    if acting.person.role in ringkasan_sekolah.ROLES:  # FSP, pengawas: their schools
        return await ringkasan_sekolah.overview(acting)
    view = VIEWS.get(acting.person.role)
    if view is None:  # /ringkasan is not among the role's commands
        return acting.reply("progress.not_allowed")
    return await view(acting, page)


async def _press(acting: Acting, value: CallbackData | None) -> list[Reply]:
    if isinstance(value, (ExportCsv, ExportMedia)) and "ekspor" in ROLE_COMMANDS.get(acting.person.role, ()):
        if isinstance(value, ExportMedia):
            return await media_export.request(acting)
        name, data = await export_csv(acting.session, acting.content, acting.person, acting.clock)
        await audit.record(acting.session, acting.person, "export", format="csv")
        return [Reply(acting.content.text("insight.export.csv_ready"), file=(name, data))]
    if value is None or acting.person.role not in VIEWS:
        return acting.reply("insight.stale")
    if isinstance(value, Page):
        replies = await _view(acting, value.page)
        replies[0].edit = replies[0].photo is None and len(replies) == 1
        return replies
    if acting.person.role != Role.koordinator:
        return acting.reply("insight.stale")
    if isinstance(value, weekly.WeeklyFiles):
        return await weekly.files(acting)
    found = await _in_scope(acting, value.scope, value.key)
    if found is None:
        return acting.reply("insight.stale")
    name, members = found
    if isinstance(value, LateList):
        return _late_list(acting, value, name, members)
    if isinstance(value, NeverJoined):
        return _never_joined(acting, members)
    return await _nudge(acting, members)


async def _mentee_answers(acting: Acting, value: MenteeAnswers | None) -> list[Reply]:
    target = value.person_id if value is not None else None
    replies = await progress.mentee_answers(acting.session, acting.content, acting.person, target)
    person = await acting.session.get(Person, target) if target is not None else None
    if person is not None and person.mentor_id == acting.person.id:
        for extra in MENTEE_BUTTONS:
            replies[-1].buttons += await extra(acting, person)
    return replies


async def _ekspor(acting: Acting) -> list[Reply]:
    name, data = await export_xlsx(acting.session, acting.content, acting.person, acting.clock)
    await audit.record(acting.session, acting.person, "export")
    buttons = [Button(acting.content.text("insight.export.csv_button"), ExportCsv().pack())]
    if await media_files(acting.session, acting.content, acting.person):
        buttons.append(Button(acting.content.text("insight.export.media_button"), ExportMedia().pack()))
    return [Reply(acting.content.text("export.ready"), buttons=[buttons], file=(name, data))]


def _today(acting: Acting) -> date:
    return local_today(acting.person, acting.content.default_tz, acting.clock)


def _pages(acting: Acting, page: int, pages: int) -> list[list[Button]]:
    row = []
    if page > 0:
        row.append(Button(acting.content.text("insight.button.previous"), Page(page - 1).pack()))
    if page + 1 < pages:
        row.append(Button(acting.content.text("insight.button.next"), Page(page + 1).pack()))
    return [row] if row else []


def _pairs(buttons: Sequence[Button]) -> list[list[Button]]:
    return [list(buttons[i:i + 2]) for i in range(0, len(buttons), 2)]


# -- the PP's view ----------------------------------------------------------------------------------

async def _mentor_view(acting: Acting, page: int) -> list[Reply]:
    content, viewer = acting.content, acting.person
    mentees = await mentees_of(acting.session, viewer)
    if not mentees:
        return acting.reply("progress.no_mentees")
    today = _today(acting)
    pages = math.ceil(len(mentees) / MENTEES_PER_PAGE)
    page = min(max(page, 0), pages - 1)
    shown = mentees[page * MENTEES_PER_PAGE:(page + 1) * MENTEES_PER_PAGE]
    lines = [content.text("insight.pp.title", tanggal=format_date(today)), content.text("insight.pp.legend"), ""]
    for number, standing in enumerate(await standings(acting.session, content, shown, today, mentor=viewer),
                                      start=page * MENTEES_PER_PAGE + 1):
        lines.append(_mentee_line(acting, number, standing, today))
    if pages > 1:
        lines.append(content.text("insight.pp.page", page=page + 1, pages=pages))
    lines.append(content.text("insight.pp.tap"))
    buttons = _pairs([Button(m.name, MenteeAnswers(m.id).pack()) for m in shown]) + _pages(acting, page, pages)
    return [Reply("\n".join(lines), buttons=buttons)]


def _mentee_line(acting: Acting, number: int, standing: Standing, today: date) -> str:
    content, person = acting.content, standing.person
    waiting = _awaiting_consent(content, person)
    name = person.name + (content.text("insight.pp.left") if person.left else "")
    name += content.text("privacy.not_consented_mark") if waiting else ""
    current = standing.current(today)
    if current:
        marks = " ".join(content.text(f"insight.mark.{standing.marks[f].value}") for f in current)
        line = content.text("insight.pp.line", nomor=number, nama=name, kegiatan=label(acting.content, current[0]), tanda=marks)
    else:
        line = content.text("insight.pp.line_none", nomor=number, nama=name)
    earlier = [f for f in standing.late() if f not in current]
    if earlier:
        line += content.text("insight.pp.earlier_late", n=len(earlier))
    if not standing.joined and not waiting:
        line += content.text("insight.pp.not_joined")
    return line


def _awaiting_consent(content: Content, person: Person) -> bool:
    """Joined with a code but not yet agreed to the privacy notice (their chat is not bound until then)."""
    return person.joined and not agreed(content, person.consent_version, person.role.value)


# -- the koordinator's view -------------------------------------------------------------------------

async def _koordinator_view(acting: Acting, page: int) -> list[Reply]:
    content = acting.content
    people = await participants(acting.session, acting.person)
    if not people:
        return acting.reply("insight.koordinator.nobody")
    today = _today(acting)
    found = await standings(acting.session, content, people, today)
    columns = columns_of(content, found, today)
    by_pp, by_district = groups_of(content, found, columns, await mentor_names(acting.session, people))
    [everyone] = group(found, columns, lambda p: 0, lambda k: "")
    cohort = acting.person.cohort
    scope = content.text("insight.koordinator.cohort", nama=cohort.name) if cohort else content.text("insight.koordinator.everyone")
    pages = math.ceil(max(len(by_pp), len(by_district)) / ROWS_PER_PAGE)
    page = min(max(page, 0), pages - 1)
    cut = slice(page * ROWS_PER_PAGE, (page + 1) * ROWS_PER_PAGE)
    lines = [
        content.text("insight.koordinator.title", cakupan=scope, tanggal=format_date(today)),
        content.text("insight.koordinator.total", joined=everyone.joined, people=len(found),
                     joined_pct=pct(everyone.joined, len(found)), late=len(everyone.late)),
        content.text("insight.koordinator.columns" if columns else "insight.koordinator.no_columns"),
    ]
    if waiting := sum(_awaiting_consent(content, s.person) for s in found):
        lines.insert(2, content.text("privacy.cohort_not_consented", jumlah=waiting))
    buttons: list[Button] = []
    for heading, groups, scope_kind in (("by_pp", by_pp, Scope.pp), ("by_district", by_district, Scope.district)):
        if groups[cut]:
            lines += ["", content.text(f"insight.koordinator.{heading}")]
        for g in groups[cut]:
            lines.append(_group_line(acting, g, columns))
            if g.late:
                buttons.append(Button(content.text("insight.button.late", nama=g.name, n=len(g.late)), LateList(scope_kind, g.key).pack()))
    if pages > 1:
        lines.append(content.text("insight.koordinator.page", page=page + 1, pages=pages))
    lines += ["", content.text("insight.koordinator.tap")]
    rows = _pairs(buttons)
    if everyone.never_joined:
        rows.append([Button(content.text("insight.button.never_joined", n=len(everyone.never_joined)), NeverJoined(Scope.all, 0).pack())])
    reply = Reply("\n".join(lines), buttons=rows + _pages(acting, page, pages))
    if columns and page == 0:
        reply.photo = (CHART_NAME, (await chart(content, columns, by_pp, by_district, today)).png)
    return [reply]


def _group_line(acting: Acting, g: Group, columns) -> str:
    content = acting.content
    cells = "".join(content.text("insight.koordinator.cell", judul=label(acting.content, f.id), pct=pct(c.done, c.total))
                    for f, c in zip(columns, g.cells))
    return content.text("insight.koordinator.row", nama=g.name, joined_pct=pct(g.joined, len(g.members)),
                        kolom=cells, late=len(g.late))


# -- who is late, who never joined, and the nudge ---------------------------------------------------

async def _in_scope(acting: Acting, scope: Scope, key: int) -> tuple[str, list[Standing]] | None:
    """The named group a button stands for, among the people the koordinator sees; None when it is gone."""
    people = await participants(acting.session, acting.person)
    if scope == Scope.pp:
        people = [p for p in people if (p.mentor_id or 0) == key]
        name = (await mentor_names(acting.session, people)).get(key) or acting.content.text("insight.koordinator.no_mentor")
    elif scope == Scope.district:
        anchor = next((p for p in people if p.id == key), None)
        if anchor is None:
            return None
        district = (anchor.district or "").strip()
        people = [p for p in people if (p.district or "").strip() == district]
        name = district or acting.content.text("insight.koordinator.no_district")
    else:
        name = acting.content.text("insight.koordinator.everyone")
    if not people:
        return None
    return name, await standings(acting.session, acting.content, people, _today(acting))


def _late_list(acting: Acting, value: LateList, name: str, members: list[Standing]) -> list[Reply]:
    content = acting.content
    late = [s for s in members if s.late()]
    if not late:
        return acting.reply("insight.late.none", nama=name)
    lines = [content.text("insight.late.title", nama=name)]
    for number, s in enumerate(late[:NAMES_SHOWN], start=1):
        flow_id = s.late()[-1]
        lines.append(content.text("insight.late.line", nomor=number, nama=s.person.name, kegiatan=label(acting.content, flow_id),
                                  tanggal=format_date(s.due[flow_id])))
    if len(late) > NAMES_SHOWN:
        lines.append(content.text("insight.late.more", n=len(late) - NAMES_SHOWN))
    button = Button(content.text("insight.button.nudge", n=len(late)), Nudge(value.scope, value.key).pack())
    return [Reply("\n".join(lines), buttons=[[button]])]


def _never_joined(acting: Acting, members: list[Standing]) -> list[Reply]:
    content = acting.content
    absent = [s.person for s in members if not s.joined]
    if not absent:
        return acting.reply("insight.never_joined.none")
    lines = [content.text("insight.never_joined.title", n=len(absent))]
    for number, p in enumerate(absent[:NAMES_SHOWN], start=1):
        lines.append(content.text("insight.never_joined.line", nomor=number, nama=p.name,
                                  peran=content.texts.get(f"role.{p.role.value}", p.role.value), sekolah=p.school or "–"))
    if len(absent) > NAMES_SHOWN:
        lines.append(content.text("insight.late.more", n=len(absent) - NAMES_SHOWN))
    return [Reply("\n".join(lines))]


async def _nudge(acting: Acting, members: list[Standing]) -> list[Reply]:
    """Queue one polite reminder per late person about their latest late flow, at most once a day per flow."""
    content, now = acting.content, acting.clock.now()
    late = [s for s in members if s.late()]
    if not late:
        return acting.reply("insight.nudge.nobody")
    reachable = [s for s in late if s.person.reachable]
    rows = []
    for s in reachable:
        flow_id = s.late()[-1]
        day = now.astimezone(zone_of(s.person, content.default_tz)).date()
        title = label(content, flow_id)
        rows.append({
            "dedupe_key": NUDGE_KEY.format(person=s.person.id, flow=flow_id, day=day.isoformat()),
            "person_id": s.person.id, "kind": "nudge", "rule_id": None,
            "text": content.text("insight.nudge.text", nama=s.person.name, kegiatan=title),
            "buttons": [[{"text": content.text("insight.nudge.open", kegiatan=title), "data": OpenFlow(flow_id).pack()}]],
            "attachments": None, "silent": False, "respect_quiet_hours": True,
            "status": OutboxStatus.pending.value, "due_at": now, "attempts": 0, "created_at": now,
        })
    sent = await insert_rows(acting.session, rows) if rows else 0
    lines = [content.text("insight.nudge.sent", n=sent)]
    if len(rows) > sent:
        lines.append(content.text("insight.nudge.already", n=len(rows) - sent))
    if len(late) > len(reachable):
        lines.append(content.text("insight.nudge.unreachable", n=len(late) - len(reachable)))
    return [Reply("\n".join(lines))]


# Each role's /ringkasan (a view takes the page to show); FSP and pengawas get services/ringkasan_sekolah.py's.
VIEWS: dict[Role, View] = {
    Role.pp: _mentor_view,
    Role.koordinator: _koordinator_view,
}

# Buttons added under one mentee's answers, for the mentor (each returns rows of buttons).
MENTEE_BUTTONS: list[MenteeButtons] = [companion.guide_buttons]

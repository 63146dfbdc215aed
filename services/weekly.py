"""The escalation ladder's last step: every Monday morning each koordinator gets a short report.

Late CGPs per PP, the PPs whose mentees are most behind, who never joined, and the last week's broadcasts'
outcomes, queued through the outbox by the planning job (`services.background.plan`) between 07:00 and
12:00 the koordinator's time, once a week. The outbox sends text, so the report carries a button ("g:w")
that brings its chart and its XLSX workbook, drawn as of that moment.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, time, timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from core.callbacks import CallbackData
from core.content.schema import Content
from core.dates import format_date
from core.ui import Reply
from core.zones import local_today, zone_of
from reports.export import Table, to_xlsx
from reports.charts import DeliveryCounts
from reports.standing import (CHART_NAME, Standing, chart, columns_of, delivery, group, groups_of, label, mentor_names,
                              participants, pct, progress_over_time, standings)
from scheduler.broadcasts import broadcast_report
from services.context import Deps
from services.turn import Acting
from store.models import Broadcast, OutboxStatus, Person, Role
from store.outbox import OUTBOX, insert_rows

REPORT_AT, REPORT_UNTIL = time(7, 0), time(12, 0)  # Monday, the koordinator's local time
REPORT_WEEKDAY = 0
KEY = "laporan-mingguan:{person}:{week}"
MOST_BEHIND = 5  # PPs listed as most behind
NAMES = 8  # late names shown per PP in the text (all are in the workbook)
NAMES_SHOWN = 30  # never-joined names in the text
BROADCAST_DAYS = 7
EXCERPT = 40


@dataclass(frozen=True)
class WeeklyFiles(CallbackData, prefix="g:w"):
    pass


@dataclass
class Weekly:
    """What the report says, as data: the text is made from it, and so are the chart and the workbook."""

    today: date
    found: list[Standing]
    everyone: list[Person]  # every role in scope, for who never joined
    mentors: dict[int, str]
    broadcasts: list[tuple[Broadcast, object]]


async def _gather(session: AsyncSession, content: Content, koordinator: Person, today: date, now) -> Weekly:
    cgps = await participants(session, koordinator)
    everyone = await participants(session, koordinator, [r for r in Role if r != Role.koordinator])
    found = await standings(session, content, cgps, today)
    stmt = select(Broadcast).where(Broadcast.send_at >= now - timedelta(days=BROADCAST_DAYS), Broadcast.send_at <= now,
                                   Broadcast.status != "cancelled").order_by(Broadcast.send_at)
    if koordinator.cohort_id is not None:
        stmt = stmt.where(Broadcast.created_by == koordinator.id)
    sent = [(b, await broadcast_report(session, b.id, now, content.default_tz)) for b in (await session.scalars(stmt)).all()]
    return Weekly(today, found, everyone, await mentor_names(session, everyone), sent)


def _behind(weekly: Weekly, content: Content):
    """PP groups with late mentees, the most behind (share of mentees late) first."""
    groups = group(weekly.found, [], lambda p: p.mentor_id or 0,
                   lambda k: weekly.mentors.get(k) or content.text("insight.koordinator.no_mentor"))
    late = [g for g in groups if g.late]
    return sorted(late, key=lambda g: (-len(g.late) / len(g.members), -len(g.late), g.name.lower()))


def report_text(content: Content, koordinator: Person, weekly: Weekly) -> str:
    text = content.text
    cohort = koordinator.cohort
    scope = text("insight.koordinator.cohort", nama=cohort.name) if cohort else text("insight.koordinator.everyone")
    joined = sum(1 for s in weekly.found if s.joined)
    late_people = [s for s in weekly.found if s.late()]
    lines = [text("insight.weekly.title", cakupan=scope, tanggal=format_date(weekly.today)),
             text("insight.koordinator.total", joined=joined, people=len(weekly.found),
                  joined_pct=pct(joined, len(weekly.found)), late=len(late_people)), ""]
    behind = _behind(weekly, content)
    if behind:
        lines.append(text("insight.weekly.late_heading"))
        for g in sorted(behind, key=lambda g: g.name.lower()):
            names = ", ".join(s.person.name for s in g.late[:NAMES]) + (text("insight.weekly.and_more", n=len(g.late) - NAMES)
                                                                        if len(g.late) > NAMES else "")
            lines.append(text("insight.weekly.late_line", nama=g.name, n=len(g.late), nama_nama=names))
        lines += ["", text("insight.weekly.behind_heading")]
        for n, g in enumerate(behind[:MOST_BEHIND], start=1):
            lines.append(text("insight.weekly.behind_line", nomor=n, nama=g.name, late=len(g.late), total=len(g.members),
                              pct=pct(len(g.late), len(g.members))))
    else:
        lines.append(text("insight.weekly.nobody_late"))
    absent = [p for p in weekly.everyone if p.tg_chat_id is None]
    lines.append("")
    if absent:
        shown = ", ".join(p.name for p in absent[:NAMES_SHOWN])
        more = text("insight.weekly.and_more", n=len(absent) - NAMES_SHOWN) if len(absent) > NAMES_SHOWN else ""
        lines.append(text("insight.weekly.never_joined", n=len(absent), nama_nama=shown + more))
    else:
        lines.append(text("insight.never_joined.none"))
    lines += ["", text("insight.weekly.broadcasts_heading", hari=BROADCAST_DAYS)]
    for broadcast, report in weekly.broadcasts:
        lines.append(text("insight.weekly.broadcast_line", nomor=broadcast.id, kutipan=_excerpt(broadcast.text),
                          sent=report.sent, waiting=report.undelivered, failed=report.failed, blocked=report.blocked,
                          not_joined=len(report.never_joined_names)))
    if not weekly.broadcasts:
        lines.append(text("insight.weekly.no_broadcasts"))
    lines += ["", text("insight.weekly.tap")]
    return "\n".join(lines)


def _excerpt(value: str) -> str:
    flat = " ".join(value.split())
    return flat if len(flat) <= EXCERPT else flat[:EXCERPT - 1].rstrip() + "…"


def workbook(content: Content, weekly: Weekly) -> bytes:
    """The report's tables: per PP, who is late (every one), who never joined, the broadcasts."""
    text = content.text
    columns = columns_of(content, weekly.found, weekly.today)
    by_pp, _ = groups_of(content, weekly.found, columns, weekly.mentors)
    per_pp = Table(text("insight.weekly.sheet.per_pp"), [text(f"insight.weekly.column.{c}") for c in ("pp", "mentees", "joined", "late")]
                   + [label(content, f.id) for f in columns])
    for g in by_pp:
        per_pp.rows.append([g.name, len(g.members), g.joined, len(g.late)] + [c.share if c.total else None for c in g.cells])
    late = Table(text("insight.weekly.sheet.late"), [text(f"insight.weekly.column.{c}") for c in ("name", "pp", "district", "school", "flow", "since")])
    for s in weekly.found:
        for flow_id in s.late():
            late.rows.append([s.person.name, weekly.mentors.get(s.person.mentor_id), s.person.district, s.person.school,
                              label(content, flow_id), s.due[flow_id]])
    absent = Table(text("insight.weekly.sheet.never_joined"), [text(f"insight.weekly.column.{c}") for c in ("name", "role", "pp", "district", "school")])
    for p in weekly.everyone:
        if p.tg_chat_id is None:
            absent.rows.append([p.name, content.texts.get(f"role.{p.role.value}", p.role.value), weekly.mentors.get(p.mentor_id),
                                p.district, p.school])
    sent = Table(text("insight.weekly.sheet.broadcasts"), [text(f"insight.weekly.column.{c}") for c in
                 ("number", "text", "sent", "waiting", "failed", "blocked", "not_joined")])
    for broadcast, report in weekly.broadcasts:
        sent.rows.append([broadcast.id, broadcast.text, report.sent, report.undelivered, report.failed, report.blocked,
                          len(report.never_joined_names)])
    return to_xlsx(content, [per_pp, late, absent, sent])


async def plan_reports(deps: Deps) -> int:
    """Queue this week's report for each koordinator whose Monday morning it is (once a week each)."""
    content, now = deps.content, deps.clock.now()
    queued = 0
    async with deps.db.session() as session:
        koordinators = (await session.scalars(select(Person).where(Person.role == Role.koordinator, Person.reachable))).all()
        for koordinator in koordinators:
            local = now.astimezone(zone_of(koordinator, content.default_tz))
            if local.weekday() != REPORT_WEEKDAY or not REPORT_AT <= local.time() < REPORT_UNTIL:
                continue
            year, week, _ = local.date().isocalendar()
            key = KEY.format(person=koordinator.id, week=f"{year}-W{week:02d}")
            if await session.scalar(select(OUTBOX.c.id).where(OUTBOX.c.dedupe_key == key)):
                continue
            weekly = await _gather(session, content, koordinator, local.date(), now)
            queued += await insert_rows(session, [{
                "dedupe_key": key, "person_id": koordinator.id, "kind": "digest", "rule_id": None,
                "text": report_text(content, koordinator, weekly),
                "buttons": [[{"text": content.text("insight.weekly.files_button"), "data": WeeklyFiles().pack()}]],
                "attachments": None, "silent": False, "respect_quiet_hours": True,
                "status": OutboxStatus.pending.value, "due_at": now, "attempts": 0, "created_at": now,
            }])
    return queued


async def files(acting: Acting) -> list[Reply]:
    """The "g:w" button: the report's chart and workbook as of now."""
    content, koordinator = acting.content, acting.person
    today = local_today(koordinator, content.default_tz, acting.clock)
    weekly = await _gather(acting.session, content, koordinator, today, acting.clock.now())
    if not weekly.found:
        return acting.reply("insight.koordinator.nobody")
    reply = Reply(content.text("insight.weekly.files_ready"),
                  file=(content.text("insight.weekly.filename", date=today.isoformat()), workbook(content, weekly)))
    replies = [reply]
    columns = columns_of(content, weekly.found, today)
    if columns:
        by_pp, by_district = groups_of(content, weekly.found, columns, weekly.mentors)
        reply.photo = (CHART_NAME, (await chart(content, columns, by_pp, by_district, today)).png)
        over_time = await progress_over_time(acting.session, content, [s.person for s in weekly.found], columns, today)
        if over_time is not None:
            replies.append(Reply(content.text("insight.weekly.over_time"), photo=(CHART_NAME, over_time.png)))
    if weekly.broadcasts:
        broadcast, report = weekly.broadcasts[-1]
        counts = DeliveryCounts(report.sent, report.undelivered, report.failed, report.blocked, len(report.never_joined_names))
        drawn = await delivery(content, broadcast.id, counts, today)
        replies.append(Reply(content.text("insight.weekly.delivery", nomor=broadcast.id), photo=(CHART_NAME, drawn.png)))
    return replies

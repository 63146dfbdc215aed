"""The PP's documents: the jurnal pendampingan per mentee and per group, and the guide before a PI.

Pure functions from the plain dataclasses below to a Word document (docxtpl, with the templates of
content/templates a koordinator edits in Word), to plain text ready to paste into the LMS, and, for the
guide, to a short chat message (the complete guide is the document). Dates in Indonesian (core/dates.py).
The values each template gets are listed, with examples, in core/content/templates.py (SAMPLES).
"""
from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, time
from typing import Any, Literal

from core.content.schema import Content, Flow, Section
from core.content.templates import JURNAL, KELOMPOK, PANDUAN, TemplateError, render
from core.dates import format_date, format_time
from core.textlen import LIMIT, shorten, tg_len

CHAT_ITEM = 200  # UTF-16 units of one listed item in the chat guide
CHAT_ITEMS = 4  # items listed per group in the chat guide; the rest are counted


@dataclass(frozen=True)
class Entry:
    """A question and its answer as they appear in a document."""

    question: str
    answer: str
    provisional: bool = False  # the question is not from the program documents


@dataclass(frozen=True)
class AnswerSection:
    title: str
    entries: list[Entry]


@dataclass(frozen=True)
class Dated:
    """A follow-up or agreement with its date: an RTL item, an RPP deadline, the observation."""

    text: str
    on: date | None = None
    at: time | None = None


@dataclass(frozen=True)
class JurnalDoc:
    """One mentee's jurnal pendampingan after PI n. `sections` hold the answers; the RTL is in `rtl`."""

    pp: str
    mentee: str
    pi: int
    sections: list[AnswerSection]
    rtl: list[Dated] = field(default_factory=list)
    school: str | None = None
    cohort: str | None = None
    theme: str | None = None
    on: date | None = None  # the day of the PI
    provisional: bool = False  # the jurnal's flow awaits the official format


@dataclass(frozen=True)
class GroupJurnalDoc:
    """The jurnals of a PP's whole group for PI n, with the mentees who have none yet."""

    pp: str
    pi: int
    as_of: date
    jurnals: list[JurnalDoc]
    missing: list[str] = field(default_factory=list)
    cohort: str | None = None
    theme: str | None = None
    provisional: bool = False


@dataclass(frozen=True)
class MenteeContext:
    """What the PP should know about this mentee before the session."""

    name: str
    school: str | None = None
    reflection: list[AnswerSection] = field(default_factory=list)  # their answers to this PI's reflection, once sent
    reflection_sent: date | None = None
    last_rtl: list[Dated] = field(default_factory=list)  # the RTL of the previous jurnal
    aksi_nyata: list[Entry] = field(default_factory=list)  # their own plans from the previous PI
    feedback_360: Literal["done", "pending"] | None = None  # None: not due before this PI
    agreed_dates: list[Dated] = field(default_factory=list)  # RPP and observation dates (PI 3 agreement)


@dataclass(frozen=True)
class GuidePart:
    """A part or sub-topic of the session: what the PP does and makes sure of, what to ask."""

    number: str  # "2.1"
    title: str
    minutes: int | None
    description: str | None
    checklist: list[str]
    questions: list[str]


@dataclass(frozen=True)
class SessionGuide:
    pi: int
    title: str
    theme: str | None
    timing: str | None
    assessment: str | None
    focus: list[str]
    prepare: list[str]
    parts: list[GuidePart]
    provisional: bool = False
    on: date | None = None
    mentee: MenteeContext | None = None


def session_guide(content: Content, flow: Flow, mentee: MenteeContext | None = None, on: date | None = None) -> SessionGuide:
    """The guide to a PI from its flow: theme, focus, the parts with minutes, checklists and questions."""
    if flow.event is None or flow.event.kind != "pi" or flow.event.number is None:
        raise ValueError(f"flow {flow.id!r} is not a PI")
    return SessionGuide(
        pi=flow.event.number, title=flow.title, theme=flow.theme, timing=flow.timing, assessment=flow.assessment,
        focus=list(flow.focus), prepare=list(flow.prepare), parts=_parts(content, flow.sections),
        provisional=flow.awaiting_official, on=on, mentee=mentee,
    )


def _parts(content: Content, sections: list[Section], prefix: str = "") -> list[GuidePart]:
    parts = []
    for n, section in enumerate(sections, 1):
        number = f"{prefix}{n}"
        questions = [q.text + (content.text("reports.mark_provisional") if q.awaiting_official else "") for q in section.questions]
        parts.append(GuidePart(number, section.title, section.minutes, section.description, list(section.checklist), questions))
        parts += _parts(content, section.sections, f"{number}.")
    return parts


# Word documents


def jurnal_docx(content: Content, doc: JurnalDoc) -> bytes:
    """The jurnal of one mentee as a Word document."""
    return _docx(content, JURNAL, jurnal_context(content, doc))


def group_jurnal_docx(content: Content, doc: GroupJurnalDoc) -> bytes:
    """The jurnals of a PP's group as one Word document: an overview table, then each mentee's."""
    return _docx(content, KELOMPOK, group_jurnal_context(content, doc))


def guide_docx(content: Content, guide: SessionGuide) -> bytes:
    """The complete session guide as a Word document."""
    return _docx(content, PANDUAN, guide_context(content, guide))


def _docx(content: Content, name: str, context: dict[str, Any]) -> bytes:
    template = content.templates.get(name)
    if template is None:
        raise TemplateError(f"content/templates/{name} is missing")
    return render(template, context)


def jurnal_context(content: Content, doc: JurnalDoc) -> dict[str, Any]:
    """The values the jurnal template gets (see SAMPLES in core/content/templates.py)."""
    return {
        "pp": doc.pp, "mentee": doc.mentee, "school": _or_dash(content, doc.school), "cohort": _or_dash(content, doc.cohort),
        "pi": doc.pi, "theme": _or_dash(content, doc.theme), "date": _date_or_dash(content, doc.on),
        "provisional_note": _note(content, doc.provisional), "sections": _sections(content, doc.sections),
        "rtl": _dated(content, doc.rtl),
    }


def group_jurnal_context(content: Content, doc: GroupJurnalDoc) -> dict[str, Any]:
    """The values the group jurnal template gets."""
    jurnals = [
        {
            "number": n, "mentee": j.mentee, "school": _or_dash(content, j.school), "date": _date_or_dash(content, j.on),
            "next_rtl": _next_rtl(content, j.rtl, doc.as_of), "sections": _sections(content, j.sections),
            "rtl": _dated(content, j.rtl),
        }
        for n, j in enumerate(doc.jurnals, 1)
    ]
    return {
        "pp": doc.pp, "cohort": _or_dash(content, doc.cohort), "pi": doc.pi, "theme": _or_dash(content, doc.theme),
        "date": format_date(doc.as_of), "provisional_note": _note(content, doc.provisional),
        "done": len(doc.jurnals), "total": len(doc.jurnals) + len(doc.missing), "missing": ", ".join(doc.missing),
        "jurnals": jurnals,
    }


def guide_context(content: Content, guide: SessionGuide) -> dict[str, Any]:
    """The values the session guide template gets."""
    mentee = guide.mentee
    return {
        "pi": guide.pi, "title": guide.title, "theme": _or_dash(content, guide.theme),
        "timing": _or_dash(content, guide.timing), "assessment": _or_dash(content, guide.assessment),
        "date": _date_or_dash(content, guide.on), "provisional_note": _note(content, guide.provisional),
        "focus": guide.focus, "prepare": guide.prepare,
        "parts": [
            {"heading": _heading(content, p), "description": p.description or "", "checklist": p.checklist, "questions": p.questions}
            for p in guide.parts
        ],
        "mentee": None if mentee is None else {
            "name": mentee.name, "school": _or_dash(content, mentee.school),
            "reflection_status": _reflection_status(content, mentee), "reflection": _sections(content, mentee.reflection),
            "last_rtl": _dated(content, mentee.last_rtl), "aksi_nyata": _entries(content, mentee.aksi_nyata),
            "feedback_360": _f360(content, mentee), "agreed_dates": _dated(content, mentee.agreed_dates),
        },
    }


# Plain text for the LMS


def jurnal_text(content: Content, doc: JurnalDoc) -> str:
    """The jurnal as plain text to paste into the LMS: a header, lettered sections, numbered items."""
    t = content.text
    lines = [t("reports.lms.title", pi=doc.pi)]
    if doc.provisional:
        lines.append(t("reports.provisional_note"))
    for key, value in (("pp", doc.pp), ("mentee", doc.mentee), ("school", _or_dash(content, doc.school)),
                       ("cohort", _or_dash(content, doc.cohort)), ("theme", _or_dash(content, doc.theme)),
                       ("date", _date_or_dash(content, doc.on))):
        lines.append(t(f"reports.lms.{key}", value=value))
    letters = _letters()
    for section in doc.sections:
        lines += ["", t("reports.lms.section", letter=next(letters), title=section.title)]
        for n, entry in enumerate(section.entries, 1):
            lines.append(t("reports.lms.item", number=n, question=entry.question + _mark(content, entry)))
            lines += _indented(entry.answer or content.text("reports.kosong"))
    lines += ["", t("reports.lms.section", letter=next(letters), title=t("reports.lms.rtl_title"))]
    rtl = _dated(content, doc.rtl)
    lines += [t("reports.lms.item", number=i["number"], question=i["line"]) for i in rtl] or [t("reports.lms.rtl_none")]
    return "\n".join(lines) + "\n"


def group_jurnal_text(content: Content, doc: GroupJurnalDoc) -> str:
    """The group's jurnals as plain text: a header and who has none yet, then each mentee's jurnal."""
    t = content.text
    lines = [t("reports.lms.group_title", pi=doc.pi, pp=doc.pp)]
    if doc.provisional:
        lines.append(t("reports.provisional_note"))
    lines += [
        t("reports.lms.cohort", value=_or_dash(content, doc.cohort)), t("reports.lms.theme", value=_or_dash(content, doc.theme)),
        t("reports.lms.as_of", value=format_date(doc.as_of)),
        t("reports.lms.count", done=len(doc.jurnals), total=len(doc.jurnals) + len(doc.missing)),
    ]
    if doc.missing:
        lines.append(t("reports.lms.missing", names=", ".join(doc.missing)))
    text = "\n".join(lines) + "\n"
    for jurnal in doc.jurnals:
        text += "\n" + t("reports.lms.separator") + "\n\n" + jurnal_text(content, jurnal)
    return text


# The guide in chat


def guide_chat_text(content: Content, guide: SessionGuide) -> str:
    """The guide in short for a chat message (under Telegram's 4096 units); the document has it all."""
    t = content.text
    lines = [t("reports.guide.chat.title", judul=guide.title)]
    if guide.provisional:
        lines.append(t("reports.guide.chat.provisional"))
    mentee = guide.mentee
    if mentee is not None:
        lines.append(t("reports.guide.chat.mentee_school" if mentee.school else "reports.guide.chat.mentee",
                       nama=shorten(mentee.name, CHAT_ITEM), sekolah=shorten(mentee.school or "", CHAT_ITEM)))
    if guide.on:
        lines.append(t("reports.guide.chat.date", tanggal=format_date(guide.on)))
    if guide.theme:
        lines.append(t("reports.guide.chat.theme", tema=guide.theme))
    if guide.assessment:
        lines.append(t("reports.guide.chat.assessment", penilaian=guide.assessment))
    lines += _chat_list(content, "reports.guide.chat.focus", guide.focus)
    lines += _chat_list(content, "reports.guide.chat.parts", [_heading(content, p) for p in guide.parts if "." not in p.number])
    lines += _chat_list(content, "reports.guide.chat.prepare", guide.prepare)
    if mentee is not None:
        lines += ["", t("reports.guide.chat.about", nama=shorten(mentee.name, CHAT_ITEM)),
                  t("reports.guide.chat.reflection", nomor=guide.pi, status=_reflection_status(content, mentee))]
        if mentee.feedback_360:
            lines.append(t("reports.guide.chat.feedback_360", status=_f360(content, mentee)))
        lines += _capped(content, [i["line"] for i in _dated(content, mentee.agreed_dates)])
        follow_ups = [i["line"] for i in _dated(content, mentee.last_rtl)] + [e.answer for e in mentee.aksi_nyata]
        lines += _chat_list(content, "reports.guide.chat.follow_ups", follow_ups)
    lines += ["", t("reports.guide.chat.footer")]
    text = "\n".join(lines)
    return text if tg_len(text) <= LIMIT else _fit_lines(text, LIMIT)


def _fit_lines(text: str, limit: int) -> str:
    """Whole lines of the text that fit in `limit` UTF-16 units, then "…"."""
    kept, used = [], 0
    for line in text.split("\n"):
        if used + tg_len(line) + 1 > limit - 2:
            break
        kept.append(line)
        used += tg_len(line) + 1
    return "\n".join(kept + ["…"])


def _chat_list(content: Content, heading: str, items: list[str]) -> list[str]:
    return ["", content.text(heading), *_capped(content, items)] if items else []


def _capped(content: Content, items: list[str]) -> list[str]:
    shown = [content.text("reports.guide.chat.item", text=shorten(item, CHAT_ITEM)) for item in items[:CHAT_ITEMS]]
    more = [content.text("reports.guide.chat.more", jumlah=len(items) - CHAT_ITEMS)] if len(items) > CHAT_ITEMS else []
    return shown + more


# Shared pieces


def _or_dash(content: Content, value: str | None) -> str:
    return value if value else content.text("reports.kosong")


def _date_or_dash(content: Content, on: date | None) -> str:
    return format_date(on) if on else content.text("reports.kosong")


def _when(content: Content, item: Dated) -> str:
    if item.on is None:
        return ""
    if item.at is None:
        return format_date(item.on)
    return content.text("waktu.date_time", tanggal=format_date(item.on), jam=format_time(item.at))


def _dated(content: Content, items: list[Dated]) -> list[dict[str, Any]]:
    rows = []
    for n, item in enumerate(items, 1):
        when = _when(content, item)
        line = content.text("reports.date_item", text=item.text, tanggal=when) if when else item.text
        rows.append({"number": n, "text": item.text, "date": when, "line": line})
    return rows


def _next_rtl(content: Content, items: list[Dated], as_of: date) -> str:
    """The first RTL item due on or after `as_of`, else the first undated one."""
    upcoming = sorted((i for i in items if i.on and i.on >= as_of), key=lambda i: (i.on, i.at or time()))
    undated = [i for i in items if i.on is None]
    chosen = (upcoming or undated or [None])[0]
    if chosen is None:
        return content.text("reports.kosong")
    return _dated(content, [chosen])[0]["line"]


def _mark(content: Content, entry: Entry) -> str:
    return content.text("reports.mark_provisional") if entry.provisional else ""


def _entries(content: Content, entries: list[Entry]) -> list[dict[str, Any]]:
    return [
        {"number": n, "question": e.question, "mark": _mark(content, e), "answer": e.answer or content.text("reports.kosong")}
        for n, e in enumerate(entries, 1)
    ]


def _sections(content: Content, sections: list[AnswerSection]) -> list[dict[str, Any]]:
    return [{"title": s.title, "entries": _entries(content, s.entries)} for s in sections]


def _note(content: Content, provisional: bool) -> str:
    return content.text("reports.provisional_note") if provisional else ""


def _heading(content: Content, part: GuidePart) -> str:
    if part.minutes is None:
        return content.text("reports.guide.heading_untimed", number=part.number, title=part.title)
    return content.text("reports.guide.heading", number=part.number, title=part.title, minutes=part.minutes)


def _reflection_status(content: Content, mentee: MenteeContext) -> str:
    if mentee.reflection_sent is None:
        return content.text("reports.guide.reflection_none")
    count = sum(len(s.entries) for s in mentee.reflection)
    return content.text("reports.guide.reflection_sent", tanggal=format_date(mentee.reflection_sent), jumlah=count)


def _f360(content: Content, mentee: MenteeContext) -> str:
    return content.text(f"reports.guide.f360_{mentee.feedback_360}") if mentee.feedback_360 else ""


def _indented(answer: str) -> list[str]:
    return ["   " + line if line.strip() else "" for line in answer.splitlines()]


def _letters() -> Iterator[str]:
    n = 0
    while True:
        yield chr(ord("A") + n % 26) * (n // 26 + 1)
        n += 1

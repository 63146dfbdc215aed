"""/ringkasan for an FSP or a pengawas: their schools grouped by district, and one school's briefing ("k:").

The overview opens with the next Sekolah Penggerak workshop and its agenda (the KB stages with minutes, the
1-JP PMO monitoring slot for one or two FSPs); each school shows its PMO step, status, last update and KB
worksheets done. A school's button opens its briefing: the latest step and answers, the latest monthly update,
the FSP's last monitoring record, who has not responded, and (for its FSP) a button to record the monitoring.
An FSP sees only the schools they facilitate, a pengawas only those they cover.
"""
from __future__ import annotations

from dataclasses import dataclass
from itertools import groupby

from core.callbacks import CallbackData, Namespace
from core.content.schema import Content
from core.dates import format_date
from core.ui import Button, Reply
from core.zones import local_today
from flows.callbacks import OpenForMentee
from program.calendar import DatedItem, item_title
from services.context import Deps
from services.jadwal import upcoming
from services.psp_school import (
    MONITORING_FLOW, SchoolState, as_replies, describe, last_update_text, may_follow, school_states, schools_for, status_text,
)
from services.turn import Acting, Outcome, Turn, act
from store.models import Role

ROLES = (Role.fsp, Role.pengawas)


@dataclass(frozen=True)
class SchoolBriefing(CallbackData, prefix="k:s"):
    school_id: int


SEKOLAH = Namespace("k", SchoolBriefing)


async def press(deps: Deps, turn: Turn, value: SchoolBriefing | None) -> Outcome:
    """A school's button: its briefing, if the viewer follows the school; stale or forged data is refused."""
    return await act(deps, turn, lambda acting: _briefing(acting, value))


async def overview(acting: Acting) -> list[Reply]:
    """The viewer's schools grouped by district, after the next workshop and its agenda."""
    content, person = acting.content, acting.person
    schools = await schools_for(acting.session, person)
    if not schools:
        return acting.reply("psp.ringkasan.no_schools")
    today = local_today(person, content.default_tz, acting.clock)
    states = await school_states(acting.session, content, schools, today)
    lines = [content.text("psp.ringkasan.title")]
    workshop = next((i for i in await upcoming(acting.session, content, person, acting.clock) if i.kind == "lokakarya_psp"), None)
    if workshop is not None:
        lines += ["", *agenda(content, workshop, with_monitoring=person.role is Role.fsp)]
    buttons = []
    for district, group in groupby(states, key=lambda s: s.school.district or "-"):
        lines += ["", content.text("psp.ringkasan.district", kabupaten=district)]
        for state in group:
            lines.append(_line(content, state))
            buttons.append([Button(state.school.name[:60], SchoolBriefing(state.school.id).pack())])
    lines += ["", content.text("psp.ringkasan.footer")]
    return as_replies(lines, buttons)


def agenda(content: Content, workshop: DatedItem, *, with_monitoring: bool) -> list[str]:
    """The workshop's date and agenda: KB stages with minutes (luring), and the PMO monitoring slot."""
    lines = [content.text("psp.agenda.next", judul=item_title(content, workshop), tanggal=format_date(workshop.on_date))]
    kb = next((k for k in content.komunitas_belajar if k.month == workshop.number), None)
    if kb is not None:
        lines.append(content.text("psp.agenda.stages"))
        lines += [content.text("psp.agenda.stage", nomor=s.number, judul=s.title, menit=s.minutes) for s in kb.luring]
    if with_monitoring and content.pmo is not None:
        monitoring = content.pmo.monitoring
        lines.append(content.text("psp.agenda.monitoring_one", jp=f"{monitoring.jp:g}", teks=monitoring.satu_fsp.strip()))
        split = " + ".join(f"{s.jp:g}" for s in monitoring.dua_fsp)
        lines.append(content.text("psp.agenda.monitoring_two", pembagian=split, jp=monitoring.workshop_jp))
    return lines


def _line(content: Content, state: SchoolState) -> str:
    return content.text("psp.ringkasan.school", sekolah=state.school.name, langkah=state.step.number if state.step else 0,
                        status=status_text(content, state), tanggal=last_update_text(content, state),
                        kb=state.kb_done, kb_total=state.kb_total)


async def _briefing(acting: Acting, value: SchoolBriefing | None) -> list[Reply]:
    content, person = acting.content, acting.person
    school = await may_follow(acting.session, person, value.school_id) if value is not None else None
    if school is None:
        return acting.reply("psp.ringkasan.not_yours")
    today = local_today(person, content.default_tz, acting.clock)
    [state] = await school_states(acting.session, content, [school], today)
    lines = [content.text("psp.briefing.title"), describe(content, state, answers=True)]
    topics = next((m.topics for m in content.calendar.pmo_months if m.month == today.month), [])
    if topics:
        lines += ["", content.text("psp.briefing.topics"), *(f"• {t}" for t in topics)]
    buttons = []
    kepsek = state.kepsek
    if person.role is Role.fsp and kepsek is not None and kepsek.mentor_id == person.id:
        buttons.append([Button(content.text("psp.briefing.record"), OpenForMentee(MONITORING_FLOW, kepsek.id).pack())])
    lines += ["", content.text("psp.briefing.back")]
    return as_replies(lines, buttons)

"""PMO per school: the kepala sekolah answers for the school, in step order; other members see its state.

Called before a PMO step flow opens (services/reflection.py): a guru or pengawas is shown the school's current
state rather than a fresh form; a kepala sekolah whose school has not done the previous step is told which
step comes first. A person without a school goes on to the flow as before.
"""
from __future__ import annotations

from core.ui import Reply
from core.zones import local_today
from flows.callbacks import FlowPress, OpenFlow
from services.psp_school import as_replies, describe, school_of, school_states, step_flows
from services.turn import Acting
from store.models import Role

SCHOOL_ROLES = (Role.kepsek, Role.guru, Role.pengawas)


async def gate(acting: Acting, value: FlowPress | None) -> list[Reply] | None:
    """Replies instead of opening a PMO step flow, or None to open it as usual."""
    person, content = acting.person, acting.content
    if not isinstance(value, OpenFlow) or person.role not in SCHOOL_ROLES:
        return None
    step = step_flows(content).get(value.flow_id)
    if step is None:
        return None
    schools = await school_of(acting.session, person)
    if not schools:
        return None
    today = local_today(person, content.default_tz, acting.clock)
    states = await school_states(acting.session, content, schools, today)
    if person.role is not Role.kepsek:
        return as_replies([*(describe(content, s, answers=True) + "\n" for s in states), content.text("psp.pmo.kepsek_answers")])
    done = states[0].step.number if states[0].step else 0
    if step.number > done + 1:
        first = next(s for s in content.pmo.steps if s.number == done + 1)
        return [Reply(content.text("psp.pmo.step_first", nomor=first.number, judul=first.title, langkah=step.number))]
    return None

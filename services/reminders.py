"""Reminder buttons ("s:"): Sudah selesai, Ada kendala (reason → how long → nudges paused, mentor told), open the flow."""
from __future__ import annotations

from core.dates import format_date
from core.ui import Button, Reply
from core.zones import zone_of
from scheduler import stops
from scheduler.callbacks import REMINDERS  # re-exported: the presses bot/app.py sends to press()
from scheduler.callbacks import Done, Kendala, KendalaDays, KendalaReason, OpenFlow, Reason
from services import reflection
from services.context import Deps
from services.turn import Acting, Outcome, Turn, act

DURATIONS = (3, 7, 14)  # days: 3 hari, 1 minggu, 2 minggu

ReminderPress = Done | Kendala | KendalaReason | KendalaDays | OpenFlow


async def press(deps: Deps, turn: Turn, value: ReminderPress | None) -> Outcome:
    """Answer a reminder's button; stale or forged data gets "no longer valid"."""
    return await act(deps, turn, lambda acting: _press(acting, value))


async def _press(acting: Acting, value: ReminderPress | None) -> list[Reply]:
    content, person = acting.content, acting.person
    match value:
        case Done(ack=ack):
            recorded = await stops.acknowledge(acting.session, content, person, ack)
            if recorded is not None:
                return acting.reply("reminder.done_ok" if recorded else "reminder.done_again")
        case Kendala():
            buttons = [[Button(stops.reason_label(content, r), KendalaReason(r).pack())] for r in Reason]
            return [Reply(content.text("kendala.ask_reason"), buttons)]
        case KendalaReason(reason=reason):
            buttons = [[Button(content.text(f"kendala.duration.d{d}"), KendalaDays(reason, d).pack()) for d in DURATIONS]]
            return [Reply(content.text("kendala.ask_duration"), buttons, edit=True)]
        case KendalaDays(reason=reason, days=days) if days in DURATIONS:
            record = await stops.pause(acting.session, content, person, reason, days, acting.clock)
            sampai = format_date(record.until.astimezone(zone_of(person, content.default_tz)).date())
            key = "kendala.paused" if person.mentor_id else "kendala.paused_no_mentor"
            return [Reply(content.text(key, sampai=sampai), edit=True)]
        case OpenFlow(flow_id=flow_id):
            return await reflection.open_flow(acting, flow_id)
    return acting.reply("reminder.unknown_button")

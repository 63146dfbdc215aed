"""Callback data of the scheduler's buttons: "s:" reminders and "j:" jadwal (each ≤ 64 bytes).

    s:done:<ack key>          "Sudah selesai" on a reminder
    s:kendala                 "Ada kendala": ask the reason
    s:kr:<reason>             reason chosen: ask how long
    s:kd:<reason>:<days>      duration chosen: pause and tell the mentor
    j:ics                     send the schedule as an .ics file
    j:c / j:c:<cohort>        koordinator: choose a cohort / its Lokakarya list (scheduler.calendar_ui)
    j:l:<cohort>:<n>          koordinator: set Lokakarya n of the cohort (then a typed date)
    j:m / j:m:<mentee>        PP: choose a mentee / their PI list
    j:p:<mentee>:<n>          PP: set the mentee's PI n (then a typed date)
    j:ok / j:x                save / cancel the typed date
"""
from __future__ import annotations

from core.content.schema import Content, ReminderRule
from flows.callbacks import open_flow

DONE = "s:done:"
KENDALA = "s:kendala"
KENDALA_REASON = "s:kr:"
KENDALA_DURATION = "s:kd:"
ICS = "j:ics"
CAL_START_COHORT = "j:c"
CAL_COHORT = "j:c:"
CAL_LOKAKARYA = "j:l:"
CAL_START_MENTEE = "j:m"
CAL_MENTEE = "j:m:"
CAL_PI = "j:p:"
CAL_SAVE = "j:ok"
CAL_CANCEL = "j:x"
MAX_DATA_BYTES = 64


def done_data(ack: str) -> str:
    data = DONE + ack
    if len(data.encode()) > MAX_DATA_BYTES:
        raise ValueError(f"acknowledgement key too long for a button: {ack!r}")
    return data


def reminder_buttons(content: Content, rule: ReminderRule, ack: str | None, for_mentor: bool) -> list[list[dict]] | None:
    """The outbox JSON buttons of a reminder ([[{"text", "data"}]]); a mentor's copy has none."""
    if for_mentor:
        return None
    row = []
    for name in rule.buttons:
        if name == "done" and ack:
            row.append({"text": content.text("reminder.button.done"), "data": done_data(ack)})
        elif name == "kendala":
            row.append({"text": content.text("reminder.button.kendala"), "data": KENDALA})
        elif name == "open_flow" and rule.flow:
            row.append({"text": content.text("reminder.button.open_flow"), "data": open_flow(rule.flow)})
    return [row] if row else None

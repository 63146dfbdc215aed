"""Buttons of reminders ("s:"), each at most 64 bytes (core/callbacks.py); answered by services/reminders.py.

    s:done:<ack key>          "Sudah selesai" on a reminder
    s:kendala                 "Ada kendala": ask the reason
    s:kr:<reason>             reason chosen: ask how long
    s:kd:<reason>:<days>      duration chosen: pause and tell the mentor
    s:f:<flow>                open the flow the reminder is about (earlier reminders carry the flows' "f:s:<flow>")
"""
from __future__ import annotations

import enum
from dataclasses import dataclass

from core.callbacks import CallbackData, Namespace, Rest
from core.content.schema import Content, ReminderRule


class Reason(enum.StrEnum):
    """Why a person pauses their nudges (kendala.reason.* texts)."""

    sakit = "sakit"
    sinyal = "sinyal"
    sekolah = "sekolah"
    lainnya = "lainnya"


@dataclass(frozen=True)
class Done(CallbackData, prefix="s:done"):
    ack: Rest


@dataclass(frozen=True)
class Kendala(CallbackData, prefix="s:kendala"):
    pass


@dataclass(frozen=True)
class KendalaReason(CallbackData, prefix="s:kr"):
    reason: Reason


@dataclass(frozen=True)
class KendalaDays(CallbackData, prefix="s:kd"):
    reason: Reason
    days: int


@dataclass(frozen=True)
class OpenFlow(CallbackData, prefix="s:f"):
    flow_id: str


REMINDERS = Namespace("s", Done, Kendala, KendalaReason, KendalaDays, OpenFlow)


def reminder_buttons(content: Content, rule: ReminderRule, ack: str | None, for_mentor: bool) -> list[list[dict]] | None:
    """The outbox JSON buttons of a reminder ([[{"text", "data"}]]); a mentor's copy has none."""
    if for_mentor:
        return None
    row = []
    for name in rule.buttons:
        if name == "done" and ack:
            row.append({"text": content.text("reminder.button.done"), "data": Done(ack).pack()})
        elif name == "kendala":
            row.append({"text": content.text("reminder.button.kendala"), "data": Kendala().pack()})
        elif name == "open_flow" and rule.flow:
            row.append({"text": content.text("reminder.button.open_flow"), "data": OpenFlow(rule.flow).pack()})
    return [row] if row else None

"""Reminder-rule helpers shared by the planner and the stop conditions: keys, stops, texts.

Outbox dedupe keys of planned reminders:
    r:{rule}:{subject}:{event_key}:{offset}[:{repeat index}][:m{mentor id}]
`subject` is the person the reminder is about; the `m…` suffix marks the copy for their mentor.
`event_key` is "{kind}{number}@{date}" for a dated item (a moved date is a new occurrence) or
"run{id}" for an unfinished flow run. Escalations: esc:{rule}:{subject}:{event_key}.

Placeholders a rule text may use (str.format):
    {nama}       the recipient's name
    {subjek}     the person the reminder is about (the recipient in their own reminders)
    {mentee}     the same as {subjek}
    {tanggal}    the event date in Indonesian, e.g. "Senin, 12 Mei 2025" (for a nudge: the day the flow was started)
    {kapan}      how far the event is from the reminder's day: "hari ini", "besok", "3 hari lagi", "2 hari yang lalu"
    {nomor}      the event number (PI 3 → 3, Lokakarya 2 → 2, PMO month → month number)
    {judul}      Lokakarya title for lokakarya/PI events, otherwise the rule's flow title or the item title
    {kegiatan}   the item's title as shown in /jadwal (e.g. "Pengumpulan RPP")
    {topik}      PMO topics of the month as "• " lines (or the text content.pmo.tanpa_topik);
                 for PI n the theme of the PI n flow
    {persiapan}  what to prepare for Lokakarya n (one "- item" per line)
    {lokakarya}  for a PMO month: its Sekolah Penggerak workshop and date (content.pmo.lokakarya), or, in a month
                 without one, a sentence saying none is planned (content.pmo.tanpa_lokakarya)
    {jam}        the event's time of day (e.g. "08.00") or empty
    {zona}       the recipient's zone abbreviation (WIB, WITA, WIT)
Escalation texts get {nama} (the mentor), {subjek}/{mentee}, {tanggal}, {nomor}, {judul} and
{jumlah} (the ignored nudges). core.content.schema.REMINDER_PLACEHOLDERS limits what content may use.
"""
from __future__ import annotations

import logging
import string
from dataclasses import dataclass
from datetime import date, timedelta

from core.content.schema import Content, ReminderRule

log = logging.getLogger(__name__)

PLACEHOLDERS = frozenset({
    "nama", "subjek", "mentee", "tanggal", "kapan", "nomor", "judul", "kegiatan", "topik", "persiapan", "jam", "zona", "jumlah",
    "lokakarya",
})
# A repeatable flow's submission stops occurrences whose first reminder is at most this far after it.
SUBMIT_REACH_DAYS = 14


@dataclass(frozen=True)
class ReminderKey:
    rule_id: str
    subject_id: int
    event_key: str
    offset: int
    repeat: int | None = None
    mentor_id: int | None = None

    def __str__(self) -> str:
        key = f"r:{self.rule_id}:{self.subject_id}:{self.event_key}:{self.offset}"
        if self.repeat is not None:
            key += f":{self.repeat}"
        if self.mentor_id is not None:
            key += f":m{self.mentor_id}"
        return key

    @property
    def event_date(self) -> date | None:
        """The occurrence's date, for dated items (None for a flow run)."""
        _, _, day = self.event_key.partition("@")
        return date.fromisoformat(day) if day else None

    @property
    def event_number(self) -> int | None:
        head = self.event_key.partition("@")[0]
        digits = head[len(head.rstrip("0123456789")):]
        return int(digits) if digits and not head.startswith("run") else None

    @property
    def run_id(self) -> int | None:
        return int(self.event_key[3:]) if self.event_key.startswith("run") else None


def parse_key(key: str) -> ReminderKey | None:
    """Parse a planned reminder's dedupe key; None for other outbox rows."""
    parts = key.split(":")
    if len(parts) < 5 or parts[0] != "r":
        return None
    try:
        repeat = mentor = None
        for extra in parts[5:]:
            if extra.startswith("m"):
                mentor = int(extra[1:])
            else:
                repeat = int(extra)
        return ReminderKey(parts[1], int(parts[2]), parts[3], int(parts[4]), repeat, mentor)
    except ValueError:
        return None


def escalation_key(rule_id: str, subject_id: int, event_key: str) -> str:
    return f"esc:{rule_id}:{subject_id}:{event_key}"


def ack_key(rule: ReminderRule, number: int | None) -> str | None:
    """The acknowledgement key that stops this rule's occurrence; may use {nomor}."""
    if not rule.stop_on_ack:
        return None
    return rule.stop_on_ack.format(nomor=number if number is not None else "")


def is_pausable(rule: ReminderRule) -> bool:
    """Nudges (unfinished flows) and reminders offering 'Ada kendala' pause with a kendala."""
    return rule.on == "flow_unfinished" or "kendala" in rule.buttons


def stop_flows(rule: ReminderRule) -> set[str]:
    """Flows whose submission stops this rule."""
    flows = {rule.stop_on_submit} if rule.stop_on_submit else set()
    if rule.on == "flow_unfinished" and rule.flow:
        flows.add(rule.flow)
    return flows


def submission_stops(content: Content, rule: ReminderRule, event_date: date | None, submitted_on: date) -> bool:
    """Tell whether a submission on that day stops the rule's occurrence on event_date.

    A one-off flow's submission stops every occurrence; a repeatable flow's only occurrences
    whose first reminder is at most SUBMIT_REACH_DAYS after it.
    """
    flow = content.flows.get(rule.stop_on_submit or "")
    if flow is None or not flow.repeatable or event_date is None:
        return True
    first = event_date + timedelta(days=rule.offsets_days[0])
    return submitted_on >= first - timedelta(days=SUBMIT_REACH_DAYS)


class _Lenient(string.Formatter):
    def get_value(self, key, args, kwargs):
        if isinstance(key, str) and key not in kwargs:
            log.warning("unknown placeholder {%s} in a reminder text", key)
            return "{" + key + "}"
        return super().get_value(key, args, kwargs)


_LENIENT = _Lenient()


def render(template: str, values: dict[str, object]) -> str:
    """Fill a rule text; an unknown placeholder is left as written (and logged), never fatal."""
    return _LENIENT.vformat(template, (), values)


def kapan(content: Content, days: int) -> str:
    """Say how far an event is from the reminder's day."""
    if days == 0:
        return content.text("reminder.kapan.today")
    if days == 1:
        return content.text("reminder.kapan.tomorrow")
    if days == -1:
        return content.text("reminder.kapan.yesterday")
    if days > 0:
        return content.text("reminder.kapan.in_days", n=days)
    return content.text("reminder.kapan.days_ago", n=-days)

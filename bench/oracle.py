"""The cohort simulation's oracle: what should have reached whom and when, from content/ and the simulated behaviour.

It does not use the scheduler: it reads the reminder rules (content/reminders.yaml), the PMO months
(content/calendar.yaml), the flows' summary_to and repeatable (content/flows), the days off
(content/holidays.yaml and the `holidays` library) and the cohort's calendar and behaviour
(bench.cohort.Plan), and judges what the emulator recorded (SimRecord):
- every expected reminder reached its recipient exactly once, on its (holiday-moved) local day, from its
  time on; PMO month reminders to kepala sekolah and FSPs hang on the month's workshop day, else the 1st;
  repeats stop after "Sudah selesai", and a submission of the rule's flow stops it (a repeatable flow's only
  within SUBMIT_REACH_DAYS); none about or to someone after they left or blocked the bot; one due before
  its recipient joined may come at joining;
- a submitted flow's summary reaches the mentor once, at once or when the mentor's quiet hours end;
- after "Ada kendala" the mentor got one notice; after a block, the mentor one notice then (or when their quiet
  hours end); the person's pausable reminders may come later or not;
- every broadcast reached once each CGP joined, active and not blocking then (a later joiner at most once),
  and the koordinator got its delivery report;
- no message the bot sent on its own (not a reply within the same instant to the person's own action)
  arrived in the recipient's quiet hours (21:00–06:00 local), after they left or blocked the bot, or
  twice; no reminder arrived that no rule and no behaviour explains.
The one duplicate allowed is the outbox's documented window (scheduler/sender.py): a row whose send had an
unknown outcome (a read timeout, a killed sender's claim taken over) is sent again and flagged maybe_duplicate.
A delivery identical (text and buttons) to the one a flagged row was settled with (its telegram_message_id),
in the same chat and before it, is taken as that row's first copy and set aside: at most one a row
(SimRecord.outbox, read from the database at the end of the run; Judgement.duplicates counts them).
PP and FSP digests are held to one a working day between 07:00 and 12:00; escalations are not expected (nobody
leaves a flow unfinished); other notices are held to the quiet hours, leavers and blockers.
"""
from __future__ import annotations

import dataclasses
import re
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, timezone
from typing import TYPE_CHECKING, Any

import holidays as holiday_library
import yaml

from core.content import Content
from core.settings import SHIPPED_CONTENT_DIR

if TYPE_CHECKING:
    from bench.cohort import Plan

OFFSETS = {"WIB": 7, "WITA": 8, "WIT": 9}
QUIET = (time(21), time(6))
SUBMIT_REACH_DAYS = 14  # a repeatable flow's submission stops reminders whose first day is at most this much later
LATE_ENOUGH = timedelta(hours=6)  # a reminder may wait this long behind faults and retries
PLACEHOLDER = re.compile(r"\{[a-z_]+\}")
DONE = "✅ Sudah selesai"
REPORT = "Laporan siaran #"
DIGEST = "☀️ Selamat pagi, "  # the PP's morning digest (content/texts/scheduler.yaml digest.heading)
DIGEST_HOURS = (time(7), time(12))


@dataclass(frozen=True)
class Delivery:
    chat_id: int
    message_id: int
    text: str
    at: datetime
    labels: tuple[str, ...] = ()
    done_data: str | None = None

    @classmethod
    def of(cls, message: Any) -> Delivery:
        buttons = [b for row in message.buttons for b in row]
        done = next((data for label, data in buttons if label == DONE), None)
        return cls(message.chat_id, message.message_id, message.text or "",
                   datetime.fromtimestamp(message.date, timezone.utc), tuple(label for label, _ in buttons), done)


@dataclass(frozen=True)
class Settled:
    """An outbox row as the database holds it at the end of a run: the message it was settled with."""

    row_id: int
    chat_id: int
    message_id: int  # telegram_message_id
    maybe_duplicate: bool


@dataclass
class SimRecord:
    """What happened in a simulation: deliveries as the emulator dated them, and what people did when."""

    plan: Plan
    deliveries: list[Delivery] = field(default_factory=list)
    joined: dict[int, datetime] = field(default_factory=dict)
    blocked: dict[int, datetime] = field(default_factory=dict)
    left: dict[int, datetime] = field(default_factory=dict)
    acked: list[tuple[int, str, datetime]] = field(default_factory=list)  # (chat, rule id, when)
    submitted: list[tuple[int, str, datetime]] = field(default_factory=list)  # (chat, flow id, when)
    paused: dict[int, datetime] = field(default_factory=dict)  # "Ada kendala" pressed
    actions: dict[int, set[datetime]] = field(default_factory=lambda: defaultdict(set))
    broadcasts: list[tuple[datetime, str]] = field(default_factory=list)
    lokakarya: dict[int, date] = field(default_factory=dict)  # dates moved by the koordinator
    outbox: list[Settled] = field(default_factory=list)  # every row settled with a message id
    classifier: Classifier | None = None

    def acted(self, chat_id: int, at: datetime) -> None:
        self.actions[chat_id].add(at)

    def classify(self, text: str) -> str | None:
        return self.classifier.rule_of(text) if self.classifier else None

    def per_day(self) -> dict[date, int]:
        """Messages by WIB day."""
        return dict(Counter((d.at + timedelta(hours=7)).date() for d in self.deliveries))


def accepted_duplicates(record: SimRecord) -> list[Delivery]:
    """The first copies of rows flagged maybe_duplicate: for each such row, the last delivery before the one it
    was settled with (a lower message id in the same chat) with the same text and buttons that is not itself
    the settled message of a row. At most one a row; every other repeat stays for the oracle to judge."""
    by_message = {(d.chat_id, d.message_id): d for d in record.deliveries}
    settled = {(row.chat_id, row.message_id) for row in record.outbox}
    by_chat: dict[int, list[Delivery]] = defaultdict(list)
    for d in record.deliveries:
        by_chat[d.chat_id].append(d)
    copies: dict[int, Delivery] = {}  # by id(): the copies themselves, not deliveries equal to them
    for row in record.outbox:
        final = by_message.get((row.chat_id, row.message_id))
        if not row.maybe_duplicate or final is None:
            continue
        earlier = [d for d in by_chat[row.chat_id] if d.message_id < final.message_id and d.text == final.text
                   and d.labels == final.labels and (d.chat_id, d.message_id) not in settled and id(d) not in copies]
        if earlier:
            copy = max(earlier, key=lambda d: d.message_id)
            copies[id(copy)] = copy
    return list(copies.values())


class Received:
    """The deliveries looked up by their whole text or by the start of it, without a scan per question (a full-scale
    run delivers over a million messages)."""

    def __init__(self, deliveries: list[Delivery]) -> None:
        self._by_text: dict[str, list[Delivery]] = defaultdict(list)
        self._by_head: dict[str, list[Delivery]] = defaultdict(list)
        for d in deliveries:
            self._by_text[d.text].append(d)
            self._by_head[_head(d.text)].append(d)

    def exactly(self, text: str) -> list[Delivery]:
        return self._by_text.get(text, [])

    def starting(self, prefix: str) -> list[Delivery]:
        """Those whose text starts with `prefix`, which runs to the end of the first line or past its first ':'."""
        return [d for d in self._by_head.get(_head(prefix), ()) if d.text.startswith(prefix)]


def _head(text: str) -> str:
    return text.partition("\n")[0].partition(":")[0]


class Classifier:
    """Tell which reminder rule a text comes from: all its fixed parts appear in order (the longest such rule)."""

    def __init__(self, content: Content) -> None:
        texts = {rule.id: rule.text for rule in content.rules}
        texts |= {f"esc:{rule.id}": rule.escalate.text for rule in content.rules if rule.escalate}
        self.parts = {rule_id: [p.strip() for p in PLACEHOLDER.split(text) if len(p.strip()) >= 6]
                      for rule_id, text in texts.items()}

    def rule_of(self, text: str) -> str | None:
        best, best_len = None, 0
        for rule_id, parts in self.parts.items():
            position, ok = 0, bool(parts)
            for part in parts:
                found = text.find(part, position)
                if found < 0:
                    ok = False
                    break
                position = found + len(part)
            size = sum(map(len, parts))
            if ok and size > best_len:
                best, best_len = rule_id, size
        return best


@dataclass(frozen=True)
class Expected:
    chat_id: int
    rule_id: str
    due: datetime
    required: bool = True  # False: the person joined later; it may come at joining, or not


@dataclass
class Judgement:
    expected: int = 0
    mismatches: list[str] = field(default_factory=list)
    duplicates: int = 0  # second copies of maybe_duplicate rows, accepted


class DaysOff:
    """National days off and weekly days off, read from holidays.yaml and the holidays library."""

    def __init__(self, years: range) -> None:
        spec = yaml.safe_load((SHIPPED_CONTENT_DIR / "holidays.yaml").read_text(encoding="utf-8")) or {}
        weekdays = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
        self.weekly = {weekdays.index(d) for d in spec.get("weekly_days_off", ["sunday"])}
        self.days = set(holiday_library.country_holidays("ID", years=years, categories=("public", "government")))
        for entry in spec.get("days_off") or []:
            if not entry.get("provinces"):
                start = entry["date"] if "date" in entry else entry["start"]
                end = entry.get("end", start)
                self.days |= {start + timedelta(days=i) for i in range((end - start).days + 1)}

    def off(self, day: date) -> bool:
        return day.weekday() in self.weekly or day in self.days

    def move(self, day: date, policy: str) -> date:
        if policy == "keep" or not self.off(day):
            return day
        step = timedelta(days=-1 if policy == "earlier" else 1)
        for i in range(1, 15):
            if not self.off(day + step * i):
                return day + step * i
        return day


def local_time(at: datetime, zone: str) -> datetime:
    return at + timedelta(hours=OFFSETS[zone])


def in_quiet_hours(at: datetime, zone: str) -> bool:
    clock = local_time(at, zone).time()
    return clock >= QUIET[0] or clock < QUIET[1]


def after_quiet_hours(at: datetime, zone: str) -> datetime:
    """`at`, or when the quiet hours around it end."""
    if not in_quiet_hours(at, zone):
        return at
    day = local_time(at, zone).date() + timedelta(days=local_time(at, zone).time() >= QUIET[0])
    return datetime.combine(day, QUIET[1], timezone.utc) - timedelta(hours=OFFSETS[zone])


class Oracle:
    def __init__(self, content: Content, plan: Plan) -> None:
        self.content, self.plan = content, plan
        self.days_off = DaysOff(range(plan.start.year, plan.end.year + 2))
        self.classifier = Classifier(content)

    def expected(self, record: SimRecord) -> list[Expected]:
        """Every reminder the rules give this cohort, before stops by acknowledgement."""
        plan, content = self.plan, self.content
        lokakarya = {**plan.lokakarya, **record.lokakarya}
        before = timedelta(days=content.calendar.pi_days_before_lokakarya)
        pi = {n: lokakarya[n] - before for n in range(1, content.calendar.pi_count + 1) if n in lokakarya}
        by_id = {m.external_id: m for m in plan.members}
        out: list[Expected] = []
        for rule in content.rules:
            if rule.on == "flow_unfinished" or rule.on.kind not in ("lokakarya", "pi", "pmo_month"):
                continue  # nobody in the simulation leaves a flow unfinished or has person dates
            if rule.on.kind == "pmo_month":
                out += self._pmo(rule, record)
                continue
            items = lokakarya if rule.on.kind == "lokakarya" else pi
            for number, day in items.items():
                if rule.on.number is not None and rule.on.number != number:
                    continue
                for person in plan.members:
                    if rule.on.kind == "pi" and person.role != "cgp":
                        continue
                    mentor = by_id.get(person.mentor)
                    recipients = []
                    for audience in rule.audience:
                        if audience in ("self", person.role):
                            target = person
                        elif rule.on.kind == "pi" and mentor and audience in ("mentor", mentor.role):
                            target = mentor
                        else:
                            continue
                        if target not in recipients:
                            recipients.append(target)
                    for recipient in recipients:
                        out += self._days(rule, day, recipient, person, record)
        return out

    def pmo_days(self, policy: str = "earlier") -> list[tuple[int, date]]:
        """Each PMO month of content/calendar.yaml in the simulated span: on the day the koordinator dated that
        month's Sekolah Penggerak workshop, else on the 1st, moved off a day off as the rule's `policy` says."""
        out = []
        for year in range(self.plan.start.year - 1, self.plan.end.year + 2):
            for pmo in self.content.calendar.pmo_months:
                workshop = self.plan.workshops.get((year, pmo.month))
                out.append((pmo.month, workshop or self.days_off.move(date(year, pmo.month, 1), policy)))
        return out

    def _pmo(self, rule: Any, record: SimRecord) -> list[Expected]:
        """A PMO month's reminder to each PSP person of the audience's roles (about themselves)."""
        out: list[Expected] = []
        for _, day in self.pmo_days(rule.holiday_policy):
            for person in self.plan.members:
                if person.role in rule.audience:
                    out += self._days(rule, day, person, person, record)
        return out

    def _submission_stops(self, rule: Any, base: date, subject: Any, due: datetime, record: SimRecord) -> bool:
        """A submission of the rule's stop_on_submit flow before `due` stops it; one of a repeatable flow only if
        it came at most SUBMIT_REACH_DAYS before the occurrence's first reminder day."""
        flow = self.content.flows.get(rule.stop_on_submit or "")
        if flow is None or not record.submitted:
            return False
        first = base + timedelta(days=rule.offsets_days[0]) - timedelta(days=SUBMIT_REACH_DAYS)
        return any(chat == subject.tg_id and flow_id == flow.id and at < due
                   and (not flow.repeatable or local_time(at, subject.zone).date() >= first)
                   for chat, flow_id, at in record.submitted)

    def _days(self, rule: Any, base: date, recipient: Any, subject: Any, record: SimRecord) -> list[Expected]:
        """The reminder's days for one recipient; none once the recipient or the person it is about left or blocked."""
        times, step = (rule.repeat.max_times, rule.repeat.every_days) if rule.repeat else (1, 0)
        seen: set[date] = set()
        out = []
        for offset in rule.offsets_days:
            for i in range(times):
                day = self.days_off.move(base + timedelta(days=offset + i * step), rule.holiday_policy)
                if day in seen:
                    continue
                seen.add(day)
                due = datetime.combine(day, rule.time, timezone.utc) - timedelta(hours=OFFSETS[recipient.zone])
                joined = record.joined.get(recipient.tg_id)
                gone = min([t for who in {recipient.tg_id, subject.tg_id}
                            for t in (record.left.get(who), record.blocked.get(who)) if t], default=None)
                if not self.plan.start <= due <= self.plan.end or (gone and due >= gone) \
                        or self._submission_stops(rule, base, subject, due, record):
                    continue
                paused = record.paused.get(recipient.tg_id)
                deferred = paused is not None and due >= paused and ("kendala" in rule.buttons)  # may come after the pause
                out.append(Expected(recipient.tg_id, rule.id, due, required=joined is not None and joined <= due and not deferred))
        return out

    def judge(self, record: SimRecord) -> Judgement:
        record.classifier = self.classifier
        judgement = Judgement()
        members = self.plan.by_tg()
        expected = self.expected(record)
        acks = {(chat, rule): at for chat, rule, at in record.acked}
        expected = [e for e in expected if not ((e.chat_id, e.rule_id) in acks and e.due > acks[(e.chat_id, e.rule_id)])]
        judgement.expected = sum(e.required for e in expected)
        for d in record.deliveries:  # copies included: each reached the person
            self._hours_and_people(d, members, record, judgement)
        copies = accepted_duplicates(record)
        judgement.duplicates = len(copies)
        set_aside = {id(d) for d in copies}
        record = dataclasses.replace(record, deliveries=[d for d in record.deliveries if id(d) not in set_aside])
        got: dict[tuple[int, str], list[Delivery]] = defaultdict(list)
        for d in record.deliveries:
            rule = self.classifier.rule_of(d.text)
            if rule is not None:
                got[(d.chat_id, rule)].append(d)
        wanted: dict[tuple[int, str], list[Expected]] = defaultdict(list)
        for e in expected:
            wanted[(e.chat_id, e.rule_id)].append(e)
        for key in set(got) | set(wanted):
            self._match(key, sorted(wanted[key], key=lambda e: e.due), sorted(got[key], key=lambda d: d.at), judgement)
        received = Received(record.deliveries)
        self._broadcasts(record, received, members, judgement)
        self._digests(record, members, judgement)
        self._blocked_notices(record, received, judgement)
        self._summaries(record, received, judgement)
        return judgement

    def _summaries(self, record: SimRecord, received: Received, judgement: Judgement) -> None:
        """Each submission of a flow with summary_to: [mentor] reaches the mentor once, at once or when the mentor's
        quiet hours end."""
        members = self.plan.by_tg()
        by_id = {m.external_id: m for m in self.plan.members}
        sent: dict[tuple[int, str], list[datetime]] = defaultdict(list)
        for chat_id, flow_id, at in record.submitted:
            sent[(chat_id, flow_id)].append(at)
        for (chat_id, flow_id), times in sent.items():
            member, flow = members[chat_id], self.content.flows[flow_id]
            mentor = by_id.get(member.mentor)
            if mentor is None or "mentor" not in flow.summary_to:
                continue
            header = self.content.text("flow.summary.header", name=member.name, title=flow.title)
            got = [(d.chat_id, d.at) for d in received.starting(header)]
            if sorted(got) != sorted((mentor.tg_id, after_quiet_hours(at, mentor.zone)) for at in times):
                judgement.mismatches.append(f"summary: {flow_id} of chat {chat_id} sent at "
                                            + ", ".join(f"{at:%Y-%m-%d %H:%M}Z" for at in times) + " reached "
                                            + ", ".join(f"chat {c} at {at:%Y-%m-%d %H:%M}Z" for c, at in got)
                                            + f" (expected chat {mentor.tg_id} each time)")

    def _blocked_notices(self, record: SimRecord, received: Received, judgement: Judgement) -> None:
        """Someone still in the program blocks the bot: one notice to their mentor, then or when the mentor's
        quiet hours end."""
        by_id, by_tg = {m.external_id: m for m in self.plan.members}, self.plan.by_tg()
        for chat_id, at in record.blocked.items():
            member, left = by_tg[chat_id], record.left.get(chat_id)
            mentor = by_id.get(member.mentor)
            if mentor is None or (left and left <= at):
                continue
            text = self.content.text("blocked.mentor_notice", nama=member.name)
            notices = received.exactly(text)
            due = after_quiet_hours(at, mentor.zone)
            if not notices and due > self.plan.end:
                continue  # due after the run's end (a run cut short): not expected yet
            if len(notices) != 1 or notices[0].chat_id != mentor.tg_id or not due <= notices[0].at <= due + LATE_ENOUGH:
                judgement.mismatches.append(f"blocked notice: chat {chat_id} blocked at {at:%Y-%m-%d %H:%M}Z; the mentor got "
                                            + ", ".join(f"{d.at:%Y-%m-%d %H:%M}Z" for d in notices if d.chat_id == mentor.tg_id)
                                            + f" ({len(notices)} in all, expected 1 from {due:%Y-%m-%d %H:%M}Z)")

    def _digests(self, record: SimRecord, members: dict, judgement: Judgement) -> None:
        """At most one digest a day to a PP or FSP, on a working day, between 07:00 and 12:00 local."""
        days: Counter[tuple[int, date]] = Counter()
        for d in record.deliveries:
            if not d.text.startswith(DIGEST):
                continue
            member = members.get(d.chat_id)
            at = local_time(d.at, member.zone if member else "WIB")
            days[(d.chat_id, at.date())] += 1
            if member is None or member.role not in ("pp", "fsp") or self.days_off.off(at.date()) \
                    or not DIGEST_HOURS[0] <= at.time() <= DIGEST_HOURS[1]:
                judgement.mismatches.append(f"digest: chat {d.chat_id} at {at:%Y-%m-%d %H:%M} local")
        judgement.mismatches += [f"digest: {n} to chat {chat} on {day}" for (chat, day), n in days.items() if n > 1]

    def _hours_and_people(self, d: Delivery, members: dict, record: SimRecord, judgement: Judgement) -> None:
        member = members.get(d.chat_id)
        if d.at in record.actions.get(d.chat_id, ()):
            return  # a reply to what the person just did
        zone = member.zone if member else "WIB"
        if in_quiet_hours(d.at, zone):
            judgement.mismatches.append(f"quiet hours: chat {d.chat_id} at {local_time(d.at, zone):%Y-%m-%d %H:%M} {zone}: {d.text[:60]!r}")
        for what, since in (("left", record.left.get(d.chat_id)), ("blocked", record.blocked.get(d.chat_id))):
            if since is not None and d.at > since:
                judgement.mismatches.append(f"to someone who {what}: chat {d.chat_id} at {d.at:%Y-%m-%d %H:%M}Z: {d.text[:60]!r}")

    def _match(self, key: tuple[int, str], wanted: list[Expected], got: list[Delivery], judgement: Judgement) -> None:
        left = list(got)
        for e in wanted:
            late = LATE_ENOUGH if e.required else timedelta(days=365)  # waiting for someone to join
            hit = next((d for d in left if e.due <= d.at <= e.due + late), None)
            if hit is None and e.required:
                judgement.mismatches.append(f"missing: {e.rule_id} to chat {e.chat_id} due {e.due:%Y-%m-%d %H:%M}Z")
            elif hit is not None:
                left.remove(hit)
        for d in left:
            judgement.mismatches.append(f"unexpected: {key[1]} to chat {d.chat_id} at {d.at:%Y-%m-%d %H:%M}Z")

    def _broadcasts(self, record: SimRecord, received: Received, members: dict, judgement: Judgement) -> None:
        for at, text in record.broadcasts:
            counts = Counter(d.chat_id for d in received.exactly(text))
            for m in members.values():
                gone = [t for t in (record.left.get(m.tg_id), record.blocked.get(m.tg_id)) if t and t <= at]
                count = counts[m.tg_id]
                should = m.role == "cgp" and m.tg_id in record.joined and not gone
                late = should and record.joined[m.tg_id] > at  # may get it at joining (not if it waited too long)
                if count > 1 or count != int(should) and not late:
                    judgement.mismatches.append(f"broadcast {text[:25]!r} reached chat {m.tg_id} {count}× (expected {int(should)})")
        by_id = {m.external_id: m for m in members.values()}
        for chat_id in record.paused:
            member = members[chat_id]
            mentor = by_id.get(member.mentor)
            notices = received.starting(f"Kabar dari {member.name}: ada kendala")
            if mentor and (len(notices) != 1 or notices[0].chat_id != mentor.tg_id):
                judgement.mismatches.append(f"kendala of chat {chat_id}: {len(notices)} notices to the mentor (expected 1)")
        reports = [d for d in record.deliveries if d.text.startswith(REPORT)]
        if len(reports) != len(record.broadcasts):
            judgement.mismatches.append(f"{len(reports)} broadcast reports for {len(record.broadcasts)} broadcasts")

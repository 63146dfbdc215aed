"""Typed content models. Unknown keys are errors; cross-references are checked in Content."""
from __future__ import annotations

from collections.abc import Iterator
from functools import cached_property
import datetime as dt
import string
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel, ConfigDict, Field, StringConstraints, ValidationInfo, field_validator, model_validator,
)

from core.zones import FALLBACK_TZ, is_zone

Ident = Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9_]*$", max_length=48)]
RoleCode = Literal["cgp", "pp", "fsp", "kepsek", "pengawas", "guru", "koordinator"]
QuestionKind = Literal["text", "choice", "multi", "number", "date", "scale", "media"]
MediaKind = Literal["photo", "document", "voice", "video", "audio"]
# Dated things a flow or reminder can hang on. Lokakarya 0 is Orientasi.
EventKind = Literal[
    "lokakarya", "pi", "rpp_submit", "rpp_return", "rpp_revision", "observation", "pmo_month",
    "lokakarya_psp",
]
# What a reminder due on a day off does: move to the working day before or after, or stay.
HolidayPolicy = Literal["earlier", "later", "keep"]
Weekday = Literal["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]
Province = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]
ALL_MEDIA: tuple[MediaKind, ...] = ("photo", "document", "voice", "video", "audio")
# The longest text answer: a paste of up to four Telegram messages (Telegram cuts texts over 4096 UTF-16
# units into several messages; the engine joins them back).
TEXT_ANSWER_MAX = 4 * 4096
# Program order of flows in /refleksi, /ringkasan and exports: PI 1…6 (with the forms of each PI), the
# Komunitas Belajar worksheets, the PMO steps, Lokakarya 0…7; then by number and the flow's `order`.
EVENT_ORDER: tuple[str, ...] = (
    "pi", "rpp_submit", "rpp_return", "rpp_revision", "observation", "lokakarya_psp", "pmo_month", "lokakarya",
)


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Option(Strict):
    id: Ident
    label: str


class PrefillSource(Strict):
    """Answers a draft is made from: these questions of another flow about (or by) the same mentee."""

    flow: Ident
    questions: list[Ident] = Field(min_length=1)


class Question(Strict):
    id: Ident
    text: str
    kind: QuestionKind = "text"
    required: bool = True
    hint: str | None = None
    options: list[Option] = Field(default=[], validate_default=True)
    min: float | None = None
    max: float | None = None
    scale_labels: list[str] = []  # for scale: label of each point from min to max
    media: list[MediaKind] = list(ALL_MEDIA)
    max_length: int = Field(default=TEXT_ANSWER_MAX, ge=1, le=TEXT_ANSWER_MAX)
    # The answer, when the flow is submitted, becomes this dated event (e.g. the PI 3 RPP dates).
    creates_event: EventKind | None = None
    # Date questions only: an earlier date is confirmed first (likely a typo); the answer may not be
    # before the answer to this other date question of the flow; a time of day may follow the date.
    future: bool = False
    not_before: Ident | None = None
    with_time: bool = False
    # Not from the program documents: marked as provisional wherever the question is shown.
    awaiting_official: bool = False
    # Text questions of a flow about a mentee: the answers a draft of this answer is made from.
    prefill_from: list[PrefillSource] = []

    @field_validator("options")
    @classmethod
    def _options_fit_kind(cls, value: list[Option], info: ValidationInfo) -> list[Option]:
        kind = info.data.get("kind")
        if kind in ("choice", "multi") and len(value) < 2:
            raise ValueError(f"a {kind} question needs at least two options")
        if kind is not None and kind not in ("choice", "multi") and value:
            raise ValueError(f"options are only for choice or multi questions, not {kind}")
        return value

    @model_validator(mode="after")
    def _kind_fits(self) -> "Question":
        if self.kind == "scale":
            low, high = self.min if self.min is not None else 1, self.max if self.max is not None else 5
            if high <= low or high - low > 10:
                raise ValueError("a scale needs min < max and at most 11 points")
            if self.scale_labels and len(self.scale_labels) != int(high - low) + 1:
                raise ValueError("scale_labels needs one label per point")
        if self.creates_event and self.kind != "date":
            raise ValueError("creates_event needs a date question")
        if (self.future or self.not_before or self.with_time) and self.kind != "date":
            raise ValueError("future, not_before and with_time are for date questions")
        if self.prefill_from and self.kind != "text":
            raise ValueError("prefill_from is for text questions (a draft is text)")
        ids = [o.id for o in self.options]
        if len(ids) != len(set(ids)):
            raise ValueError("duplicate option id")
        return self

    @property
    def scale_range(self) -> tuple[int, int]:
        return int(self.min if self.min is not None else 1), int(self.max if self.max is not None else 5)


class Topic(Strict):
    """A timed sub-topic of a session part, shown for orientation (no answer)."""

    title: str
    minutes: int | None = None


class Section(Strict):
    id: Ident
    title: str
    part: Literal["awal", "inti", "akhir"] | None = None
    minutes: int | None = Field(default=None, ge=0)
    description: str | None = None
    topics: list[Topic] = []
    checklist: list[str] = []  # items the mentor ticks off; not asked in chat
    questions: list[Question] = []
    sections: list["Section"] = []

    def walk(self) -> Iterator["Section"]:
        yield self
        for child in self.sections:
            yield from child.walk()


class EventRef(Strict):
    """A dated program event. number: PI n / Lokakarya n (0 = Orientasi); for pmo_month and
    lokakarya_psp the calendar month (1-12) of the PMO table; none for the per-CGP RPP dates."""

    kind: EventKind
    number: int | None = None  # None: any number of that kind


class CarryForward(Strict):
    """Open a flow by quoting the person's own answers from an earlier flow and asking how it went."""

    from_flow: Ident
    questions: list[Ident]
    question: Question  # asked first; its text may use {kutipan}


class Flow(Strict):
    id: Ident
    title: str
    program: Literal["pgp", "psp"] = "pgp"
    audience: list[RoleCode]
    event: EventRef | None = None
    timing: str | None = None
    theme: str | None = None
    focus: list[str] = []
    assessment: str | None = None
    prepare: list[str] = []  # what the participant should have prepared before the session (the PP's guide)
    intro: str | None = None
    subject: Literal["self", "mentee"] = "self"  # mentee: a PP/FSP fills it about one mentee
    summary_to: list[Literal["mentor", "subject_mentor", "koordinator"]] = ["mentor"]
    repeatable: bool = False
    awaiting_official: bool = False  # content kept until the program publishes the real questions
    order: int = 0  # among the flows of the same event: LK1 before LK2, the jurnal after a PI's other forms
    carry_forward: CarryForward | None = None
    sections: list[Section]

    def walk_sections(self) -> Iterator[Section]:
        for section in self.sections:
            yield from section.walk()

    @property
    def program_order(self) -> tuple[int, int, int, str]:
        """Where the flow stands in the program (see EVENT_ORDER); flows without an event come last."""
        if self.event is None:
            return len(EVENT_ORDER), 0, self.order, self.id
        number = self.event.number if self.event.number is not None else 999
        return EVENT_ORDER.index(self.event.kind), number, self.order, self.id

    def questions(self) -> list[Question]:
        """All questions in asking order (the carry-forward question first)."""
        return list(self.asking_order)

    @cached_property
    def asking_order(self) -> tuple[Question, ...]:
        """questions(), worked out once: every answer of a run walks them (frozen: no model_copy changes sections)."""
        asked = [self.carry_forward.question] if self.carry_forward else []
        return (*asked, *(q for s in self.walk_sections() for q in s.questions))

    @cached_property
    def positions(self) -> dict[str, int]:
        """Each question's place in asking order."""
        return {q.id: i for i, q in enumerate(self.asking_order)}

    def section_of(self, question_id: str) -> Section | None:
        for section in self.walk_sections():
            if any(q.id == question_id for q in section.questions):
                return section
        return None

    @model_validator(mode="after")
    def _unique_ids(self) -> "Flow":
        ids = [q.id for q in self.questions()]
        dupes = sorted({i for i in ids if ids.count(i) > 1})
        if dupes:
            raise ValueError(f"duplicate question id(s): {', '.join(dupes)}")
        section_ids = [s.id for s in self.walk_sections()]
        if len(section_ids) != len(set(section_ids)):
            raise ValueError("duplicate section id")
        if not ids:
            raise ValueError("a flow needs at least one question")
        return self


# Placeholders a reminder text may use; the scheduler fills every one (scheduler/rules.py says
# how): nama (recipient), subjek/mentee (whom the event is about), tanggal, kapan ("besok",
# "3 hari lagi"), nomor, judul, kegiatan, topik (PMO topics or 'content.pmo.tanpa_topik'),
# persiapan (Lokakarya prepare list), jam, zona. Escalations get jumlah (ignored nudges) instead.
REMINDER_PLACEHOLDERS = frozenset({
    "nama", "subjek", "mentee", "tanggal", "kapan", "nomor", "judul", "kegiatan", "topik", "persiapan", "jam", "zona",
    "lokakarya",
})
ESCALATION_PLACEHOLDERS = frozenset({"nama", "subjek", "mentee", "tanggal", "nomor", "judul", "jumlah"})


def _placeholder_check(allowed: frozenset[str]):
    def check(text: str) -> str:
        try:
            used = {name for _, name, _, _ in string.Formatter().parse(text) if name is not None}
        except ValueError as exc:
            raise ValueError(f"bad placeholder: {exc}") from None
        if unknown := sorted(used - allowed):
            known = ", ".join("{%s}" % n for n in sorted(allowed))
            raise ValueError(f"unknown placeholder {', '.join('{%s}' % n for n in unknown)} (known: {known})")
        return text

    return check


class Repeat(Strict):
    every_days: int = Field(ge=1)
    max_times: int = Field(ge=1)


class Escalation(Strict):
    after: int = Field(ge=1)  # ignored nudges before the mentor is told
    text: str

    _placeholders = field_validator("text")(_placeholder_check(ESCALATION_PLACEHOLDERS))


class ReminderRule(Strict):
    id: Ident
    description: str | None = None
    on: EventRef | Literal["flow_unfinished"]
    offsets_days: list[int] = [0]  # relative to the event date; negative = before
    time: dt.time = dt.time(7, 0)  # local time of day in the recipient's zone
    audience: list[Literal["self", "mentor", "cgp", "pp", "fsp", "kepsek", "pengawas", "guru"]]
    text: str
    buttons: list[Literal["done", "kendala", "open_flow"]] = []
    flow: Ident | None = None  # the flow a nudge or open_flow button is about
    stop_on_ack: str | None = None  # acknowledgement key ('Sudah selesai') that stops it
    stop_on_submit: Ident | None = None  # flow whose submission stops it
    repeat: Repeat | None = None
    escalate: Escalation | None = None
    priority: Literal["normal", "low"] = "normal"
    on_holiday: HolidayPolicy | None = None  # default: earlier for event reminders, later for nudges

    @property
    def holiday_policy(self) -> HolidayPolicy:
        """Where a reminder due on a day off goes: a nudge about an unfinished flow can wait, an event cannot."""
        return self.on_holiday or ("later" if self.on == "flow_unfinished" else "earlier")

    @field_validator("offsets_days")
    @classmethod
    def _offsets(cls, value: list[int]) -> list[int]:
        if not value:
            raise ValueError("at least one offset")
        return sorted(set(value))

    _placeholders = field_validator("text")(_placeholder_check(REMINDER_PLACEHOLDERS))


class Lokakarya(Strict):
    number: int = Field(ge=0)  # 0 = Orientasi
    title: str
    timing: str | None = None  # as the documents say it: "Bulan ke-1"
    pemahaman_bermakna: list[str] = []
    produk: list[str] = []
    prepare: list[str] = []  # what to prepare, quoted in the reminder
    documentation: list[str] = []
    produk_dokumentasi: list[str] = []  # products the PP uploads after the Lokakarya
    flow: Ident | None = None  # the PP's documentation flow for this Lokakarya


class PmoMonth(Strict):
    month: int = Field(ge=1, le=12)
    pmo: int | None = Field(default=None, ge=1)  # PMO ke-n this month belongs to
    topics: list[str] = []  # empty where the document has none


class CalendarTemplate(Strict):
    lokakarya: list[Lokakarya]
    pi_days_before_lokakarya: int = 7
    pi_count: int = Field(default=6, ge=1)  # PI 1..n, each in the week before Lokakarya n
    flow_opens_days_before: int = Field(default=7, ge=0)  # a dated flow opens this long before its event
    pmo_months: list[PmoMonth] = []

    @model_validator(mode="after")
    def _unique_numbers(self) -> "CalendarTemplate":
        numbers = [lk.number for lk in self.lokakarya]
        if len(numbers) != len(set(numbers)):
            raise ValueError("duplicate Lokakarya number")
        months = [m.month for m in self.pmo_months]
        if len(months) != len(set(months)):
            raise ValueError("duplicate PMO month")
        return self

    def event_numbers(self, kind: str) -> set[int] | None:
        """Numbers an event of this kind may carry; None: the kind takes no number."""
        if kind == "lokakarya":
            return {lk.number for lk in self.lokakarya}
        if kind == "pi":
            return set(range(1, self.pi_count + 1))
        if kind in ("pmo_month", "lokakarya_psp"):
            return {m.month for m in self.pmo_months}
        return None


class Stage(Strict):
    """One stage of a PSP workshop's agenda."""

    number: int = Field(ge=1)
    title: str
    minutes: int = Field(ge=0)
    day: int = Field(default=1, ge=1)
    activities: list[str] = []
    worksheet: str | None = None  # e.g. "LK1"
    flow: Ident | None = None  # the worksheet flow participants answer
    note: str | None = None  # where the stored value departs from the document, say why


class Involvement(Strict):
    role: RoleCode
    peran: str
    jumlah: int | None = Field(default=None, ge=1)


class KomunitasBelajar(Strict):
    """A Sekolah Penggerak workshop (Lokakarya Komunitas Belajar n) with luring and daring agendas."""

    id: Ident
    title: str
    month: int = Field(ge=1, le=12)
    tujuan: str
    pemahaman_bermakna: list[str]
    pertanyaan_utama: list[str] = []
    produk: list[str] = []
    jp: int = Field(ge=1)
    pmo_monitoring_minutes: int = Field(default=0, ge=0)  # the PMO slot inside the workshop
    roles: list[Involvement]
    luring: list[Stage]
    daring: list[Stage]

    @property
    def total_minutes(self) -> int:
        return self.jp * 45

    @model_validator(mode="after")
    def _minutes_add_up(self) -> "KomunitasBelajar":
        for name in ("luring", "daring"):
            stages: list[Stage] = getattr(self, name)
            total = sum(s.minutes for s in stages) + self.pmo_monitoring_minutes
            if total != self.total_minutes:
                raise ValueError(
                    f"{name} stages ({total - self.pmo_monitoring_minutes} min) plus PMO monitoring "
                    f"({self.pmo_monitoring_minutes} min) make {total} min, not {self.jp} JP = {self.total_minutes} min"
                )
        return self


class MonitoringSlot(Strict):
    materi: str
    fasilitator: str
    jp: float = Field(gt=0)
    monitoring: bool = False  # a PMO monitoring slot (vs workshop material)


class PmoMonitoring(Strict):
    jp: float = Field(gt=0)  # the PMO monitoring time inside a workshop
    workshop_jp: int = Field(ge=1)
    satu_fsp: str  # where the slot goes when one FSP facilitates
    dua_fsp: list[MonitoringSlot]  # the split when two FSPs share a workshop

    @model_validator(mode="after")
    def _split_adds_up(self) -> "PmoMonitoring":
        total = sum(s.jp for s in self.dua_fsp)
        if total != self.workshop_jp:
            raise ValueError(f"dua_fsp slots make {total:g} JP, not {self.workshop_jp} JP")
        monitored = sum(s.jp for s in self.dua_fsp if s.monitoring)
        if monitored != self.jp:
            raise ValueError(f"dua_fsp monitoring slots make {monitored:g} JP, not {self.jp:g} JP")
        return self


class PmoStep(Strict):
    number: int = Field(ge=1)
    title: str
    description: str
    points: list[str] = []  # data sources, steps or considerations the document lists
    flow: Ident  # the worksheet holding the step's guiding questions


class PmoGuide(Strict):
    """PMO level sekolah: preparation, monitoring slot rules and the four steps."""

    persiapan: str
    monitoring: PmoMonitoring
    steps: list[PmoStep]


class DayOff(Strict):
    """Days off the holidays library does not know: a cuti bersama announced later, a regional holiday."""

    date: dt.date
    until: dt.date | None = None  # the last day of a run of days off (inclusive)
    name: str
    provinces: list[Province] = []  # empty: the whole country; else as in the roster's `provinsi` column
    provisional: bool = False  # not official yet (shown as such)

    @model_validator(mode="after")
    def _ordered(self) -> "DayOff":
        if self.until is not None and self.until < self.date:
            raise ValueError(f"until {self.until} is before date {self.date}")
        return self


class SchoolHoliday(Strict):
    """A school break of some provinces: shown in /jadwal; reminders still arrive (the program goes on)."""

    provinces: list[Province] = Field(min_length=1)
    start: dt.date
    end: dt.date
    name: str
    provisional: bool = False

    @model_validator(mode="after")
    def _ordered(self) -> "SchoolHoliday":
        if self.end < self.start:
            raise ValueError(f"end {self.end} is before start {self.start}")
        return self


class HolidaySettings(Strict):
    """holidays.yaml: which days are not working days, beyond the national holidays and cuti bersama."""

    weekly_days_off: list[Weekday] = ["sunday"]
    days_off: list[DayOff] = []
    school_holidays: list[SchoolHoliday] = []

    @field_validator("weekly_days_off")
    @classmethod
    def _some_working_day(cls, value: list[Weekday]) -> list[Weekday]:
        if len(set(value)) == 7:
            raise ValueError("at least one day of the week must be a working day")
        return value


class Content(Strict):
    """Everything loaded from content/: flows, rules, calendar and UI texts, with a version."""

    version: str
    flows: dict[str, Flow]
    rules: list[ReminderRule]
    calendar: CalendarTemplate
    texts: dict[str, str]
    komunitas_belajar: list[KomunitasBelajar] = []
    pmo: PmoGuide | None = None
    templates: dict[str, bytes] = Field(default={}, repr=False)  # Word templates by file name (content/templates)
    holidays: HolidaySettings | None = None  # None (no holidays.yaml): every day is a working day
    # Not from the YAML: the zone of people without one (Settings.default_tz, given at load).
    default_tz: str = FALLBACK_TZ

    @field_validator("default_tz")
    @classmethod
    def _zone(cls, value: str) -> str:
        if not is_zone(value):
            raise ValueError(f"unknown time zone {value!r}")
        return value

    def text(self, key: str, **values: object) -> str:
        """Render a UI text by key with {placeholders}."""
        return self.texts[key].format(**values)

    def flows_for(self, role: str) -> list[Flow]:
        return [f for f in self.flows.values() if role in f.audience]

    @cached_property
    def flows_snapshot(self) -> dict[str, Any]:
        """The flows as JSON, stored once per content version (flows/runs.ensure_snapshot)."""
        return {"flows": {fid: flow.model_dump(mode="json") for fid, flow in self.flows.items()}}

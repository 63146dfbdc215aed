"""Typed content models. Unknown keys are errors; cross-references are checked in Content."""
from __future__ import annotations

from collections.abc import Iterator
import datetime as dt
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, field_validator, model_validator

Ident = Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9_]*$", max_length=48)]
RoleCode = Literal["cgp", "pp", "fsp", "kepsek", "pengawas", "guru", "koordinator"]
QuestionKind = Literal["text", "choice", "multi", "number", "date", "scale", "media"]
MediaKind = Literal["photo", "document", "voice", "video", "audio"]
# Dated things a flow or reminder can hang on. Lokakarya 0 is Orientasi.
EventKind = Literal[
    "lokakarya", "pi", "rpp_submit", "rpp_return", "rpp_revision", "observation", "pmo_month",
    "lokakarya_psp",
]
ALL_MEDIA: tuple[MediaKind, ...] = ("photo", "document", "voice", "video", "audio")


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Option(Strict):
    id: Ident
    label: str


class Question(Strict):
    id: Ident
    text: str
    kind: QuestionKind = "text"
    required: bool = True
    hint: str | None = None
    options: list[Option] = []
    min: float | None = None
    max: float | None = None
    scale_labels: list[str] = []  # for scale: label of each point from min to max
    media: list[MediaKind] = list(ALL_MEDIA)
    max_length: int = Field(default=4096, ge=1, le=4096)
    # The answer, when the flow is submitted, becomes this dated event (e.g. the PI 3 RPP dates).
    creates_event: EventKind | None = None

    @model_validator(mode="after")
    def _kind_fits(self) -> "Question":
        if self.kind in ("choice", "multi") and len(self.options) < 2:
            raise ValueError(f"a {self.kind} question needs at least two options")
        if self.kind not in ("choice", "multi") and self.options:
            raise ValueError(f"options are only for choice or multi questions, not {self.kind}")
        if self.kind == "scale":
            low, high = self.min if self.min is not None else 1, self.max if self.max is not None else 5
            if high <= low or high - low > 10:
                raise ValueError("a scale needs min < max and at most 11 points")
            if self.scale_labels and len(self.scale_labels) != int(high - low) + 1:
                raise ValueError("scale_labels needs one label per point")
        if self.creates_event and self.kind != "date":
            raise ValueError("creates_event needs a date question")
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
    intro: str | None = None
    subject: Literal["self", "mentee"] = "self"  # mentee: a PP/FSP fills it about one mentee
    summary_to: list[Literal["mentor", "subject_mentor", "koordinator"]] = ["mentor"]
    repeatable: bool = False
    awaiting_official: bool = False  # content kept until the program publishes the real questions
    carry_forward: CarryForward | None = None
    sections: list[Section]

    def walk_sections(self) -> Iterator[Section]:
        for section in self.sections:
            yield from section.walk()

    def questions(self) -> list[Question]:
        """All questions in asking order (the carry-forward question first)."""
        asked = [self.carry_forward.question] if self.carry_forward else []
        return asked + [q for s in self.walk_sections() for q in s.questions]

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


class Repeat(Strict):
    every_days: int = Field(ge=1)
    max_times: int = Field(ge=1)


class Escalation(Strict):
    after: int = Field(ge=1)  # ignored nudges before the mentor is told
    text: str


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

    @field_validator("offsets_days")
    @classmethod
    def _offsets(cls, value: list[int]) -> list[int]:
        if not value:
            raise ValueError("at least one offset")
        return sorted(set(value))


class Lokakarya(Strict):
    number: int = Field(ge=0)  # 0 = Orientasi
    title: str
    pemahaman_bermakna: list[str] = []
    produk: list[str] = []
    prepare: list[str] = []  # what to prepare, quoted in the reminder
    documentation: list[str] = []


class PmoMonth(Strict):
    month: int = Field(ge=1, le=12)
    topics: list[str] = []


class CalendarTemplate(Strict):
    lokakarya: list[Lokakarya]
    pi_days_before_lokakarya: int = 7
    pmo_months: list[PmoMonth] = []


class Content(Strict):
    """Everything loaded from content/: flows, rules, calendar and UI texts, with a version."""

    version: str
    flows: dict[str, Flow]
    rules: list[ReminderRule]
    calendar: CalendarTemplate
    texts: dict[str, str]

    def text(self, key: str, **values: object) -> str:
        """Render a UI text by key with {placeholders}."""
        return self.texts[key].format(**values)

    def flows_for(self, role: str) -> list[Flow]:
        return [f for f in self.flows.values() if role in f.audience]

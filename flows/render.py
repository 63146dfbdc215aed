"""Messages of a run: one question with progress and buttons, the review, the edit picker."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from core.content.schema import Content, Flow, Question, Section
from core.answers import format_answer, media_items, plain_number
from core.textlen import LIMIT, tg_len
from core.ui import Button, Reply
from flows.callbacks import REVIEW_QUESTION, RunAction
from flows.runs import ASKING, EDITING, Walking
from store.models import FlowRun

SCALE_ROW = 6
PICK_LABEL = 48


def _cut(block: str, limit: int) -> list[str]:
    pieces, piece = [], ""
    for char in block:
        if tg_len(piece) + tg_len(char) > limit:
            pieces.append(piece)
            piece = ""
        piece += char
    return pieces + [piece]


def pack(blocks: list[str], limit: int = LIMIT, sep: str = "\n\n") -> list[tuple[str, list[int]]]:
    """Join blocks into messages under `limit`, breaking only between blocks unless one is too long."""
    parts: list[tuple[str, list[int]]] = []
    text, members = "", []
    for index, block in enumerate(blocks):
        for piece in _cut(block, limit) if tg_len(block) > limit else [block]:
            joined = f"{text}{sep}{piece}" if text else piece
            if text and tg_len(joined) > limit:
                parts.append((text, members))
                text, members = piece, []
            else:
                text = joined
            if index not in members:
                members.append(index)
    if text or not parts:
        parts.append((text, members))
    return parts


def _first_question(section: Section) -> str | None:
    for inner in section.walk():
        if inner.questions:
            return inner.questions[0].id
    return None


def section_headers(flow: Flow) -> dict[str, list[Section]]:
    """Sections that start at each question, outermost first."""
    headers: dict[str, list[Section]] = {}
    for section in flow.walk_sections():
        first = _first_question(section)
        if first:
            headers.setdefault(first, []).append(section)
    return headers


@dataclass
class Walk:
    """A run with everything needed to render it."""

    content: Content
    flow: Flow
    run: FlowRun | Walking
    quote: str | None = None  # the carry-forward quote, when the flow has one
    questions: list[Question] = field(init=False)

    def __post_init__(self) -> None:
        self.questions = self.flow.questions()

    def t(self, key: str, **values: object) -> str:
        return self.content.text(key, **values)

    def index(self, question_id: str | None) -> int | None:
        return None if question_id is None else self.flow.positions.get(question_id)

    def question(self, question_id: str | None) -> Question | None:
        index = self.index(question_id)
        return None if index is None else self.questions[index]

    def question_text(self, question: Question) -> str:
        if self.flow.carry_forward and question.id == self.flow.carry_forward.question.id:
            return question.text.replace("{kutipan}", self.quote or self.t("flow.carry_none"))
        if question.awaiting_official:
            return self.t("flow.provisional.question", text=question.text)
        return question.text

    def data(self, question_id: str, action: str) -> str:
        return RunAction(self.run.id, question_id, action).pack()

    def answer_text(self, question: Question, value: Any) -> str:
        return format_answer(self.content, question, value)


def _kind_hint(walk: Walk, q: Question) -> str | None:
    if q.kind == "multi":
        return walk.t("flow.hint.multi")
    if q.kind == "number":
        if q.min is not None and q.max is not None:
            return walk.t("flow.hint.number_range", min=plain_number(q.min), max=plain_number(q.max))
        return walk.t("flow.hint.number")
    if q.kind == "date":
        return walk.t("flow.hint.date_time" if q.with_time else "flow.hint.date")
    if q.kind == "media":
        return walk.t("flow.hint.media", kinds=media_kinds(walk, q))
    return None


def media_kinds(walk: Walk, q: Question) -> str:
    return ", ".join(walk.t(f"flow.media_kind.{kind}") for kind in q.media)


def question_buttons(walk: Walk, q: Question, answers: dict[str, Any]) -> list[list[Button]]:
    rows: list[list[Button]] = []
    if q.kind == "choice":
        rows = [[Button(o.label, walk.data(q.id, f"c{i}"))] for i, o in enumerate(q.options)]
    elif q.kind == "multi":
        ticks = set(walk.run.state.get("ticks", []))
        rows = [
            [Button(walk.t("flow.tick_on" if o.id in ticks else "flow.tick_off", label=o.label), walk.data(q.id, f"t{i}"))]
            for i, o in enumerate(q.options)
        ]
        rows.append([Button(walk.t("flow.button.selesai"), walk.data(q.id, "d"))])
    elif q.kind == "scale":
        low, high = q.scale_range
        if q.scale_labels:
            rows = [[Button(f"{low + i} · {label}", walk.data(q.id, f"v{i}"))] for i, label in enumerate(q.scale_labels)]
        else:
            points = [Button(str(v), walk.data(q.id, f"v{v - low}")) for v in range(low, high + 1)]
            rows = [points[i:i + SCALE_ROW] for i in range(0, len(points), SCALE_ROW)]
    elif q.kind == "media" and (walk.run.state.get("items") or answers.get(q.id)):
        rows = [[Button(walk.t("flow.button.lanjut"), walk.data(q.id, "l"))]]
    if keeps_answer(walk, q, answers):
        rows.append([Button(walk.t("flow.button.lanjut"), walk.data(q.id, "l"))])
    nav = []
    if walk.index(q.id) or walk.run.mode == EDITING:
        nav.append(Button(walk.t("flow.button.kembali"), walk.data(q.id, "b")))
    if not q.required:
        nav.append(Button(walk.t("flow.button.lewati"), walk.data(q.id, "k")))
    return rows + ([nav] if nav else [])


def keeps_answer(walk: Walk, q: Question, answers: dict[str, Any]) -> bool:
    """Whether the question offers Lanjut to keep its saved answer (back on it after Kembali, or resumed there).

    Not while editing from the review (Kembali returns there keeping it), nor for multi (Selesai keeps the
    ticks shown) or media (its own Lanjut keeps the answer when nothing new was sent).
    """
    return walk.run.mode == ASKING and q.id in answers and q.kind not in ("multi", "media")


def question_body(walk: Walk, q: Question) -> str:
    """The question with its section titles and "(n/N)" progress, without buttons."""
    lines = [walk.t("flow.section", title=s.title) for s in section_headers(walk.flow).get(q.id, [])]
    lines.append(walk.t("flow.question", n=walk.index(q.id) + 1, total=len(walk.questions), text=walk.question_text(q)))
    for hint in (q.hint, _kind_hint(walk, q)):
        if hint:
            lines.append(hint)
    return "\n".join(lines)


def question_reply(walk: Walk, q: Question, answers: dict[str, Any], note: str | None = None, edit: bool = False) -> Reply:
    """Ask one question: notes first, then the question, the saved answer, and its buttons."""
    lines = [note] if note else []
    lines.append(question_body(walk, q))
    if q.id in answers and q.kind not in ("multi",):
        lines.append(walk.t("flow.saved_answer", answer=walk.answer_text(q, answers[q.id])))
    if q.kind == "media" and walk.run.state.get("items"):
        lines.append(walk.t("flow.media_collected", count=len(media_items(walk.run.state["items"]))))
    return Reply("\n\n".join(lines), question_buttons(walk, q, answers), edit=edit)


def answered_reply(walk: Walk, q: Question, value: Any) -> Reply:
    """Replace the pressed question message by the question and the chosen answer (no buttons)."""
    return Reply(f"{question_body(walk, q)}\n\n{walk.t('flow.chosen', answer=walk.answer_text(q, value))}", edit=True)


def review_replies(walk: Walk, answers: dict[str, Any]) -> list[Reply]:
    """All questions with their answers, split under Telegram's limit; Kirim and Ubah on the last part."""
    blocks = [walk.t("flow.review", title=walk.flow.title)]
    for n, q in enumerate(walk.questions, 1):
        value = answers.get(q.id)
        shown = walk.answer_text(q, value) if q.id in answers else walk.t("flow.no_answer")
        blocks.append(walk.t("flow.review_item", n=n, question=walk.question_text(q), answer=shown))
    blocks.append(walk.t("flow.review_footer"))
    replies = [Reply(text) for text, _ in pack(blocks)]
    replies[-1].buttons = [[
        Button(walk.t("flow.button.kirim"), walk.data(REVIEW_QUESTION, "s")),
        Button(walk.t("flow.button.ubah"), walk.data(REVIEW_QUESTION, "e")),
    ]]
    return replies


def edit_picker(walk: Walk) -> Reply:
    """Buttons to choose the question to answer again, and Kembali to the review."""
    rows = []
    for n, q in enumerate(walk.questions, 1):
        label = f"{n}. {walk.question_text(q)}".replace("\n", " ")
        if len(label) > PICK_LABEL:
            label = label[:PICK_LABEL - 1] + "…"
        rows.append([Button(label, walk.data(q.id, "u"))])
    rows.append([Button(walk.t("flow.button.kembali"), walk.data(REVIEW_QUESTION, "r"))])
    return Reply(walk.t("flow.edit_pick"), rows)

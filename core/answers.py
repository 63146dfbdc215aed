"""Answer values as stored (JSON) and as shown to people, per question kind of the content schema."""
from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime, time
from typing import Any, Protocol

from core.content.schema import Content, Question
from core.dates import format_date, format_time
from core.ui import Attachment


class StoredAnswer(Protocol):
    """An answer row: the question it answers and its value."""

    question_id: str
    value: Any


def by_question(answers: Iterable[StoredAnswer]) -> dict[str, Any]:
    """A run's answers by question id."""
    return {a.question_id: a.value for a in answers}


def media_items(value: Any) -> list[dict]:
    return [item for item in value if isinstance(item, dict)] if isinstance(value, list) else []


def attachments_of(value: Any) -> list[Attachment]:
    return [Attachment(i["kind"], i["file_id"], i.get("caption")) for i in media_items(value)]


def format_number(value: float) -> str:
    return str(value).replace(".", ",")


def plain_number(value: float) -> str:
    """A bound as people write it: 10, 7,5."""
    return str(int(value)) if float(value).is_integer() else format_number(value)


def date_value(value: str) -> tuple[date, time | None]:
    """A date answer as stored: "2026-03-12", or "2026-03-12T08:00" when a time of day was given."""
    if "T" in value:
        moment = datetime.fromisoformat(value)
        return moment.date(), moment.time()
    return date.fromisoformat(value), None


def store_date(on_date: date, at: time | None) -> str:
    return datetime.combine(on_date, at).isoformat(timespec="minutes") if at else on_date.isoformat()


def format_date_answer(content: Content, value: str) -> str:
    """ "Kamis, 12 Maret 2026", or "Kamis, 12 Maret 2026, pukul 08.00" with a time."""
    on_date, at = date_value(value)
    if at is None:
        return format_date(on_date)
    return content.text("waktu.date_time", tanggal=format_date(on_date), jam=format_time(at))


def format_answer(content: Content, question: Question, value: Any) -> str:
    """Render a stored answer value for a review, summary, progress view or export."""
    if value is None or value == [] or value == "":
        return content.text("flow.skipped")
    labels = {o.id: o.label for o in question.options}
    if question.kind == "choice":
        return labels.get(value, str(value))
    if question.kind == "multi":
        return ", ".join(labels.get(v, str(v)) for v in value)
    if question.kind == "scale":
        low, _ = question.scale_range
        index = int(value) - low
        if question.scale_labels and 0 <= index < len(question.scale_labels):
            return f"{value} ({question.scale_labels[index]})"
        return str(value)
    if question.kind == "number":
        return format_number(value)
    if question.kind == "date":
        return format_date_answer(content, value)
    if question.kind == "media":
        items = media_items(value)
        captions = [i["caption"] for i in items if i.get("caption")]
        text = content.text("flow.media_count", count=len(items))
        return "\n".join([text] + [f"“{c}”" for c in captions])
    return str(value)

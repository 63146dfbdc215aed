"""Moving through a run: answers from text, media and buttons; Lewati, Kembali, review and Ubah."""
from __future__ import annotations

import logging
import re
from datetime import date, datetime, timedelta
from typing import Any, Literal

from core.answers import by_question, date_value, media_items, plain_number, store_date
from core.clock import Clock
from core.content.schema import Question
from core.dates import format_date
from core.ids import parse_id
from core.parsing import parse_date_time, parse_number
from core.ui import Button, Incoming, Reply
from core.zones import local_today
from flows.callbacks import REVIEW_QUESTION, RunAction
from flows.render import (
    LIMIT, Walk, answered_reply, edit_picker, keeps_answer, media_kinds, question_buttons, question_reply, review_replies,
    tg_len,
)
from flows.runs import ASKING, EDITING, REVIEW, drop_answer, save_answer
from store.models import Person

log = logging.getLogger(__name__)

# A text longer than Telegram's limit (4096 UTF-16 units) is cut by the app into several messages: the
# Android app cuts at the limit, Telegram Desktop at the best break (paragraph, line, sentence, word) in
# the second half of it. So every part but the last is longer than half the limit, and a part together
# with the next one is longer than the limit; CUT_TRIM allows for the whitespace trimmed at the cut. The
# parts arrive back to back, within a second or two (PASTE_WINDOW leaves room for a slow connection):
# less than anyone takes to read the next question and answer it. Any other text answers the current
# question, however quickly it follows.
CUT_TRIM = 32
PART_MIN = LIMIT // 2 - CUT_TRIM
PASTE_WINDOW = timedelta(seconds=5)
FINISH_WORDS = {"selesai", "lanjut"}
_SMALL_INT = re.compile(r"-?[0-9]{1,3}")

# How an answer was given, and so how it is confirmed: a pressed button's message is replaced by the
# question with the answer; a typed button label gets the answer as a note above the next question.
How = Literal["pressed", "typed"] | None
PRESSED: How = "pressed"
TYPED: How = "typed"


class Step:
    """One update applied to a claimed run; collects the replies."""

    def __init__(self, walk: Walk, person: Person, clock: Clock) -> None:
        self.walk, self.person, self.clock = walk, person, clock
        self.run = walk.run
        self.answers: dict[str, Any] = by_question(self.run.answers)

    # state ---------------------------------------------------------------
    def set_state(self, **values: Any) -> None:
        state = {k: v for k, v in {**self.run.state, **values}.items() if v is not None}
        self.run.state = state

    def save(self, q: Question, value: Any) -> None:
        save_answer(self.run, q.id, value, self.walk.content.version, self.clock.now())
        self.answers[q.id] = value

    def drop(self, q: Question) -> None:
        drop_answer(self.run, q.id)
        self.answers.pop(q.id, None)

    def current(self) -> Question | None:
        return self.walk.question(self.run.cursor) if self.run.mode in (ASKING, EDITING) else None

    # positions -----------------------------------------------------------
    def enter(self, q: Question) -> None:
        """Make `q` the question being asked, with fresh per-question state."""
        self.run.cursor = q.id
        ticks = list(self.answers.get(q.id) or []) if q.kind == "multi" else None
        self.run.state = {"ticks": ticks} if ticks is not None else {}

    def to_review(self, note: str | None = None) -> list[Reply]:
        self.run.mode, self.run.cursor, self.run.state = REVIEW, None, {}
        return ([Reply(note)] if note else []) + review_replies(self.walk, self.answers)

    def ask(self, q: Question, note: str | None = None, edit: bool = False) -> list[Reply]:
        return [question_reply(self.walk, q, self.answers, note=note, edit=edit)]

    def prompt(self, note: str | None = None) -> list[Reply]:
        """Repeat where the run stands: the current question, or the review."""
        q = self.current()
        if q is not None:
            return self.ask(q, note=note)
        replies = review_replies(self.walk, self.answers)
        if note:
            replies.insert(0, Reply(note))
        return replies

    def advance(self, note: str | None = None) -> list[Reply]:
        """After an answer: the next question, or the review (at the end or after an Ubah)."""
        q = self.current()
        if self.run.mode == EDITING or q is None:
            return self.to_review(note)
        index = self.walk.index(q.id) + 1
        if index >= len(self.walk.questions):
            return self.to_review(note)
        self.enter(self.walk.questions[index])
        return self.ask(self.walk.questions[index], note=note)

    def accept(self, q: Question, value: Any, how: How = None) -> list[Reply]:
        self.save(q, value)
        log.debug("run %s answered %s", self.run.id, q.id)
        return self.proceed(q, value, how)

    def proceed(self, q: Question, value: Any, how: How = None) -> list[Reply]:
        """Confirm the answer given (or kept) as `how` says, then ask the next question or show the review."""
        if how == PRESSED:
            return [answered_reply(self.walk, q, value)] + self.advance()
        note = self.walk.t("flow.chosen", answer=self.walk.answer_text(q, value)) if how == TYPED else None
        return self.advance(note)

    def retry(self, q: Question, key: str, **values: object) -> list[Reply]:
        return self.ask(q, note=self.walk.t(key, **values))

    # typed input -----------------------------------------------------------
    def on_input(self, incoming: Incoming) -> list[Reply]:
        if incoming.kind != "text":
            self.set_state(last_text=None)
        elif self.continues_paste(incoming):
            return self.on_paste_rest(incoming)
        else:
            self.set_state(last_text=self.text_mark(incoming, self.run.cursor, kept=False))
        q = self.current()
        if q is None:
            return self.once_per_album(incoming, [self.review_expected()])
        if incoming.kind == "text":
            return self.on_text(q, incoming)
        if incoming.kind == "media" and incoming.media is not None:
            return self.on_media(q, incoming)
        return self.expected(q)

    def once_per_album(self, incoming: Incoming, replies: list[Reply]) -> list[Reply]:
        """Answer a rejected album once, not once per item."""
        group = incoming.media_group_id
        if group is None:
            return replies
        if group == self.run.state.get("album_error"):
            return []
        self.set_state(album_error=group)
        return replies

    def review_expected(self) -> Reply:
        w = self.walk
        return Reply(w.t("flow.expect.review"), [[
            Button(w.t("flow.button.kirim"), w.data(REVIEW_QUESTION, "s")),
            Button(w.t("flow.button.ubah"), w.data(REVIEW_QUESTION, "e")),
        ]])

    def expected(self, q: Question) -> list[Reply]:
        if q.kind == "media":
            return self.retry(q, "flow.expect.media", kinds=media_kinds(self.walk, q))
        return self.retry(q, f"flow.expect.{q.kind}")

    # long pastes -------------------------------------------------------------
    @staticmethod
    def text_mark(incoming: Incoming, question_id: str | None, kept: bool) -> dict[str, Any]:
        """What the next text needs to know of this one, in case it is the first part of a cut paste."""
        return {"q": question_id, "at": incoming.sent_at.isoformat(), "units": tg_len(incoming.text or ""), "kept": kept}

    def continues_paste(self, incoming: Incoming) -> bool:
        """Whether this text is the next part of a long paste that Telegram cut (see PART_MIN)."""
        last = self.run.state.get("last_text") or {}
        units = last.get("units", 0)
        if units < PART_MIN:
            return False
        gap = incoming.sent_at - datetime.fromisoformat(last["at"])
        return timedelta(0) <= gap <= PASTE_WINDOW and units + tg_len(incoming.text or "") > LIMIT - CUT_TRIM

    def on_paste_rest(self, incoming: Incoming) -> list[Reply]:
        """Append the part to the answer its paste began; a paste refused as a whole is answered once."""
        last = self.run.state["last_text"]
        q = self.walk.question(last.get("q"))
        self.set_state(last_text={**last, "at": incoming.sent_at.isoformat(), "units": tg_len(incoming.text or "")})
        if not last.get("kept") or q is None or not isinstance(self.answers.get(q.id), str):
            return []  # the first part got the reply (wrong kind, too long, …); the rest of the paste adds nothing
        glue = "" if last["units"] >= LIMIT else "\n"  # cut at the limit, maybe mid-word; else at a trimmed break
        combined = f"{self.answers[q.id]}{glue}{(incoming.text or '').strip()}"
        n = self.walk.index(q.id) + 1
        if len(combined) > q.max_length:
            self.set_state(last_text={**self.run.state["last_text"], "kept": False})
            return self.prompt(note=self.walk.t("flow.paste_too_long", n=n, length=len(combined), max=q.max_length))
        self.save(q, combined)
        log.info("run %s: part of a cut paste joined to %s", self.run.id, q.id)
        return self.prompt(note=self.walk.t("flow.text_joined", n=n))

    # answers ----------------------------------------------------------------
    def on_text(self, q: Question, incoming: Incoming) -> list[Reply]:
        text = (incoming.text or "").strip()
        if q.kind == "text":  # no buttons to name: the text is the answer
            if not text:
                return self.retry(q, "flow.expect.required")
            if len(text) > q.max_length:
                return self.retry(q, "flow.expect.too_long", length=len(text), max=q.max_length)
            replies = self.accept(q, text)
            self.set_state(last_text=self.text_mark(incoming, q.id, kept=True))
            return replies
        action = self.named_button(q, text)
        if action is not None:
            return self.act(q, action, TYPED) or self.expected(q)
        if q.kind == "number":
            return self.on_number(q, text)
        if q.kind == "date":
            return self.on_date(q, text)
        if q.kind == "media" and text.lower() in FINISH_WORDS:
            return self.finish_media(q)
        return self.expected(q)

    def named_button(self, q: Question, text: str) -> str | None:
        """The action of the button a typed text names: a label shown (any case and spacing), or an option's number."""
        said = _plain_words(text)
        names: dict[str, str] = {}
        for row in question_buttons(self.walk, q, self.answers):
            for button in row:
                press = RunAction.unpack(button.data)
                if press is not None:
                    names.setdefault(_plain_words(button.label), press.action)
        if q.kind in ("choice", "multi"):
            verb = "c" if q.kind == "choice" else "t"
            for i, option in enumerate(q.options):
                names.setdefault(_plain_words(option.label), f"{verb}{i}")
            for i in range(len(q.options)):
                names.setdefault(str(i + 1), f"{verb}{i}")
        if q.kind == "scale":
            low, high = q.scale_range
            for i, label in enumerate(q.scale_labels):
                names.setdefault(_plain_words(label), f"v{i}")
            if _SMALL_INT.fullmatch(said) and low <= int(said) <= high:
                names.setdefault(said, f"v{int(said) - low}")
        return names.get(said)

    def on_number(self, q: Question, text: str) -> list[Reply]:
        value = parse_number(text)
        if value is None:
            return self.retry(q, "flow.expect.number")
        if (q.min is not None and value < q.min) or (q.max is not None and value > q.max):
            low = "-" if q.min is None else plain_number(q.min)
            high = "-" if q.max is None else plain_number(q.max)
            return self.retry(q, "flow.expect.number_range", min=low, max=high)
        return self.accept(q, value)

    def on_date(self, q: Question, text: str) -> list[Reply]:
        """A typed date (with a time of day where the question takes one), checked, then said back in words."""
        today = local_today(self.person, self.walk.content.default_tz, self.clock)
        found = parse_date_time(text, today)
        if found is None:
            return self.retry(q, "flow.expect.date_time" if q.with_time else "flow.expect.date")
        on_date, at = found
        value = store_date(on_date, at if q.with_time else None)
        if (problem := self.date_order_problem(q, on_date)) is not None:
            return self.ask(q, note=problem)
        if q.future and on_date < today:
            self.set_state(pending_date=value)
            reply = question_reply(self.walk, q, self.answers, note=self.walk.t("flow.date.past", tanggal=self.walk.answer_text(q, value)))
            reply.buttons.insert(0, [Button(self.walk.t("flow.button.date_ok"), self.walk.data(q.id, "y"))])
            return [reply]
        replies = self.accept(q, value)
        replies[0].text = f"{self.walk.t('flow.date.understood', tanggal=self.walk.answer_text(q, value))}\n\n{replies[0].text}"
        return replies

    def confirm_date(self, q: Question) -> list[Reply] | None:
        """The person confirms a past date they typed; None when no date waits for it (stale)."""
        value = self.run.state.get("pending_date")
        return None if value is None else self.accept(q, value, PRESSED)

    def date_order_problem(self, q: Question, on_date: date) -> str | None:
        """Why the date breaks the order the flow's dates must keep (not_before), if it does."""
        for other in self.walk.questions:
            if other.id == q.id or other.kind != "date" or not self.answers.get(other.id):
                continue
            other_date = date_value(self.answers[other.id])[0]
            key = ("flow.date.too_early" if q.not_before == other.id and on_date < other_date
                   else "flow.date.too_late" if other.not_before == q.id and on_date > other_date else None)
            if key is not None:
                return self.walk.t(key, tanggal=format_date(on_date), pertanyaan=self.walk.question_text(other),
                                   batas=format_date(other_date))
        return None

    def on_media(self, q: Question, incoming: Incoming) -> list[Reply]:
        media = incoming.media
        if q.kind != "media" or media.kind not in q.media:
            return self.once_per_album(incoming, self.expected(q))
        items = media_items(self.run.state.get("items")) + [{"kind": media.kind, "file_id": media.file_id, "caption": media.caption}]
        same_album = incoming.media_group_id is not None and incoming.media_group_id == self.run.state.get("album")
        self.set_state(items=items, album=incoming.media_group_id)
        if same_album:
            return []  # one reply per album, sent for its first item
        key = "flow.album_received" if incoming.media_group_id else "flow.media_received"
        lanjut = Button(self.walk.t("flow.button.lanjut"), self.walk.data(q.id, "l"))
        return [Reply(self.walk.t(key, count=len(items)), [[lanjut]])]

    def finish_media(self, q: Question, how: How = None) -> list[Reply]:
        items = media_items(self.run.state.get("items"))
        if items:
            return self.accept(q, items, how)
        if q.id in self.answers:
            return self.proceed(q, self.answers[q.id], how)
        if q.required:
            return self.retry(q, "flow.expect.media_first")
        return self.skip(q, how)

    # buttons -----------------------------------------------------------------
    def on_press(self, question_id: str, action: str) -> list[Reply] | None:
        """Apply a run button; None when the press does not fit where the run stands (stale)."""
        if question_id == REVIEW_QUESTION:
            return self.on_review_press(action) if self.run.mode == REVIEW else None
        if action == "u":
            q = self.walk.question(question_id)
            if self.run.mode != REVIEW or q is None:
                return None
            self.run.mode = EDITING
            self.enter(q)
            return self.ask(q)
        q = self.current()
        if q is None or q.id != question_id:
            return None
        self.set_state(last_text=None)
        return self.act(q, action, PRESSED)

    def act(self, q: Question, action: str, how: How) -> list[Reply] | None:
        """Do what the question's button `action` does (pressed, or its label typed); None if it has no such button."""
        verb, arg = action[:1], action[1:]
        if verb == "c" and q.kind == "choice" and (i := _index(arg, len(q.options))) is not None:
            return self.accept(q, q.options[i].id, how)
        if verb == "v" and q.kind == "scale":
            low, high = q.scale_range
            if (i := _index(arg, high - low + 1)) is not None:
                return self.accept(q, low + i, how)
        if verb == "t" and q.kind == "multi" and (i := _index(arg, len(q.options))) is not None:
            return [self.toggle(q, q.options[i].id, edit=how == PRESSED)]
        if verb == "d" and q.kind == "multi":
            return self.finish_multi(q, how)
        if verb == "l" and q.kind == "media":
            return self.finish_media(q, how)
        if verb == "l" and keeps_answer(self.walk, q, self.answers):
            return self.proceed(q, self.answers[q.id], how)
        if verb == "k" and not q.required:
            return self.skip(q, how)
        if verb == "y" and q.kind == "date":
            return self.confirm_date(q)
        if verb == "b":
            return self.back(q, edit=how == PRESSED)
        return None

    def toggle(self, q: Question, option_id: str, edit: bool = True) -> Reply:
        ticks = list(self.run.state.get("ticks", []))
        ticks = [t for t in ticks if t != option_id] if option_id in ticks else ticks + [option_id]
        order = [o.id for o in q.options]
        self.set_state(ticks=sorted(ticks, key=order.index))
        return question_reply(self.walk, q, self.answers, edit=edit)

    def finish_multi(self, q: Question, how: How = None) -> list[Reply]:
        ticks = list(self.run.state.get("ticks", []))
        if ticks:
            return self.accept(q, ticks, how)
        if q.required:
            return self.retry(q, "flow.expect.multi_none")
        return self.skip(q, how)

    def skip(self, q: Question, how: How = None) -> list[Reply]:
        self.drop(q)
        return self.proceed(q, None, how)

    def back(self, q: Question, edit: bool = True) -> list[Reply]:
        if self.run.mode == EDITING:
            return self.to_review()
        index = self.walk.index(q.id)
        if not index:
            return self.ask(q, edit=edit)
        previous = self.walk.questions[index - 1]
        self.enter(previous)
        return self.ask(previous, edit=edit)

    def on_review_press(self, action: str) -> list[Reply] | None:
        if action == "e":
            return [edit_picker(self.walk)]
        if action == "r":
            return review_replies(self.walk, self.answers)
        return None

    def missing(self) -> Question | None:
        """The first required question without an answer (content may have changed since)."""
        return next((q for q in self.walk.questions if q.required and q.id not in self.answers), None)

    def ask_missing(self, q: Question) -> list[Reply]:
        self.run.mode = EDITING
        self.enter(q)
        return self.ask(q, note=self.walk.t("flow.missing_required"))


def _index(arg: str, size: int) -> int | None:
    index = parse_id(arg)
    return index if index is not None and index < size else None


def _plain_words(text: str) -> str:
    """Text compared without case or extra spaces, as people type a button's label."""
    return " ".join(text.casefold().split())

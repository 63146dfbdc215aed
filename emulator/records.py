"""What tests read back: messages the bot sent and callback queries it answered."""
from __future__ import annotations

import base64
from dataclasses import asdict, dataclass, field, fields
from typing import Any


@dataclass
class SentMessage:
    """A message the bot sent to a chat, in its current state (after edits)."""

    chat_id: int
    message_id: int
    kind: str  # text, photo, document, voice, video, audio, location
    text: str | None  # text or caption as the user sees it (markup removed)
    date: int
    buttons: list[list[tuple[str, str | None]]] = field(default_factory=list)  # (label, callback_data)
    keyboard: list[list[str]] | None = None  # reply keyboard sent with this message
    remove_keyboard: bool = False
    disable_notification: bool = False
    parse_mode: str | None = None
    reply_to_message_id: int | None = None
    media_group_id: str | None = None
    file_id: str | None = None
    filename: str | None = None
    content: bytes | None = None
    paid_broadcast: bool = False  # sent with allow_paid_broadcast
    billed: bool = False  # a paid broadcast beyond the free 30/s: 0.1 Star from the bot's balance
    history: list[str | None] = field(default_factory=list)  # earlier texts, oldest first
    deleted: bool = False
    raw: dict[str, Any] = field(default_factory=dict)  # the Message object as the Bot API returns it

    @property
    def edited(self) -> bool:
        return bool(self.history)

    @property
    def labels(self) -> list[str]:
        """Return every inline button label, row by row."""
        return [label for row in self.buttons for label, _ in row]

    def data_for(self, label: str) -> str | None:
        """Return the callback data of the button labelled `label` (exact, else substring)."""
        pairs = [pair for row in self.buttons for pair in row]
        for text, data in pairs:
            if text == label:
                return data
        for text, data in pairs:
            if label in text:
                return data
        raise LookupError(f"no button {label!r} on message {self.message_id}; buttons: {self.labels}")

    def to_json(self) -> dict[str, Any]:
        """Return a JSON-safe dict (bytes as base64)."""
        data = asdict(self)
        data["content"] = base64.b64encode(self.content).decode() if self.content is not None else None
        return data

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> SentMessage:
        values = {f.name: data[f.name] for f in fields(cls) if f.name in data}
        values["buttons"] = [[(text, cb) for text, cb in row] for row in values.get("buttons", [])]
        if values.get("content") is not None:
            values["content"] = base64.b64decode(values["content"])
        return cls(**values)


@dataclass(frozen=True)
class AnsweredCallback:
    """An answerCallbackQuery call, with the press it answered."""

    callback_query_id: str
    user_id: int
    data: str | None
    text: str | None
    show_alert: bool
    url: str | None = None

"""Plain UI values: what a person sent (Incoming) and what we answer (Reply, Button, Attachment); bot/ renders them."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal


@dataclass(frozen=True)
class Button:
    label: str
    data: str  # callback data packed by a core.callbacks class: at most 64 bytes, namespaced ("f:", "r:", "s:", "j:", "b:", "p:")


@dataclass(frozen=True)
class Attachment:
    kind: str  # photo | document | voice | video | audio
    file_id: str
    caption: str | None = None


@dataclass
class Reply:
    text: str
    buttons: list[list[Button]] = field(default_factory=list)
    attachments: list[Attachment] = field(default_factory=list)
    file: tuple[str, bytes] | None = None  # (file name, content) sent as a document
    edit: bool = False  # replace the message whose button was pressed
    photo: tuple[str, bytes] | None = None  # (file name, PNG) sent as a photo after the text (a chart)


IncomingKind = Literal["text", "media", "other"]


@dataclass(frozen=True)
class Incoming:
    """A message: a text, a media item (a document with its name and size), or anything else (sticker, location…)."""

    kind: IncomingKind
    sent_at: datetime
    text: str | None = None
    media: Attachment | None = None
    media_group_id: str | None = None
    file_name: str | None = None
    file_size: int | None = None

"""Plain reply data returned by flows/ and scheduler/ and rendered by bot/."""
from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Button:
    label: str
    data: str  # callback data, at most 64 bytes, namespaced ("f:", "r:", "s:", "b:", "j:")


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

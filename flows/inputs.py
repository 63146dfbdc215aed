"""What a person sent, as plain data the engine understands (built by bot/ from an update)."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from flows.replies import Attachment

IncomingKind = Literal["text", "button", "media", "other"]


@dataclass(frozen=True)
class Incoming:
    """One update: a text, a button press (data), a media item, or anything else (sticker, location…)."""

    kind: IncomingKind
    sent_at: datetime
    text: str | None = None
    data: str | None = None
    media: Attachment | None = None
    media_group_id: str | None = None

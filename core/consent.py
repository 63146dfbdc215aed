"""The privacy notice's version: a digest of its wording, so changed wording asks everyone again."""
from __future__ import annotations

import functools
import hashlib

from core.content.schema import Content

NOTICE_KEY = "privacy.notice"


@functools.lru_cache(maxsize=8)
def digest(wording: str) -> str:
    return hashlib.sha256(wording.encode()).hexdigest()[:12]


def notice_version(content: Content) -> str | None:
    """None when the content has no notice (then nobody is asked)."""
    wording = content.texts.get(NOTICE_KEY)
    return digest(wording) if wording is not None else None


def agreed(content: Content, consent_version: str | None, role: str) -> bool:
    """Whether a person agreed to the current notice; a koordinator runs the program and is not asked."""
    current = notice_version(content)
    return role == "koordinator" or current is None or consent_version == current

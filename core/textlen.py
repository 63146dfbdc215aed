"""Text lengths as Telegram counts them (UTF-16 code units) and its limit for one message."""
from __future__ import annotations

LIMIT = 4096  # UTF-16 code units in one message


def tg_len(text: str) -> int:
    """Length as Telegram counts it (UTF-16 code units)."""
    return len(text.encode("utf-16-le")) // 2


def shorten(text: str, limit: int) -> str:
    """The text on one line, cut to at most `limit` UTF-16 units with "…" where it was cut."""
    text = " ".join(text.split())
    if tg_len(text) <= limit:
        return text
    kept, units = [], 0
    for char in text:
        units += tg_len(char)
        if units > limit - 1:
            break
        kept.append(char)
    return "".join(kept).rstrip() + "…"

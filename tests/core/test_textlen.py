"""Lengths as Telegram counts them, and shortening to a number of those units."""
from __future__ import annotations

from core.textlen import shorten, tg_len


def test_emoji_count_twice() -> None:
    assert (len("🙂a"), tg_len("🙂a")) == (2, 3)


def test_shorten_keeps_short_text_on_one_line() -> None:
    assert shorten("  Rencana\n tindak   lanjut ", 40) == "Rencana tindak lanjut"


def test_shorten_cuts_by_utf16_units_and_marks_the_cut() -> None:
    assert shorten("abc 🙂🙂🙂", 6) == "abc…"  # "abc 🙂" is 6 units and "…" needs one more; no space before it
    assert shorten("abcdefgh", 5) == "abcd…" and tg_len(shorten("🙂" * 10, 7)) <= 7

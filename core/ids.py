"""Reading ids and small numbers out of button data, which anyone can forge."""
from __future__ import annotations

MAX_ID = 2**31 - 1  # PostgreSQL INTEGER, the type of our primary keys
_MAX_DIGITS = 10  # enough for MAX_ID in base 10; fewer are needed in base 36


def parse_id(text: str, base: int = 10, limit: int = MAX_ID) -> int | None:
    """The non-negative integer written in `text` (ASCII digits, base-36 letters), or None if malformed or above `limit`.

    `int()` alone accepts signs, spaces, underscores and non-ASCII digits ("²" passes `isdigit()` and
    then fails `int()`), and an unbounded number overflows the database's integer column.
    """
    if not text or len(text) > _MAX_DIGITS or not (text.isascii() and text.isalnum()):
        return None
    try:
        value = int(text, base)
    except ValueError:
        return None
    return value if value <= limit else None

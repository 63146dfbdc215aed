"""Validate reply_markup and extract what a user sees of it."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from emulator.errors import bad_request

_INLINE_ACTIONS = (
    "callback_data", "url", "web_app", "login_url", "switch_inline_query",
    "switch_inline_query_current_chat", "switch_inline_query_chosen_chat", "copy_text",
    "callback_game", "pay",
)


@dataclass(frozen=True)
class Markup:
    """A message's reply_markup split into the parts Telegram treats differently."""

    inline: dict[str, Any] | None = None  # echoed in the Message object
    keyboard: list[list[str]] | None = None  # reply keyboard shown under the input field
    remove_keyboard: bool = False

    @property
    def buttons(self) -> list[list[tuple[str, str | None]]]:
        """Return the inline keyboard as rows of (label, callback_data)."""
        if not self.inline:
            return []
        return [
            [(button["text"], button.get("callback_data")) for button in row]
            for row in self.inline["inline_keyboard"]
        ]


def parse_markup(value: Any) -> Markup:
    """Validate a decoded reply_markup object the way Telegram does."""
    if value is None:
        return Markup()
    if not isinstance(value, dict):
        raise bad_request("can't parse reply keyboard markup JSON object")
    if "inline_keyboard" in value:
        return Markup(inline={"inline_keyboard": _inline_rows(value["inline_keyboard"])})
    if "keyboard" in value:
        rows = value["keyboard"]
        if not isinstance(rows, list) or not all(isinstance(row, list) for row in rows):
            raise bad_request("field \"keyboard\" of the ReplyKeyboardMarkup must be an Array")
        labels = [[b if isinstance(b, str) else b.get("text", "") for b in row] for row in rows]
        return Markup(keyboard=labels)
    if value.get("remove_keyboard"):
        return Markup(remove_keyboard=True)
    if value.get("force_reply"):
        return Markup()
    raise bad_request("can't parse reply keyboard markup JSON object")


def _inline_rows(rows: Any) -> list[list[dict[str, Any]]]:
    if not isinstance(rows, list) or not all(isinstance(row, list) for row in rows):
        raise bad_request("field \"inline_keyboard\" of the InlineKeyboardMarkup must be an Array")
    clean = []
    for row in rows:
        clean_row = []
        for button in row:
            if not isinstance(button, dict) or not button.get("text"):
                raise bad_request("can't parse inline keyboard button: Text buttons are unallowed in the inline keyboard")
            if not any(key in button for key in _INLINE_ACTIONS):
                raise bad_request("can't parse inline keyboard button: Text buttons are unallowed in the inline keyboard")
            data = button.get("callback_data")
            if data is not None and not 1 <= len(str(data).encode()) <= 64:
                raise bad_request("BUTTON_DATA_INVALID")
            clean_row.append({key: val for key, val in button.items() if val is not None})
        clean.append(clean_row)
    return clean

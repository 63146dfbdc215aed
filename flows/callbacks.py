"""Callback data of the flow engine ("f:…"), at most 64 bytes.

f:s:<flow>             open a flow from the menu (self flows) or its mentee picker
f:m:<flow>:<mentee>    open a flow about one mentee
f:r:<run>:<qid>:<act>  act on a question of a run; qid "~" is the review
Ids are base 36 to stay under Telegram's limit with 48-character question ids.
"""
from __future__ import annotations

from dataclasses import dataclass

from core.ids import parse_id

PREFIX = "f:"
REVIEW = "~"
MAX_BYTES = 64


def _b36(number: int) -> str:
    digits = "0123456789abcdefghijklmnopqrstuvwxyz"
    out = ""
    while True:
        number, rest = divmod(number, 36)
        out = digits[rest] + out
        if not number:
            return out


def _checked(data: str) -> str:
    if len(data.encode()) > MAX_BYTES:
        raise ValueError(f"callback data over {MAX_BYTES} bytes: {data!r}")
    return data


def open_flow(flow_id: str) -> str:
    return _checked(f"f:s:{flow_id}")


def open_for_mentee(flow_id: str, mentee_id: int) -> str:
    return _checked(f"f:m:{flow_id}:{_b36(mentee_id)}")


def run_action(run_id: int, question_id: str, action: str) -> str:
    return _checked(f"f:r:{_b36(run_id)}:{question_id}:{action}")


@dataclass(frozen=True)
class Press:
    """A decoded "f:" button press."""

    verb: str  # "s" | "m" | "r"
    flow_id: str | None = None
    mentee_id: int | None = None
    run_id: int | None = None
    question_id: str | None = None
    action: str | None = None


def decode(data: str) -> Press | None:
    """Decode flow callback data; None when it is malformed (a forged id, an empty part, an oversized number)."""
    parts = data.split(":")
    if parts[:2] == ["f", "s"] and len(parts) == 3 and parts[2]:
        return Press("s", flow_id=parts[2])
    if parts[:2] == ["f", "m"] and len(parts) == 4 and parts[2]:
        mentee_id = parse_id(parts[3], 36)
        return None if mentee_id is None else Press("m", flow_id=parts[2], mentee_id=mentee_id)
    if parts[:2] == ["f", "r"] and len(parts) == 5 and parts[3] and parts[4]:
        run_id = parse_id(parts[2], 36)
        return None if run_id is None else Press("r", run_id=run_id, question_id=parts[3], action=parts[4])
    return None

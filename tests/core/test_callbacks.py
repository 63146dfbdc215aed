"""The typed callback codec: pack/unpack round trips, the 64-byte check, and forged data refused in one place."""
from __future__ import annotations

import enum
from dataclasses import dataclass

import pytest

from core.callbacks import B36, CallbackData, Namespace, Rest
from core.ids import MAX_ID


class Colour(enum.StrEnum):
    red = "red"
    blue = "blue"


@dataclass(frozen=True)
class Plain(CallbackData, prefix="t:p"):
    pass


@dataclass(frozen=True)
class Run(CallbackData, prefix="t:r"):
    run_id: B36
    question_id: str
    action: str


@dataclass(frozen=True)
class Page(CallbackData, prefix="t:p"):
    number: int


@dataclass(frozen=True)
class Paint(CallbackData, prefix="t:c"):
    colour: Colour
    days: int


@dataclass(frozen=True)
class Ack(CallbackData, prefix="t:a"):
    key: Rest


SPACE = Namespace("t", Plain, Page, Run, Paint, Ack)


@pytest.mark.parametrize("value, data", [
    (Plain(), "t:p"),
    (Page(12), "t:p:12"),
    (Run(36 * 36, "refleksi", "c0"), "t:r:100:refleksi:c0"),
    (Paint(Colour.blue, 14), "t:c:blue:14"),
    (Ack("feedback:3"), "t:a:feedback:3"),
])
def test_values_pack_to_their_data_and_back(value, data):
    assert value.pack() == data
    assert type(value).unpack(data) == value
    assert SPACE.unpack(data) == value
    assert type(value).pattern().match(data)


@pytest.mark.parametrize("data", [
    "", "t", "t:", "x:p", "t:p:", "t:p:1:2", "t:pp", "t:p: 1", "t:p:-1", "t:p:1²", "t:p:+1", f"t:p:{MAX_ID + 1}",
    "t:r:zzzzzzzzzzzzzz:q:c0", "t:r:1:q", "t:r:1::c0", "t:r:1:q:", "t:r:1:q:c0:extra",
    "t:c:green:3", "t:c:red:", "t:c:RED:3", "t:a:", "t:z",
])
def test_malformed_or_forged_data_unpacks_to_none(data):
    assert SPACE.unpack(data) is None


def test_numbers_stay_within_the_database_id_range():
    assert Page.unpack(f"t:p:{MAX_ID}") == Page(MAX_ID)
    assert Page.unpack(f"t:p:{MAX_ID + 1}") is None


def test_data_over_64_bytes_is_refused_when_packed():
    assert len(Run(MAX_ID, "q" * 48, "c10").pack()) <= 64
    with pytest.raises(ValueError, match="64 bytes"):
        Run(1, "q" * 60, "c0").pack()


@pytest.mark.parametrize("value", [Run(1, "a:b", "c0"), Run(1, "", "c0"), Page(-1)])
def test_values_that_would_not_unpack_are_refused_when_packed(value):
    with pytest.raises(ValueError):
        value.pack()


def test_a_namespace_owns_its_prefix_only():
    assert SPACE.pattern().match("t:anything") and not SPACE.pattern().match("tx:1")
    assert SPACE.owns("t:") and not SPACE.owns(None) and not SPACE.owns("")
    with pytest.raises(ValueError):
        Namespace("u", Page)

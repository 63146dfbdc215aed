"""Word templates under content/templates: their names, what each is rendered with, rendering, checking.

A template is a .docx a koordinator edits in Word; its text holds Jinja tags ({{ mentee }},
{%p for entry in section.entries %} … {%p endfor %}) that docxtpl fills. reports/documents.py builds
the real values; SAMPLES holds one example of every variable each template gets, so the content
check renders each template before the bot starts and a broken one names its file and problem.
"""
from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Mapping
from functools import lru_cache
from typing import Any

import jinja2
from jinja2.sandbox import SandboxedEnvironment
from docx.opc.exceptions import PackageNotFoundError
from docxtpl import DocxTemplate, Listing
from lxml import etree

TEMPLATES_DIR = "templates"
JURNAL = "jurnal_pendampingan.docx"
KELOMPOK = "jurnal_kelompok.docx"
PANDUAN = "panduan_pi.docx"
TEMPLATE_NAMES = (JURNAL, KELOMPOK, PANDUAN)

# Characters XML 1.0 cannot hold (a pasted answer may carry them); tab and newline stay.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
_ENV = SandboxedEnvironment(autoescape=True, undefined=jinja2.StrictUndefined)  # a template cannot reach Python

_ENTRY = {"number": 1, "question": "Bagaimana perkembangan CGP?", "mark": "", "answer": "Baris pertama\nbaris kedua"}
_SECTION = {"title": "Perkembangan CGP", "entries": [_ENTRY]}
_DATED = {"number": 1, "text": "Menyerahkan RPP", "date": "Senin, 11 Januari 2027",
          "line": "Menyerahkan RPP — Senin, 11 Januari 2027"}
_JURNAL = {
    "pp": "Budi Santoso", "mentee": "Ani Lestari", "school": "SD Negeri 1 Contoh", "cohort": "Angkatan 9",
    "pi": 3, "theme": "Implementasi Pembelajaran yang Berpihak pada Murid", "date": "Kamis, 7 Januari 2027",
    "provisional_note": "", "sections": [_SECTION], "rtl": [_DATED],
}
_GROUP_JURNAL = {k: _JURNAL[k] for k in ("mentee", "school", "date", "sections", "rtl")} | {
    "number": 1, "next_rtl": "Menyerahkan RPP — Senin, 11 Januari 2027"}
_PART = {"heading": "1. Bagian awal pendampingan (20 menit)", "description": "", "checklist": ["Menyapa CGP"],
         "questions": ["Apa saja proses yang sudah berjalan?"]}
SAMPLES: dict[str, dict[str, Any]] = {
    JURNAL: _JURNAL,
    KELOMPOK: {
        "pp": "Budi Santoso", "cohort": "Angkatan 9", "pi": 3, "theme": _JURNAL["theme"], "date": "Jumat, 8 Januari 2027",
        "provisional_note": "", "done": 1, "total": 2, "missing": "Citra", "jurnals": [_GROUP_JURNAL],
    },
    PANDUAN: {
        "pi": 3, "title": "Pendampingan Individu 3", "theme": _JURNAL["theme"], "timing": "Kurun waktu seminggu sebelum lokakarya 3",
        "assessment": "Refleksi CGP", "date": "Kamis, 7 Januari 2027", "provisional_note": "",
        "focus": ["Diskusi rencana menerapkan pembelajaran sosial-emosional"], "prepare": ["Lembar umpan balik di-input ke LMS"],
        "parts": [_PART],
        "mentee": {
            "name": "Ani Lestari", "school": "SD Negeri 1 Contoh", "reflection_status": "terkirim Senin, 4 Januari 2027",
            "reflection": [_SECTION], "last_rtl": [_DATED], "aksi_nyata": [_ENTRY], "feedback_360": "sudah selesai",
            "agreed_dates": [_DATED],
        },
    },
}


class TemplateError(Exception):
    """A template that cannot be rendered; the message says why, for a koordinator."""


def render(template: bytes, context: Mapping[str, Any]) -> bytes:
    """The .docx made from a template and plain values (text with line breaks keeps them)."""
    try:
        document = DocxTemplate(io.BytesIO(template))
        document.render(_prepared(context), jinja_env=_ENV)
    except jinja2.TemplateError as exc:
        raise TemplateError(_describe(exc)) from exc
    except (zipfile.BadZipFile, PackageNotFoundError, KeyError, ValueError, etree.XMLSyntaxError) as exc:
        raise TemplateError(f"not a Word document (.docx): {exc}") from exc
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


@lru_cache(maxsize=32)
def problem(name: str, data: bytes) -> str | None:
    """Why this template does not render with its sample values; None when it does."""
    try:
        render(data, SAMPLES[name])
    except TemplateError as exc:
        return str(exc)
    return None


def _prepared(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {key: _prepared(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_prepared(item) for item in value]
    if isinstance(value, str):
        value = _NOT_XML.sub("", value)
        return Listing(value) if "\n" in value else value  # Listing: escaped, "\n" becomes a line break
    return value


def _describe(exc: jinja2.TemplateError) -> str:
    reason = exc.message or type(exc).__name__
    near = list(getattr(exc, "docx_context", None) or [])
    lineno = getattr(exc, "lineno", None)
    if near and lineno:
        index = min(lineno - 1 - max(lineno - 4, 0), len(near) - 1)
        text = " ".join(near[index].split())
        if text:
            return f'{reason} (near "{text}")'
    return reason

"""The content check renders each Word template with sample values; a broken one names its file and problem."""
from __future__ import annotations

import io
import shutil
from pathlib import Path

import docx
import pytest

from core.content import ContentError, load_content
from core.content.templates import TEMPLATE_NAMES


@pytest.fixture
def copy(tmp_path: Path, content_dir: Path) -> Path:
    target = tmp_path / "content"
    shutil.copytree(content_dir, target, ignore=shutil.ignore_patterns("examples", "README.md"))
    return target


def _add_paragraph(path: Path, text: str) -> None:
    document = docx.Document(path)
    document.add_paragraph(text)
    document.save(path)


def _problems(root: Path) -> list[str]:
    with pytest.raises(ContentError) as raised:
        load_content(root)
    return [str(p) for p in raised.value.problems]


def test_shipped_templates_load(content_dir: Path) -> None:
    assert sorted(load_content(content_dir).templates) == sorted(TEMPLATE_NAMES)


def test_a_broken_tag_names_the_file_and_the_place(copy: Path) -> None:
    _add_paragraph(copy / "templates/jurnal_pendampingan.docx", "{%p for catatan in %}")
    (problem,) = _problems(copy)
    assert problem.startswith("content/templates/jurnal_pendampingan.docx:1: (top): template does not render: "
                              "Expected an expression, got 'end of statement block' (near \"")
    assert problem.endswith('{% for catatan in %}")')  # the text around the tag, as docxtpl reads it


def test_an_unknown_value_is_named(copy: Path) -> None:
    _add_paragraph(copy / "templates/panduan_pi.docx", "Kepala sekolah: {{ kepala_sekolah }}")
    assert _problems(copy) == ["content/templates/panduan_pi.docx:1: (top): template does not render: 'kepala_sekolah' is undefined"]


def test_an_unclosed_loop_is_found(copy: Path) -> None:
    _add_paragraph(copy / "templates/jurnal_kelompok.docx", "{%p for j in jurnals %}")
    (problem,) = _problems(copy)
    assert problem.startswith("content/templates/jurnal_kelompok.docx:1: (top): template does not render: Unexpected end of template")


def test_a_file_that_is_not_a_word_document(copy: Path) -> None:
    (copy / "templates/panduan_pi.docx").write_text("bukan dokumen Word", encoding="utf-8")
    (problem,) = _problems(copy)
    assert problem.startswith("content/templates/panduan_pi.docx:1: (top): template does not render: not a Word document (.docx)")


def test_another_office_file_is_not_a_word_document(copy: Path, content_dir: Path) -> None:
    shutil.copy(content_dir / "examples/roster.xlsx", copy / "templates/jurnal_pendampingan.docx")
    (problem,) = _problems(copy)
    assert problem.startswith("content/templates/jurnal_pendampingan.docx:1: (top): template does not render: not a Word document (.docx)")


def test_a_template_cannot_reach_python(copy: Path) -> None:
    _add_paragraph(copy / "templates/jurnal_pendampingan.docx", "{{ mentee.__class__.__mro__ }}")
    (problem,) = _problems(copy)
    assert "template does not render" in problem and "unsafe" in problem


def test_a_missing_template(copy: Path) -> None:
    (copy / "templates/jurnal_kelompok.docx").unlink()
    assert _problems(copy) == ["content/templates/jurnal_kelompok.docx:1: (top): file missing"]


def test_content_without_a_templates_folder_has_no_documents(copy: Path) -> None:
    shutil.rmtree(copy / "templates")
    assert load_content(copy).templates == {}


def test_a_changed_template_changes_the_content_version(copy: Path, content_dir: Path) -> None:
    _add_paragraph(copy / "templates/jurnal_pendampingan.docx", "Catatan untuk {{ mentee }}")
    changed = load_content(copy)
    assert changed.version != load_content(content_dir).version
    assert "Catatan untuk" in docx.Document(io.BytesIO(changed.templates["jurnal_pendampingan.docx"])).paragraphs[-1].text

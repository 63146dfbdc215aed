"""The roster texts load through the content loader and render with the real Content."""
from __future__ import annotations

import shutil

from core.content.loader import load_content
from roster.report import RosterError, RowProblem
from tests.roster.conftest import ROSTER_TEXTS


def test_roster_texts_load_and_render_with_content(tmp_path):
    (tmp_path / "flows").mkdir()
    (tmp_path / "texts").mkdir()
    (tmp_path / "reminders.yaml").write_text("rules: []\n")
    (tmp_path / "calendar.yaml").write_text("lokakarya: []\n")
    shutil.copy(ROSTER_TEXTS, tmp_path / "texts" / "roster.yaml")
    content = load_content(tmp_path)
    assert all(key.startswith("roster.") for key in content.texts)
    error = RosterError([RowProblem(4, "peran", "unknown_role", {"value": "dosen"}), RowProblem(None, None, "file_xls")])
    lines = error.report(content).splitlines()
    assert lines[0].startswith("Daftar peserta TIDAK diimpor karena ada 2 masalah")
    assert lines[1].startswith("• Format .xls lama")
    assert lines[2].startswith('• Baris 4, kolom peran: peran "dosen" tidak dikenal.')

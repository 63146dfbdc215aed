"""`content check` prints an OK summary or every problem, with the matching exit code."""
from __future__ import annotations

import io
import shutil
from pathlib import Path

from core.content import load_content
from core.content.check import check


def test_shipped_content_passes(content_dir: Path) -> None:
    out = io.StringIO()
    assert check(content_dir, out) == 0
    version = load_content(content_dir).version
    assert out.getvalue().startswith("Konten valid: 40 alur, ")
    assert out.getvalue().rstrip().endswith(f"versi {version}")


def test_broken_content_fails_with_each_problem(content_dir: Path, tmp_path: Path) -> None:
    broken = tmp_path / "content"
    shutil.copytree(content_dir, broken)
    pi1 = broken / "flows" / "pi1.yaml"
    pi1.write_text(pi1.read_text(encoding="utf-8").replace("audience: [cgp]", "audience: [cgp, murid]"), encoding="utf-8")
    rules = broken / "reminders.yaml"
    rules.write_text(rules.read_text(encoding="utf-8").replace("flow: pi1\n", "flow: pi9\n", 1), encoding="utf-8")

    out = io.StringIO()
    assert check(broken, out) == 1
    lines = out.getvalue().splitlines()
    assert lines[0].startswith("content/flows/pi1.yaml:4: audience[1]: Input should be 'cgp'")
    assert lines[1].startswith("content/reminders.yaml:") and lines[1].endswith("rules[0].flow: unknown flow 'pi9'")
    assert lines[-1] == f"2 masalah di {broken}"


def test_missing_directory(tmp_path: Path) -> None:
    out = io.StringIO()
    assert check(tmp_path / "nowhere", out) == 1
    assert "content directory not found" in out.getvalue()

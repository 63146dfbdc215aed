"""The layers are contracts, not conventions: `lint-imports` checks pyproject's [tool.importlinter] on every run."""
from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_import_contracts_are_kept():
    lint = shutil.which("lint-imports", path=str(Path(sys.executable).parent))
    assert lint, "lint-imports is missing: install the test extras (pip install -e '.[test]')"
    result = subprocess.run([lint, "--no-cache", "--no-logo"], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0 and ", 0 broken." in result.stdout, result.stdout + result.stderr

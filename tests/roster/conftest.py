"""Fixtures for roster tests: the roster texts rendered without loading the whole content tree."""
from __future__ import annotations

from pathlib import Path

import pytest
import yaml

ROSTER_TEXTS = Path(__file__).resolve().parents[2] / "content" / "texts" / "roster.yaml"
EXAMPLES = Path(__file__).resolve().parents[2] / "content" / "examples"


class FileTexts:
    """Renders texts from one texts/*.yaml file, like Content.text."""

    def __init__(self, path: Path) -> None:
        self.texts: dict[str, str] = {}
        self._flatten(yaml.safe_load(path.read_text(encoding="utf-8")), "")

    def _flatten(self, data: dict, prefix: str) -> None:
        for key, value in data.items():
            if isinstance(value, dict):
                self._flatten(value, f"{prefix}{key}.")
            else:
                self.texts[f"{prefix}{key}"] = value

    def text(self, key: str, **values: object) -> str:
        return self.texts[key].format(**values)


@pytest.fixture(scope="session")
def texts() -> FileTexts:
    return FileTexts(ROSTER_TEXTS)


@pytest.fixture(scope="session")
def examples() -> Path:
    return EXAMPLES

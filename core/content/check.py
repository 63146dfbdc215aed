"""`pendamping content check [DIR]`: validate the content directory and report."""
from __future__ import annotations

import sys
from pathlib import Path
from typing import TextIO

from core.content.loader import ContentError, load_content
from core.early_texts import early_text


def check(content_dir: Path, out: TextIO = sys.stdout) -> int:
    """Print every problem and return 1, or print a short summary and return 0."""
    try:
        content = load_content(content_dir)
    except ContentError as exc:
        for problem in exc.problems:
            print(problem, file=out)
        print(early_text("content_problems", count=len(exc.problems), directory=content_dir), file=out)
        return 1
    questions = sum(len(flow.questions()) for flow in content.flows.values())
    print(content.text(
        "cli.content_ok", alur=len(content.flows), pertanyaan=questions, aturan=len(content.rules),
        lokakarya=len(content.calendar.lokakarya), teks=len(content.texts), versi=content.version,
    ), file=out)
    return 0

"""`pendamping content check [DIR]`: validate the content directory and report."""
from __future__ import annotations

import sys
from pathlib import Path
from typing import TextIO

from core.content.loader import ContentError, load_content


def check(content_dir: Path, out: TextIO = sys.stdout) -> int:
    """Print every problem and return 1, or print a short summary and return 0."""
    try:
        content = load_content(content_dir)
    except ContentError as exc:
        for problem in exc.problems:
            print(problem, file=out)
        print(f"{len(exc.problems)} problem(s) in {content_dir}", file=out)
        return 1
    questions = sum(len(flow.questions()) for flow in content.flows.values())
    print(
        f"OK: {len(content.flows)} flows, {questions} questions, {len(content.rules)} reminder rules, "
        f"{len(content.calendar.lokakarya)} Lokakarya, {len(content.texts)} texts; version {content.version}",
        file=out,
    )
    return 0

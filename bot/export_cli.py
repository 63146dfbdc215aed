"""`pendamping export`: the answers of a cohort (or everyone) as an XLSX workbook or a ZIP of CSV files."""
from __future__ import annotations

import sys
from pathlib import Path

from bot.cli_files import cli_deps
from core.settings import Settings
from services import progress


async def export_answers(settings: Settings, cohort: str | None, fmt: str, out: Path | None) -> int:
    """Write the export to `out` (default: its own name in the current directory); print where it went."""
    async with cli_deps(settings) as deps:
        try:
            name, data = await progress.from_command_line(deps, cohort, fmt)
        except ValueError as exc:
            print(f"export: {exc}", file=sys.stderr)
            return 2
    path = out or Path(name)
    path.write_bytes(data)
    print(deps.content.text("insight.cli.written", berkas=str(path), ukuran=len(data)))
    return 0

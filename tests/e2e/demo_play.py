"""Play a demo script as a newcomer would: `pendamping demo --script FILE` in a fresh folder."""
from __future__ import annotations

import asyncio
import sys
from pathlib import Path

HERE = Path(__file__).parent
# The demo runs on the wall clock: tests start it at a fixed working-day hour, so the transcript is the same
# whenever they run (a morning digest, quiet hours and "today" all follow the clock).
START = "2026-12-01T10:00"  # a Tuesday, WIB


async def play_demo(script: str, folder: Path, timeout: float = 90) -> str:
    """The transcript of tests/e2e/<script>, played in `folder` (files the demo saves land there)."""
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", "demo", "--script", str(HERE / script), "--start", START, cwd=folder,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE, stdin=asyncio.subprocess.DEVNULL,
    )
    out, err = await asyncio.wait_for(proc.communicate(), timeout)
    assert proc.returncode == 0, err.decode()
    return out.decode()

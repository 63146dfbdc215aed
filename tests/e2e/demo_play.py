"""Play a demo script as a newcomer would: `pendamping demo --script FILE` in a fresh folder."""
from __future__ import annotations

import asyncio
import sys
from pathlib import Path

HERE = Path(__file__).parent


async def play_demo(script: str, folder: Path, timeout: float = 90) -> str:
    """The transcript of tests/e2e/<script>, played in `folder` (files the demo saves land there)."""
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", "demo", "--script", str(HERE / script), cwd=folder,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE, stdin=asyncio.subprocess.DEVNULL,
    )
    out, err = await asyncio.wait_for(proc.communicate(), timeout)
    assert proc.returncode == 0, err.decode()
    return out.decode()

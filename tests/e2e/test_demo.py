"""`pendamping demo --script` plays a conversation through the emulator, as a newcomer would type it."""
from __future__ import annotations

import asyncio
import sys
from pathlib import Path

SCRIPT = Path(__file__).with_name("demo_script.txt")


async def test_demo_script_walks_a_cgp_and_her_pp(tmp_path):
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", "demo", "--script", str(SCRIPT), cwd=tmp_path,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE, stdin=asyncio.subprocess.DEVNULL,
    )
    out, err = await asyncio.wait_for(proc.communicate(), 90)
    transcript = out.decode()
    assert proc.returncode == 0, err.decode()
    assert "Selamat datang di Pendamping, Dewi Lestari" in transcript
    assert "[1] ▫️ Pendampingan Individu 1" in transcript  # buttons shown as numbered choices
    assert "(1/" in transcript and "(2/" in transcript  # pressing a choice advanced the flow
    assert "tersimpan sebagai draf" in transcript
    assert "Selamat datang di Pendamping, Bambang Sutrisno" in transcript
    assert "✏️ Pendampingan Individu 1" in transcript  # the PP sees Dewi's draft in /ringkasan
    assert "Sampai jumpa" in transcript

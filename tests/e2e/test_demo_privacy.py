"""`pendamping demo --script demo_privacy.txt`: the privacy notice, /privasi, /riwayat and /libur as a newcomer tries them."""
from __future__ import annotations

import asyncio
import sys
from pathlib import Path

SCRIPT = Path(__file__).with_name("demo_privacy.txt")


async def test_demo_privacy_script(tmp_path):
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", "demo", "--script", str(SCRIPT), cwd=tmp_path,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE, stdin=asyncio.subprocess.DEVNULL,
    )
    out, err = await asyncio.wait_for(proc.communicate(), 90)
    transcript = out.decode()
    assert proc.returncode == 0, err.decode()
    notice = transcript.index("Pemberitahuan data pribadi")
    agreed = transcript.index("↳ menekan [Setuju]")
    assert notice < agreed < transcript.index("Selamat datang di Pendamping, Dewi Lestari")
    assert "Data Bapak/Ibu di Pendamping" in transcript
    assert "💾 disimpan" in transcript and "data-pendamping-" in transcript
    assert "Data Bapak/Ibu telah dihapus" in transcript
    assert "Bapak/Ibu belum terhubung" in transcript[transcript.index("telah dihapus"):]
    assert "Peserta terhapus #" in transcript  # the PP's /ringkasan
    assert "Riwayat tindakan" in transcript and "hapus data peserta" in transcript
    assert "Hari libur ditambahkan: Rabu, 10 Maret 2027" in transcript

"""`pendamping demo --script demo_privacy.txt`: the privacy notice, /privasi, /riwayat and /libur as a newcomer tries them."""
from __future__ import annotations

from tests.e2e.demo_play import play_demo


async def test_demo_privacy_script(tmp_path):
    transcript = await play_demo("demo_privacy.txt", tmp_path)
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

"""`pendamping demo --script tests/e2e/demo_insight.txt`: who is behind, at a glance, as a newcomer would try it."""
from __future__ import annotations

from tests.e2e.demo_play import play_demo


async def test_demo_insight_shows_who_is_behind_nudges_and_exports(tmp_path):
    transcript = await play_demo("demo_insight.txt", tmp_path, timeout=120)
    assert "• Bambang Sutrisno: gabung 25% · PI 1 0% · ⏰ 4" in transcript
    assert "• Kota Makassar: gabung 0% · PI 1 0% · ⏰ 4" in transcript
    assert "🤖 [photo]" in transcript  # the chart
    assert "2. Dewi Lestari — PI 1 (sejak" in transcript
    assert "Pengingat dikirim ke 1 orang" in transcript and "3 orang belum bergabung" in transcript
    assert "2. Dewi Lestari — PI 1: ⏰" in transcript  # the PP's one line per mentee
    assert "💾 disimpan: demo-berkas/jawaban-" in transcript and transcript.count("💾 disimpan: ") == 2
    assert any(tmp_path.glob("demo-berkas/jawaban-*.zip"))
    assert "pesan × 0,1 Star = paling banyak" in transcript and "[3] ⚡ Kirim cepat (berbayar)" in transcript
    assert "Saldo Star bot: 50 Star (dicek " in transcript
    assert "(siaran berbayar: hingga 1.000 pesan per detik" in transcript

"""`pendamping demo --script demo_psp.txt`: a kepala sekolah's monthly PMO update, then the FSP's /ringkasan,
briefing and monitoring record, as a newcomer would type them."""
from __future__ import annotations

from tests.e2e.demo_play import play_demo


async def test_demo_plays_a_month_of_pmo_for_a_kepala_sekolah_and_his_fsp(tmp_path):
    transcript = await play_demo("demo_psp.txt", tmp_path)
    sent = transcript.index("Pembaruan PMO bulanan sekolah sudah terkirim")
    first = transcript.index("• SMP Negeri 1 Soreang — langkah 0/4 · ✅ sesuai rencana", sent)
    briefing = transcript.index("📋 Briefing sekolah sebelum lokakarya", first)
    assert "Mohon contoh jadwal membaca untuk kelas 6." in transcript[briefing:]
    recorded = transcript.index("Catatan monitoring PMO sekolah (1 JP) sudah terkirim", briefing)
    assert "📍 Kabupaten Bandung" in transcript[first - 200:first]
    assert "• SMP Negeri 1 Soreang — langkah 0/4 · 🆘 perlu bantuan" in transcript[recorded:]

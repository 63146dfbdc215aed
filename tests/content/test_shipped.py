"""The shipped content loads and holds what the program documents hold."""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from core.content import Content, load_content


@pytest.fixture(scope="module")
def content(content_dir: Path) -> Content:
    return load_content(content_dir)


# Questions per section, per flow: what the documents in shared/seeds hold (see content/README.md
# for the mapping). Derived items ("PP menanyakan…", "PP memastikan CGP telah…") are counted in
# the section they come from; a carry-forward question is listed as "carry_forward".
PINNED: dict[str, dict[str, int]] = {
    # 002 PI 1: awal 3 (dokumen siap, proses sebulan, dukungan ekosistem); inti 4 + 5 + 3 + 3
    # pertanyaan pemantik; akhir 2 refleksi.
    "pi1": {"awal": 3, "tindak_lanjut_orientasi": 4, "tindak_lanjut_pembelajaran": 5,
            "kerangka_portofolio": 3, "peta_posisi_diri": 3, "akhir": 2},
    # 002 PI 2: 5 + 5 + (4 + 2 lanjutan) pemantik; visi sekolah: 1 pertanyaan ya/tidak, hasil, laporan.
    "pi2": {"carry_forward": 1, "awal": 2, "lingkungan_belajar": 5, "perubahan_diri": 5,
            "komunitas_praktisi": 6, "visi_prakarsa": 3, "akhir": 2},
    # 002 PI 3: lembar umpan balik sudah di-input + proses sebulan; 3 + 4 + 4 pemantik.
    "pi3": {"carry_forward": 1, "awal": 2, "feedback_360": 3, "sosial_emosional": 4, "bagja": 4, "akhir": 2},
    # 002 PI 4: RPP sudah direvisi; aspek yang diobservasi; rencana aksi pengembangan diri.
    "pi4": {"carry_forward": 1, "awal": 2, "pra_observasi": 1, "pasca_observasi": 1, "akhir": 2},
    # 002 PI 5: hasil observasi rekan; 5 + 6 pemantik aksi nyata 3.1; program sekolah + 5 pemantik;
    # 4 pemantik komunitas praktisi; 2 unggahan pasca-observasi rekan.
    "pi5": {"carry_forward": 1, "awal": 2, "peta_sumber_daya": 5, "pengambilan_keputusan": 6,
            "rancangan_program": 6, "komunitas_praktisi": 4, "pasca_observasi_rekan": 2, "akhir": 2},
    # 002 PI 6 is empty: the shared closing reflection only.
    "pi6": {"carry_forward": 1, "akhir": 2},
    # 002 Jurnal Pendampingan after PI n: one note per focus item of PI n's Deskripsi (PI 1 also the
    # aksi nyata 1.1/1.2 report its Langkah-langkah ask for, PI 5 the coaching dialogue, PI 6 has no
    # focus: one general note); the CGP's progress; RTL (the PP's plan, what was agreed with the CGP,
    # a provisional date); support needed; two documentation uploads.
    **{f"jurnal_pi{n}": {"jurnal": focus, "perkembangan": 1, "rtl": 3, "dukungan": 1, "dokumentasi": 2}
       for n, focus in ((1, 5), (2, 4), (3, 3), (4, 2), (5, 4), (6, 1))},
    "pi3_kesepakatan_rpp": {"kesepakatan": 4},
    # 002 Penilaian Refleksi CGP (PI 3): a grade by a rubric the document does not hold (provisional).
    "pi3_penilaian_refleksi": {"penilaian": 2},
    "pi4_observasi": {"pra_observasi": 2, "observasi": 4, "pasca_observasi": 3, "penilaian": 2},
    "pi5_persiapan_coaching": {"kelengkapan": 3, "coaching": 3},
    "pi5_penilaian_coaching": {"penilaian": 2},
    "lokakarya_keaktifan": {"lokakarya": 1, "rubrik": 3},
    "lokakarya_evaluasi": {"evaluasi": 2},
    # 002 Catatan Hasil Lokakarya (5 items), the products to upload, 3 documentation uploads.
    **{f"lokakarya_{n}": {"catatan_hasil": 5, "produk": p, "dokumentasi": 3}
       for n, p in ((0, 2), (1, 3), (2, 3), (3, 2), (4, 2), (5, 3), (6, 3), (7, 4))},
    # 000 Komunitas Belajar 1 worksheets.
    "kb1_mulai_dari_diri": {"lk1": 1},
    "kb1_ruang_kolaborasi": {"lk2": 5},
    "kb1_refleksi_terbimbing": {"refleksi": 2},
    "kb1_demonstrasi_kontekstual": {"lk4": 1, "elaborasi": 2},
    "kb1_koneksi_antar_materi": {"koneksi": 2},
    "kb1_aksi_nyata": {"lk5": 5},  # the community-development plan (provisional: LK5 itself is not in 000)
    "kb1_penutup": {"penutup": 1},
    # 000 PMO level sekolah, four steps.
    "pmo_refleksi": {"data": 1, "refleksi": 3, "tujuan": 1},
    "pmo_akar_masalah": {"subtopik": 1, "akar_masalah": 4},
    "pmo_solusi": {"pertimbangan": 3, "solusi": 1, "tindak_lanjut": 6},
    "pmo_implementasi": {"carry_forward": 1, "dokumentasi": 5},
    "pmo_update": {"topik": 2, "status": 2},
    # PMO monitoring by the FSP (1 JP): notes, next step, status (a product addition, provisional).
    "pmo_monitoring": {"monitoring": 3},
}


def _counts(content: Content, flow_id: str) -> dict[str, int]:
    flow = content.flows[flow_id]
    counts = {"carry_forward": 1} if flow.carry_forward else {}
    counts.update({s.id: len(s.questions) for s in flow.walk_sections() if s.questions})
    return counts


@pytest.mark.parametrize("flow_id", sorted(PINNED))
def test_question_count_per_section_is_pinned(content: Content, flow_id: str) -> None:
    assert _counts(content, flow_id) == PINNED[flow_id]


def test_no_flow_is_left_unpinned(content: Content) -> None:
    assert sorted(content.flows) == sorted(PINNED)


def test_version_is_stable_and_independent_of_location(content: Content, content_dir: Path, tmp_path: Path) -> None:
    copy = tmp_path / "elsewhere"
    shutil.copytree(content_dir, copy)
    assert load_content(content_dir).version == content.version
    assert load_content(copy).version == content.version


@pytest.mark.parametrize("name", ["flows/pi1.yaml", "reminders.yaml", "calendar.yaml", "komunitas_belajar.yaml", "pmo.yaml", "texts/content.yaml"])
def test_version_changes_when_any_file_changes(content: Content, content_dir: Path, tmp_path: Path, name: str) -> None:
    copy = tmp_path / "content"
    shutil.copytree(content_dir, copy)
    with (copy / name).open("a", encoding="utf-8") as f:
        f.write("# diubah\n")
    assert load_content(copy).version != content.version


def test_cgp_flows_open_by_quoting_the_previous_pi(content: Content) -> None:
    assert content.flows["pi1"].carry_forward is None
    for n in range(2, 7):
        carry = content.flows[f"pi{n}"].carry_forward
        assert carry is not None and carry.from_flow == f"pi{n - 1}"
        assert "{kutipan}" in carry.question.text
        assert content.flows[f"pi{n}"].questions()[0].id == carry.question.id


def test_pi_flows_follow_the_documents(content: Content) -> None:
    themes = {
        1: "Refleksi awal kompetensi guru penggerak",
        2: "Perubahan paradigma pemimpin pembelajaran",
        3: "Implementasi Pembelajaran yang Berpihak pada Murid",
        4: "Evaluasi dan Pengembangan Proses Pembelajaran",
        5: "Rancangan Program yang Berpihak pada Murid",
    }
    parts = {1: (20, 150, 10), 2: (10, 160, 10), 3: (20, 145, 15), 4: (20, 135, 15), 5: (10, 160, 15)}
    for n, theme in themes.items():
        flow = content.flows[f"pi{n}"]
        assert (flow.theme, flow.event.kind, flow.event.number) == (theme, "pi", n)
        assert flow.timing == f"Kurun waktu seminggu sebelum lokakarya {n}"
        assert tuple(s.minutes for s in flow.sections) == parts[n]
        assert [s.part for s in flow.sections] == ["awal", "inti", "akhir"]
        assert (flow.audience, flow.summary_to, flow.subject) == (["cgp"], ["mentor"], "self")
    assert [content.flows[f"pi{n}"].assessment for n in (3, 4, 5)] == [
        "Refleksi CGP", "Observasi pembelajaran yang berpusat pada murid", "Keterampilan coaching untuk supervisi akademik"]


def test_pi_sub_topic_minutes_add_up_except_the_documented_pi3_gap(content: Content) -> None:
    for n in range(1, 6):
        inti = content.flows[f"pi{n}"].sections[1]
        total = sum(s.minutes for s in inti.sections)
        # 002 gives PI 3 "Bagian inti (145')" with sub-topics of 45 + 45 + 60 minutes.
        assert total == (150 if n == 3 else inti.minutes)


def test_only_the_flows_without_official_questions_are_marked(content: Content) -> None:
    marked = sorted(f.id for f in content.flows.values() if f.awaiting_official)
    assert marked == ["jurnal_pi6", "kb1_aksi_nyata", "kb1_mulai_dari_diri", "lokakarya_evaluasi", "pi3_penilaian_refleksi",
                      "pi6", "pmo_monitoring"]
    provisional_questions = sorted({q.id for f in content.flows.values() for q in f.questions() if q.awaiting_official})
    # the RTL's date: the document gives none; which Lokakarya a keaktifan rating is for: bookkeeping;
    # the PMO status and help asked for (a product addition)
    assert provisional_questions == ["catatan", "lokakarya_dinilai", "status", "tanggal_rtl"]


def test_pp_flows_are_about_a_mentee(content: Content) -> None:
    for flow_id in ["pi3_kesepakatan_rpp", "pi3_penilaian_refleksi", "pi4_observasi", "pi5_persiapan_coaching",
                    "pi5_penilaian_coaching", "lokakarya_keaktifan", *(f"jurnal_pi{n}" for n in range(1, 7))]:
        flow = content.flows[flow_id]
        assert (flow.audience, flow.subject) == (["pp"], "mentee"), flow_id
    assert [q.kind for q in content.flows["lokakarya_keaktifan"].questions()] == ["choice"] + ["scale"] * 3


def test_pi3_agreement_creates_the_four_dated_events(content: Content) -> None:
    questions = content.flows["pi3_kesepakatan_rpp"].questions()
    assert [(q.kind, q.creates_event) for q in questions] == [
        ("date", "rpp_submit"), ("date", "rpp_return"), ("date", "rpp_revision"), ("date", "observation")]


def test_pi3_agreement_dates_are_checked(content: Content) -> None:
    questions = content.flows["pi3_kesepakatan_rpp"].questions()
    assert [(q.future, q.not_before, q.with_time) for q in questions] == [
        (True, None, False), (True, "tanggal_rpp_diserahkan", False), (True, "tanggal_rpp_dikembalikan", False),
        (True, "tanggal_rpp_revisi", True)]


def test_flows_are_in_program_order(content: Content) -> None:
    order = list(content.flows)
    pgp = [f"{kind}{n}" for n in range(1, 7) for kind in ("pi", "jurnal_pi")]
    assert [f for f in order if f in pgp] == pgp
    assert order.index("pi3_kesepakatan_rpp") < order.index("pi3_penilaian_refleksi") < order.index("jurnal_pi3")
    assert order.index("pi5_persiapan_coaching") < order.index("pi5_penilaian_coaching") < order.index("jurnal_pi5")
    worksheets = [s.flow for s in content.komunitas_belajar[0].luring if s.flow]
    assert [f for f in order if f.startswith("kb1_")] == list(dict.fromkeys(worksheets))  # LK1 … LK5 as staged
    steps = [step.flow for step in content.pmo.steps]
    assert [f for f in order if f in steps] == steps
    assert [f for f in order if f.startswith("lokakarya_")][:8] == [f"lokakarya_{n}" for n in range(8)]
    assert order.index("jurnal_pi6") < order.index("kb1_mulai_dari_diri") < order.index("pmo_refleksi") < order.index("lokakarya_0")


def test_school_flows_send_their_summary_to_the_fsp(content: Content) -> None:
    school = [f for f in content.flows.values() if f.program == "psp" and f.id != "pmo_monitoring"]  # the FSP's own
    assert len(school) == 12
    for flow in school:
        assert set(flow.audience) <= {"kepsek", "pengawas", "guru"} and flow.summary_to == ["mentor"]


def test_lokakarya_calendar(content: Content) -> None:
    lokakarya = content.calendar.lokakarya
    assert [lk.number for lk in lokakarya] == list(range(8))
    assert lokakarya[0].title == "Lokakarya Orientasi" and lokakarya[0].timing == "Pertemuan perdana"
    assert [len(lk.produk) for lk in lokakarya] == [3, 1, 2, 3, 2, 3, 3, 3]
    for lk in lokakarya:
        assert len(lk.pemahaman_bermakna) == 1
        assert lk.documentation == ["Daftar hadir", "Laporan Penyelenggaraan lokakarya", "Foto dokumentasi kegiatan"]
        assert lk.flow == f"lokakarya_{lk.number}"
        assert len(lk.produk_dokumentasi) == PINNED[lk.flow]["produk"]
    assert (content.calendar.pi_days_before_lokakarya, content.calendar.pi_count) == (7, 6)


def test_pmo_month_table_matches_the_document(content: Content) -> None:
    table = [(m.month, m.pmo, len(m.topics)) for m in content.calendar.pmo_months]
    assert table == [
        (8, 1, 3), (9, 1, 4), (10, 2, 5), (11, 2, 0), (12, 3, 0), (1, 3, 0),
        (2, 4, 4), (3, 4, 4), (4, 5, 5), (5, 5, 0), (6, 6, 0), (7, 6, 0),
    ]
    months = {m.month: m.topics for m in content.calendar.pmo_months}
    assert months[8][0] == "Persiapan dalam melakukan PMO level sekolah."
    assert months[2][1] == "Refleksi dari pelaksanaan PMO level sekolah dari bulan Agustus 2023 sampai Januari 2024."
    assert months[9][1:] == months[3][1:]  # September and Maret share their topics
    assert months[10] == months[4]


def test_pmo_guide(content: Content) -> None:
    pmo = content.pmo
    assert [s.title for s in pmo.steps] == [
        "Refleksi Pembelajaran Berbasis Peserta Didik", "Sekolah (dan FSP) Menemukan Akar Masalah",
        "Sekolah Menyepakati Solusi", "Sekolah Melakukan Implementasi"]
    assert [s.flow for s in pmo.steps] == ["pmo_refleksi", "pmo_akar_masalah", "pmo_solusi", "pmo_implementasi"]
    assert pmo.monitoring.jp == 1
    assert [(s.fasilitator, s.jp, s.monitoring) for s in pmo.monitoring.dua_fsp] == [
        ("FSP A", 3.5, False), ("FSP A", 0.5, True), ("FSP B", 0.5, True), ("FSP B", 3.5, False)]
    assert sum(s.jp for s in pmo.monitoring.dua_fsp) == 8


@pytest.mark.parametrize("variant", ["luring", "daring"])
def test_komunitas_belajar_minutes_add_up_to_8_jp(content: Content, variant: str) -> None:
    (kb1,) = content.komunitas_belajar
    stages = getattr(kb1, variant)
    assert [s.minutes for s in stages] == [20, 25, 45, 60, 20, 30, 60, 15, 30, 10]
    assert sum(s.minutes for s in stages) + kb1.pmo_monitoring_minutes == 360 == kb1.jp * 45
    assert [s.title for s in stages][1:] == [
        "Mulai dari Diri", "Eksplorasi Konsep", "Ruang Kolaborasi", "Refleksi Terbimbing",
        "Demonstrasi Kontekstual", "Elaborasi Pemahaman", "Koneksi Antar Materi", "(Rencana) Aksi Nyata", "Penutup"]


def test_komunitas_belajar_days_roles_and_worksheets(content: Content) -> None:
    (kb1,) = content.komunitas_belajar
    assert [s.day for s in kb1.daring] == [1] * 5 + [2] * 5
    assert {s.day for s in kb1.luring} == {1}
    assert [(r.role, r.jumlah) for r in kb1.roles] == [("fsp", None), ("kepsek", None), ("pengawas", None), ("guru", 2)]
    assert [s.worksheet for s in kb1.luring if s.worksheet] == ["LK1", "LK2", "LK4", "LK4", "LK5"]
    assert kb1.month == 2


def test_reminder_rules_cover_the_program(content: Content) -> None:
    rules = {r.id: r for r in content.rules}
    for n in (3, 6):
        f360 = rules[f"feedback360_pi{n}"]
        assert (f360.on.kind, f360.on.number, f360.offsets_days) == ("pi", n, [-7])
        assert f360.stop_on_ack and "done" in f360.buttons
        assert "5 orang" in f360.text and "evaluasi diri" in f360.text  # the self-evaluation, in Indonesian
    for kind in ("rpp_submit", "rpp_return", "rpp_revision", "observation"):
        rule = rules[f"{kind}_pengingat"]
        assert (rule.on.kind, rule.offsets_days, rule.audience) == (kind, [-3, -1, 0], ["self", "mentor"])
    assert {r.on.number for r in content.rules if r.id.startswith("pi") and r.id.endswith("_segera")} == set(range(1, 7))
    assert {r.on.number for r in content.rules if r.id.endswith("_segera") and r.on.kind == "lokakarya"} == set(range(8))
    assert "{topik}" in rules["pmo_bulanan_kepsek"].text and "{topik}" in rules["pmo_bulanan_fsp"].text
    nudges = [r for r in content.rules if r.on == "flow_unfinished"]
    assert sorted(r.flow for r in nudges) == [f"pi{n}" for n in range(1, 7)]
    assert all(r.escalate and r.escalate.after == 2 and r.repeat for r in nudges)


def test_content_texts(content: Content) -> None:
    assert content.text("content.pmo.tanpa_topik", bulan="Maret").startswith("• Untuk bulan Maret ")


def test_jurnal_notes_each_focus_item_of_its_pi(content: Content) -> None:
    for n in range(1, 6):
        jurnal, pi = content.flows[f"jurnal_pi{n}"], content.flows[f"pi{n}"]
        notes = [q.text for q in jurnal.sections[0].questions]
        for item in pi.focus:
            assert sum(f'Fokus "{item}"' in text for text in notes) == 1, (n, item)
    assert [q.id for q in content.flows["jurnal_pi6"].sections[0].questions] == ["bahas_pi6"]


def test_jurnal_keeps_no_borrowed_question(content: Content) -> None:
    # "Jurnal Fasilitasi CGP" sits in a commented-out block of 002 about module facilitation.
    for n in range(1, 7):
        ids = {q.id for q in content.flows[f"jurnal_pi{n}"].questions()}
        assert not ids & {"lesson_learned", "kelebihan_kekurangan", "rekomendasi"}
        assert {"rencana_tindak_lanjut", "rtl_disepakati", "tanggal_rtl", "perkembangan_cgp",
                "dukungan_dibutuhkan", "media_aksi_nyata", "dokumentasi_kegiatan"} <= ids


def test_jurnal_drafts_name_their_sources(content: Content) -> None:
    for n in range(1, 7):
        jurnal = content.flows[f"jurnal_pi{n}"]
        for q in [*jurnal.sections[0].questions, *jurnal.sections[1].questions]:
            assert q.prefill_from and q.prefill_from[0].flow.startswith(f"pi{n}"), (n, q.id)
    # What the CGP agreed to do is what the next PI opens by quoting.
    for n in range(1, 6):
        agreed = content.flows[f"jurnal_pi{n}"].questions()
        (rtl,) = [q for q in agreed if q.id == "rtl_disepakati"]
        assert rtl.prefill_from[0].questions == content.flows[f"pi{n + 1}"].carry_forward.questions
    (rtl,) = [q for q in content.flows["jurnal_pi3"].questions() if q.id == "rtl_disepakati"]
    assert [s.flow for s in rtl.prefill_from] == ["pi3", "pi3_kesepakatan_rpp"]


def test_pi_flows_say_what_the_cgp_prepares(content: Content) -> None:
    assert [len(content.flows[f"pi{n}"].prepare) for n in range(1, 7)] == [1, 2, 2, 2, 4, 2]
    assert "feedback 360" in content.flows["pi3"].prepare[0] and "Pemetaan Aset" in content.flows["pi6"].prepare[1]

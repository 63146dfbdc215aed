"""Each broken copy of the shipped content fails with the right file, line, place and reason."""
from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path

import pytest

from core.content import ContentError, load_content


@dataclass(frozen=True)
class Defect:
    name: str
    file: str  # relative to content/
    old: str  # text replaced (first occurrence)
    new: str
    marker: str  # text on the line the problem must point at (searched in the broken file)
    path: str
    reason: str
    occurrence: int = 1  # which occurrence of marker holds the problem


DEFECTS = [
    Defect("unknown key", "flows/pi1.yaml",
           "    title: Bagian awal pendampingan\n", "    title: Bagian awal pendampingan\n    warna: merah\n",
           "warna: merah", "sections[0].warna", "unknown key"),
    Defect("duplicate question id", "flows/pi1.yaml",
           "id: kekhawatiran_terjadi", "id: harapan_kekhawatiran",
           "id: harapan_kekhawatiran", "sections[1].sections[0].questions[1].id",
           "duplicate question id 'harapan_kekhawatiran'", occurrence=2),
    Defect("bad YAML syntax", "calendar.yaml",
           "    title: Lokakarya 1\n", "    title: Lokakarya 1: Komunitas: Praktisi\n",
           "title: Lokakarya 1: Komunitas", "", "not valid YAML: mapping values are not allowed"),
    Defect("rule on unknown flow", "reminders.yaml",
           "    flow: pi1\n", "    flow: pi9\n",
           "flow: pi9", "rules[0].flow", "unknown flow 'pi9'"),
    Defect("rule on unknown event kind", "reminders.yaml",
           "on: {kind: pi, number: 1}", "on: {kind: pelatihan, number: 1}",
           "kind: pelatihan", "rules[0].on.kind", "Input should be 'lokakarya'"),
    Defect("rule on an event outside the calendar", "reminders.yaml",
           "on: {kind: pi, number: 1}", "on: {kind: pi, number: 8}",
           "number: 8", "rules[0].on.number", "pi 8 is not in the calendar"),
    Defect("flow on an event outside the calendar", "flows/pi1.yaml",
           "event: {kind: pi, number: 1}", "event: {kind: lokakarya, number: 9}",
           "number: 9", "event.number", "lokakarya 9 is not in the calendar"),
    Defect("flow for unknown role", "flows/pi1.yaml",
           "audience: [cgp]", "audience: [cgp, murid]",
           "audience: [cgp, murid]", "audience[1]", "Input should be 'cgp'"),
    Defect("summary to mentor for a role without mentor", "flows/lokakarya_evaluasi.yaml",
           "summary_to: [koordinator]", "summary_to: [mentor]",
           "summary_to: [mentor]", "summary_to", "summary to 'mentor' but pp has no mentor"),
    Defect("choice without options", "flows/pi1.yaml",
           "        kind: choice\n        options:\n          - {id: sudah, label: Sudah}\n          - {id: belum, label: Belum}\n",
           "        kind: choice\n",
           "- id: dokumen_siap", "sections[0].questions[0].options", "a choice question needs at least two options"),
    Defect("bad kind", "flows/pi1.yaml",
           "        kind: choice\n", "        kind: essay\n",
           "kind: essay", "sections[0].questions[0].kind", "Input should be 'text'"),
    Defect("carry_forward to unknown question", "flows/pi2.yaml",
           "questions: [perubahan_rencana, baik_perlu_perbaikan]", "questions: [perubahan_rencana, rencana_hilang]",
           "questions: [perubahan_rencana, rencana_hilang]", "carry_forward.questions[1]",
           "flow 'pi1' has no question 'rencana_hilang'"),
    Defect("bad text key type", "texts/content.yaml",
           "  pmo:\n", "  pmo:\n    404: Tidak ditemukan\n",
           "404: Tidak ditemukan", "content.pmo[404]", "a text key must be a word, not int"),
    Defect("text that is not a string", "texts/content.yaml",
           "  pmo:\n", "  pmo:\n    daftar: [satu, dua]\n",
           "daftar: [satu, dua]", "content.pmo.daftar", "a text must be a string"),
    Defect("unknown placeholder in a reminder", "reminders.yaml",
           "dijadwalkan sekitar {tanggal}", "dijadwalkan sekitar {tgl}",
           "text: |-", "rules[0].text", "unknown placeholder {tgl}"),
    Defect("duplicate YAML key", "flows/pi3.yaml",
           "title: Pendampingan Individu 3\n", "title: Pendampingan Individu 3\ntitle: PI 3\n",
           "title: PI 3", "title", "duplicate key"),
    Defect("Komunitas Belajar minutes that do not add up", "komunitas_belajar.yaml",
           "        title: Eksplorasi Konsep\n        minutes: 45\n", "        title: Eksplorasi Konsep\n        minutes: 40\n",
           "- id: kb1", "lokakarya[0]", "luring stages (310 min) plus PMO monitoring (45 min) make 355 min, not 8 JP = 360 min"),
    Defect("mentee flow for a mentored role", "flows/jurnal_pi1.yaml",
           "audience: [pp]", "audience: [pp, cgp]",
           "audience: [pp, cgp]", "audience", "a flow about a mentee is for mentors only (pp, fsp), not cgp"),
    Defect("PMO step on unknown flow", "pmo.yaml",
           "    flow: pmo_refleksi\n", "    flow: pmo_refleks\n",
           "flow: pmo_refleks", "steps[0].flow", "unknown flow 'pmo_refleks'"),
    Defect("open_flow button for a role outside the flow", "reminders.yaml",
           "    audience: [kepsek]\n", "    audience: [kepsek, fsp]\n",
           "audience: [kepsek, fsp]", "rules[29].audience", "fsp cannot open flow 'pmo_update'"),
    Defect("open_flow reminder before its flow opens", "reminders.yaml",
           "    offsets_days: [-3]\n", "    offsets_days: [-10]\n",
           "offsets_days: [-10]", "rules[0].offsets_days",
           "sent 10 days before the event, but flow 'pi1' opens only 7 days before it"),
    Defect("date order on an unknown question", "flows/pi3_kesepakatan_rpp.yaml",
           "not_before: tanggal_rpp_diserahkan", "not_before: tanggal_rpp_dikirim",
           "not_before: tanggal_rpp_dikirim", "sections[0].questions[1].not_before",
           "not_before: 'tanggal_rpp_dikirim' is not an earlier date question of this flow"),
    Defect("date order on a later question", "flows/pi3_kesepakatan_rpp.yaml",
           "not_before: tanggal_rpp_diserahkan", "not_before: tanggal_observasi",
           "not_before: tanggal_observasi", "sections[0].questions[1].not_before",
           "not_before: 'tanggal_observasi' is not an earlier date question of this flow"),
    Defect("prefill from an unknown flow", "flows/jurnal_pi1.yaml",
           "- {flow: pi1, questions: [jurnal_refleksi]}", "- {flow: pi9, questions: [jurnal_refleksi]}",
           "flow: pi9", "sections[0].questions[2].prefill_from[0].flow", "unknown flow 'pi9'"),
    Defect("prefill from an unknown question", "flows/jurnal_pi1.yaml",
           "- {flow: pi1, questions: [jurnal_refleksi]}", "- {flow: pi1, questions: [jurnal_refleksi, jurnal_mingguan]}",
           "jurnal_mingguan", "sections[0].questions[2].prefill_from[0].questions[1]", "flow 'pi1' has no question 'jurnal_mingguan'"),
    Defect("prefill from the flow itself", "flows/jurnal_pi1.yaml",
           "- {flow: pi1, questions: [jurnal_refleksi]}", "- {flow: jurnal_pi1, questions: [perkembangan_cgp]}",
           "flow: jurnal_pi1, questions", "sections[0].questions[2].prefill_from[0].flow",
           "a question cannot be drafted from its own flow"),
    Defect("prefill from a flow the mentee does not answer", "flows/jurnal_pi1.yaml",
           "- {flow: pi1, questions: [jurnal_refleksi]}", "- {flow: lokakarya_evaluasi, questions: [sudah_baik]}",
           "flow: lokakarya_evaluasi", "sections[0].questions[2].prefill_from[0].flow",
           "flow 'lokakarya_evaluasi' is not answered by a mentee (its audience: pp)"),
    Defect("prefill in a flow not about a mentee", "flows/pi2.yaml",
           "      - id: bentuk_dukungan\n", "      - id: bentuk_dukungan\n            prefill_from: [{flow: pi1, questions: [dukungan_ekosistem]}]\n",
           "prefill_from: [{flow: pi1", "sections[1].sections[0].questions[1].prefill_from",
           "prefill_from is for flows about a mentee (subject: mentee)"),
    Defect("prefill on a date question", "flows/jurnal_pi1.yaml",
           "        awaiting_official: true\n", "        awaiting_official: true\n        prefill_from: [{flow: pi1, questions: [proses_sebulan]}]\n",
           "- id: tanggal_rtl", "sections[2].questions[2]", "prefill_from is for text questions (a draft is text)"),
    Defect("a time of day on a text question", "flows/pi5_persiapan_coaching.yaml",
           "        text: Nama rekan sejawat yang diajak CGP untuk dibimbing dan di-coaching pada PI 5\n",
           "        text: Nama rekan sejawat yang diajak CGP untuk dibimbing dan di-coaching pada PI 5\n        with_time: true\n",
           "- id: rekan_sejawat", "sections[0].questions[0]", "future, not_before and with_time are for date questions"),
    Defect("unknown weekly day off", "holidays.yaml",
           "weekly_days_off: [sunday]", "weekly_days_off: [minggu]",
           "weekly_days_off: [minggu]", "weekly_days_off[0]", "Input should be 'monday'"),
    Defect("unknown key in a day off", "holidays.yaml",
           "days_off: []\n", "days_off:\n  - date: 2027-01-02\n    nama: Cuti bersama\n",
           "nama: Cuti bersama", "days_off[0].nama", "unknown key"),
    Defect("day off ending before it starts", "holidays.yaml",
           "days_off: []\n", "days_off:\n  - date: 2027-01-02\n    until: 2027-01-01\n    name: Cuti bersama\n",
           "- date: 2027-01-02", "days_off[0]", "until 2027-01-01 is before date 2027-01-02"),
    Defect("a date that does not exist", "holidays.yaml",
           "school_holidays: []\n",
           "school_holidays:\n  - provinces: [Bali]\n    start: 2026-02-30\n    end: 2026-03-05\n    name: Libur\n",
           "start: 2026-02-30", "school_holidays[0].start", "Input should be a valid date"),
    Defect("unknown holiday policy", "reminders.yaml",
           "    offsets_days: [-3]\n", "    offsets_days: [-3]\n    on_holiday: sebelum\n",
           "on_holiday: sebelum", "rules[0].on_holiday", "Input should be 'earlier', 'later' or 'keep'"),
]


def _line_of(text: str, marker: str, occurrence: int) -> int:
    start = -1
    for _ in range(occurrence):
        start = text.index(marker, start + 1)
    return text.count("\n", 0, start) + 1


@pytest.fixture
def broken_copy(tmp_path: Path, content_dir: Path) -> Path:
    target = tmp_path / "content"
    shutil.copytree(content_dir, target, ignore=shutil.ignore_patterns("examples", "README.md"))
    return target


@pytest.mark.parametrize("defect", DEFECTS, ids=[d.name for d in DEFECTS])
def test_defect_is_reported_at_its_place(defect: Defect, broken_copy: Path) -> None:
    path = broken_copy / defect.file
    text = path.read_text(encoding="utf-8")
    assert defect.old in text, f"fixture text not found in {defect.file}"
    broken = text.replace(defect.old, defect.new, 1)
    path.write_text(broken, encoding="utf-8")

    with pytest.raises(ContentError) as raised:
        load_content(broken_copy)

    line = _line_of(broken, defect.marker, defect.occurrence)
    expected = f"content/{defect.file}:{line}: {defect.path or '(top)'}: {defect.reason}"
    reported = [str(p) for p in raised.value.problems]
    assert any(r.startswith(expected) for r in reported), "\n".join(reported)


def test_duplicate_flow_id_names_both_files(broken_copy: Path) -> None:
    original = (broken_copy / "flows/pi1.yaml").read_text(encoding="utf-8")
    (broken_copy / "flows/pi1_salinan.yaml").write_text(original, encoding="utf-8")

    with pytest.raises(ContentError) as raised:
        load_content(broken_copy)

    line = _line_of(original, "id: pi1", 1)
    assert [str(p) for p in raised.value.problems] == [
        f"content/flows/pi1_salinan.yaml:{line}: id: duplicate flow id 'pi1' (also in content/flows/pi1.yaml)"
    ]


def test_every_problem_is_reported_not_only_the_first(broken_copy: Path) -> None:
    for defect in (DEFECTS[0], DEFECTS[3]):
        path = broken_copy / defect.file
        path.write_text(path.read_text(encoding="utf-8").replace(defect.old, defect.new, 1), encoding="utf-8")

    with pytest.raises(ContentError) as raised:
        load_content(broken_copy)

    reasons = [p.reason for p in raised.value.problems]
    assert "unknown key" in reasons and "unknown flow 'pi9'" in reasons


def test_missing_required_file(broken_copy: Path) -> None:
    (broken_copy / "reminders.yaml").unlink()

    with pytest.raises(ContentError) as raised:
        load_content(broken_copy)

    assert [str(p) for p in raised.value.problems] == ["content/reminders.yaml:1: (top): file missing"]

"""Reading roster files: formats, header aliases, and every in-file problem with its row and column."""
from __future__ import annotations

import io
import zipfile

import openpyxl
import pytest

from core import sheets
from store.models import Role
from roster.parse import Roster, read_roster
from roster.report import RosterError, RowProblem
from tests.spreadsheets import formatted_xlsx
from tests.roster.conftest import ROSTER_TEXTS, FileTexts

TEXTS = FileTexts(ROSTER_TEXTS)
HEADER = "id,nama,peran,angkatan,sekolah,kabupaten/kota,mentor,zona waktu\n"
PP = "PP1,Budi,pp,11,,Kota Bandung,,WIB\n"


def parse_roster(data: bytes) -> Roster:
    """The roster of a file the file alone finds no problem in; RosterError otherwise."""
    parsed = read_roster(data)
    if parsed.problems:
        raise RosterError(parsed.problems)
    return parsed.roster


def problems_of(data: bytes) -> list[tuple[int | None, str | None, str]]:
    with pytest.raises(RosterError) as caught:
        parse_roster(data)
    assert all(p.message(TEXTS) for p in caught.value.problems)  # every problem has its text
    return [(p.row, p.column, p.code) for p in caught.value.problems]


def xlsx(rows: list[list[object]]) -> bytes:
    book = openpyxl.Workbook()
    for row in rows:
        book.active.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def test_example_csv_and_xlsx_give_the_same_rows(examples):
    from_csv = parse_roster((examples / "roster.csv").read_bytes())
    from_xlsx = parse_roster((examples / "roster.xlsx").read_bytes())
    assert from_csv.rows == from_xlsx.rows
    roles = [r.role for r in from_csv.rows]
    assert roles.count(Role.cgp) == 8 and roles.count(Role.pp) == 2
    assert {Role.koordinator, Role.fsp, Role.kepsek} <= set(roles)
    assert {r.timezone for r in from_csv.rows} == {"Asia/Jakarta", "Asia/Makassar"}
    first_cgp = next(r for r in from_csv.rows if r.role == Role.cgp)
    assert (first_cgp.row, first_cgp.mentor, first_cgp.school) == (5, "PP01", "SMP Negeri 1 Soreang")


def test_semicolon_csv_with_bom_and_excel_habits():
    data = (
        "\ufeffNIK ; Nama Lengkap;Peran;Angkatan;Kab / Kota;Mentor;Zona_Waktu;Keterangan\r\n"
        "PP1;Budi;Pengajar Praktik;Angkatan 11;Kota Bandung;;wib;boleh ada kolom lain\r\n"
        ";;;;;;;\r\n"
        "C1;\"Ani; S.Pd.\";Calon Guru Penggerak;a11;Kota Bandung;PP1;Asia/Makassar;\r\n"
    ).encode("utf-8")
    roster = parse_roster(data)
    pp, cgp = roster.rows
    assert (pp.external_id, pp.role, pp.cohort, pp.timezone, pp.district) == ("PP1", Role.pp, "11", "Asia/Jakarta", "Kota Bandung")
    assert (cgp.row, cgp.name, cgp.role, cgp.cohort, cgp.mentor, cgp.timezone) == (4, "Ani; S.Pd.", Role.cgp, "A11", "PP1", "Asia/Makassar")
    assert roster.columns["id"] == "NIK"
    assert not roster.has("sekolah")


def test_xlsx_numbers_and_blank_leading_rows():
    data = xlsx([[], ["Nama", "ID", "Peran", "Angkatan", "Mentor"], ["Budi", 3201010101010001, "PP", 11, None],
                 ["Ani", 42, "Kepala Sekolah", 11.0, "F1"], ["Fajar", "F1", "Fasilitator Sekolah Penggerak", "11", ""]])
    rows = parse_roster(data).rows
    assert [(r.row, r.external_id, r.role, r.cohort) for r in rows] == [
        (3, "3201010101010001", Role.pp, "11"), (4, "42", Role.kepsek, "11"), (5, "F1", Role.fsp, "11")]


@pytest.mark.parametrize(
    ("lines", "expected"),
    [
        (["C1,,cgp,11,,,PP1,"], (3, "nama", "required")),
        ([",Ani,cgp,11,,,PP1,"], (3, "id", "required")),
        (["C1,Ani,,11,,,PP1,"], (3, "peran", "required")),
        (["C1,Ani,guru besar,11,,,PP1,"], (3, "peran", "unknown_role")),
        (["C1,Ani,cgp,,,,PP1,"], (3, "angkatan", "required")),
        (["C1,Ani,cgp,11 B!,,,PP1,"], (3, "angkatan", "bad_cohort")),
        (["C1,Ani,cgp,Angkatan,,,PP1,"], (3, "angkatan", "bad_cohort")),
        (["C1,Ani,cgp,11,,,PP1,GMT+7"], (3, "zona waktu", "bad_timezone")),
        (["C1,Ani,cgp,11,,,,WIB"], (3, "mentor", "mentor_required")),
        (["P2,Ani,pp,11,,,PP1,WIB"], (3, "mentor", "mentor_not_allowed")),
        (["K1,Ani,koordinator,,,,PP1,"], (3, "mentor", "mentor_not_allowed")),
        (["C1,Ani,cgp,11,,,PP1,", "C1,Agus,cgp,11,,,PP1,"], (4, "id", "duplicate_id")),
        (["PP1,Budi Lagi,pp,11,,,,"], (3, "id", "duplicate_id")),
        (["C1,Ani,cgp,11,,,PP1,", "C2,Agus,cgp,11,,,C1,"], (4, "mentor", "mentor_wrong_role")),
        (["F1,Fajar,fsp,11,,,,", "K1,Eko,kepsek,11,,,PP1,"], (4, "mentor", "mentor_wrong_role")),
        (["G1,Gita,guru,11,,,F1,", "F1,Fajar,pp,11,,,,"], (3, "mentor", "mentor_wrong_role")),
        ([f"C1,{'x' * 201},cgp,11,,,PP1,"], (3, "nama", "too_long")),
        ([f"{'9' * 65},Ani,cgp,11,,,PP1,"], (3, "id", "too_long")),
        ([f"C1,Ani,cgp,11,{'s' * 201},,PP1,"], (3, "sekolah", "too_long")),
        ([f"C1,Ani,cgp,11,,{'k' * 201},PP1,"], (3, "kabupaten/kota", "too_long")),
    ],
)
def test_row_problems_name_row_and_column(lines, expected):
    data = (HEADER + PP + "\n".join(lines) + "\n").encode()
    assert problems_of(data) == [expected]


def test_koordinator_needs_no_cohort_and_problems_are_all_reported_in_row_order():
    assert parse_roster((HEADER + PP + "K1,Sri,koordinator,,,,,\n").encode()).rows[1].cohort is None
    data = (HEADER + "C1,Ani,cgp,11,,,PP1,Mars\n" + PP + "C2,,cgp,11,,,,\n").encode()
    assert problems_of(data) == [
        (2, "zona waktu", "bad_timezone"), (4, "mentor", "mentor_required"), (4, "nama", "required")]


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (b"", (None, None, "file_empty")),
        (b"\n ,, \n", (None, None, "file_empty")),
        (b"%PDF-1.7\n\x00\x01binary", (None, None, "file_not_table")),
        (b"\x89PNG\r\n\x1a\n\x00\x00", (None, None, "file_not_table")),
        (b"PK\x03\x04not really a zip", (None, None, "file_not_table")),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", (None, None, "file_xls")),
        ("nama,peran\nÉlodie,cgp\n".encode("cp1252"), (None, None, "file_not_utf8")),
        (HEADER.encode(), (None, None, "no_rows")),
        (b"id,nama,angkatan,mentor\nC1,Ani,11,\n", (1, None, "missing_column")),
        (b"id,nik,nama,peran,angkatan,mentor\nC1,3201,Ani,pp,11,\n", (1, "nik", "duplicate_column")),
    ],
)
def test_file_problems(data, expected):
    assert problems_of(data) == [expected]


def test_a_zip_that_is_not_a_workbook_is_not_a_table():
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("hello.txt", "hi")
    assert problems_of(out.getvalue()) == [(None, None, "file_not_table")]


def test_size_and_row_limits(monkeypatch):
    assert problems_of(b"x" * (5 * 1024 * 1024 + 1)) == [(None, None, "file_too_large")]
    monkeypatch.setattr(sheets, "MAX_ROWS", 3)
    ok = HEADER + PP + "".join(f"C{i},Ani,cgp,11,,,PP1,\n" for i in range(2))
    assert len(parse_roster(ok.encode()).rows) == 3
    assert problems_of((ok + "C9,Ani,cgp,11,,,PP1,\n").encode()) == [(None, None, "file_too_many_rows")]
    assert problems_of(xlsx([h.split(",") for h in (ok + "C9,Ani,cgp,11,,,PP1,").splitlines()])) == [
        (None, None, "file_too_many_rows")]


def test_every_problem_renders_in_indonesian(texts, examples):
    with pytest.raises(RosterError) as caught:
        parse_roster((examples / "roster_with_errors.csv").read_bytes())
    report = caught.value.report(texts)
    assert report.startswith("Daftar peserta TIDAK diimpor karena ada 8 masalah")
    assert 'Baris 7, kolom peran: peran "kepala dinas" tidak dikenal.' in report
    assert 'Baris 5, kolom id: id "CGP01" sudah dipakai di baris 4.' in report
    codes = {key.removeprefix("roster.problem.") for key in texts.texts if key.startswith("roster.problem.")}
    samples = {"limit_mb": 5, "limit": 1, "column": "c", "other": "o", "meaning": "m", "value": "v",
               "first_row": 2, "expected": "pp", "role": "pp", "mentor_role": "cgp", "name": "n"}
    for code in codes:
        assert RowProblem(3, "c", code, samples).message(texts).startswith("Baris 3, kolom c: ")
    assert RowProblem(None, None, "file_xls").message(texts).startswith("Format .xls")
    many = RosterError([RowProblem(i, None, "required") for i in range(2, 60)])
    assert many.report(texts, limit=10).splitlines()[-1] == "…dan 48 masalah lainnya."


def _count_cells(monkeypatch) -> list[int]:
    read = [0]
    cell_text = sheets._cell_text

    def counting(value: object) -> str:
        read[0] += 1
        return cell_text(value)

    monkeypatch.setattr(sheets, "_cell_text", counting)
    return read


def test_reading_stops_at_the_row_limit_counting_empty_rows(monkeypatch):
    monkeypatch.setattr(sheets, "MAX_ROWS", 5)
    monkeypatch.setattr(sheets, "EXTRA_ROWS", 5)
    read = _count_cells(monkeypatch)
    table = [["id", "nama", "peran", "angkatan", "mentor"], ["PP1", "Budi", "pp", "11", ""]]
    assert [r.external_id for r in parse_roster(formatted_xlsx(table, empty_rows=100_000)).rows] == ["PP1"]
    assert read[0] <= 11 * sheets.MAX_COLUMNS  # rows 1-11 (the one after the limit shows whether the table goes on)


def test_data_right_after_the_row_limit_is_too_many_rows(monkeypatch):
    monkeypatch.setattr(sheets, "MAX_ROWS", 5)
    monkeypatch.setattr(sheets, "EXTRA_ROWS", 5)
    table = [["id", "nama", "peran", "angkatan", "mentor"], ["PP1", "Budi", "pp", "11", ""]]
    within = formatted_xlsx(table, empty_rows=7, then=[["C1", "Ani", "cgp", "11", "PP1"]])  # row 10
    assert [r.external_id for r in parse_roster(within).rows] == ["PP1", "C1"]
    beyond = formatted_xlsx(table, empty_rows=8, then=[["C1", "Ani", "cgp", "11", "PP1"]])  # row 11
    assert problems_of(beyond) == [(None, None, "file_too_many_rows")]
    csv_beyond = ("id,nama,peran,angkatan,mentor\nPP1,Budi,pp,11,\n" + ",,,,\n" * 8 + "C1,Ani,cgp,11,PP1\n").encode()
    assert problems_of(csv_beyond) == [(None, None, "file_too_many_rows")]


def test_reading_a_sheet_has_a_time_limit(monkeypatch):
    monkeypatch.setattr(sheets, "MAX_SECONDS", -1.0)  # the deadline has passed at the first look
    monkeypatch.setattr(sheets, "CHECK_EVERY", 1)
    assert problems_of((HEADER + PP).encode()) == [(None, None, "file_too_complex")]


def test_a_workbook_that_unpacks_to_too_much_is_refused_before_reading(monkeypatch):
    monkeypatch.setattr(sheets, "MAX_UNPACKED_BYTES", 1000)  # the styles and workbook parts alone are more
    assert problems_of(xlsx([HEADER.strip().split(","), PP.strip().split(",")])) == [(None, None, "file_too_complex")]

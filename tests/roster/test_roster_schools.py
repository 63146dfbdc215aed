"""Schools from the roster's sekolah column: one per name and district (or NPSN), members, FSP, pengawas."""
from __future__ import annotations

from sqlalchemy import select

from roster.report import RosterError
from store.models import Person, School, SchoolMember
from tests.roster.test_roster_import import edit_csv, import_bytes


async def schools(db) -> dict[str, tuple]:
    """School name → (npsn, district, FSP external id, sorted member external ids)."""
    async with db.session() as s:
        people = {p.id: p.external_id for p in await s.scalars(select(Person))}
        members: dict[int, list[str]] = {}
        for m in await s.scalars(select(SchoolMember)):
            members.setdefault(m.school_id, []).append(people[m.person_id])
        return {sc.name: (sc.npsn, sc.district, people.get(sc.fsp_id), sorted(members.get(sc.id, [])))
                for sc in await s.scalars(select(School))}


async def test_schools_come_from_the_sekolah_column_with_their_fsp_and_pengawas(db, examples):
    await import_bytes(db, (examples / "roster_sekolah.csv").read_bytes())
    assert await schools(db) == {
        "SMP Negeri 1 Soreang": ("20206543", "Kabupaten Bandung", "FSP11", ["GR11", "KS11", "PG11"]),
        "SD Negeri 2 Soreang": (None, "Kabupaten Bandung", "FSP11", ["KS12", "PG11"]),
        "SMA Negeri 1 Garut": (None, "Kabupaten Garut", "FSP11", ["KS13"]),
    }


async def test_a_pgp_roster_gives_cgps_their_school_and_reimport_changes_nothing(db, examples):
    data = (examples / "roster.csv").read_bytes()
    await import_bytes(db, data)
    first = await schools(db)
    assert first["SMP Negeri 1 Soreang"][3] == ["CGP01", "CGP02", "CGP03", "CGP04", "KS01"]
    assert first["SMP Negeri 1 Soreang"][2] == "FSP01"  # the kepala sekolah's FSP, not the CGPs' PP
    await import_bytes(db, data)
    assert await schools(db) == first


async def test_moving_to_another_school_moves_the_membership(db, examples):
    data = (examples / "roster_sekolah.csv").read_bytes()
    await import_bytes(db, data)
    await import_bytes(db, edit_csv(data, {"GR11": {"sekolah": "SD Negeri 2 Soreang", "npsn": ""}}))
    found = await schools(db)
    assert found["SMP Negeri 1 Soreang"][3] == ["KS11", "PG11"]
    assert found["SD Negeri 2 Soreang"][3] == ["GR11", "KS12", "PG11"]


async def test_a_bad_npsn_rejects_the_file(db, examples, texts):
    data = edit_csv((examples / "roster_sekolah.csv").read_bytes(), {"KS12": {"npsn": "12-34"}})
    try:
        await import_bytes(db, data)
    except RosterError as error:
        assert [p.code for p in error.problems] == ["bad_npsn"]
    else:
        raise AssertionError("a bad NPSN was imported")
    assert await schools(db) == {}

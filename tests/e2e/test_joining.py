"""Joining by invite code, the configured koordinator, and role-scoped command lists — as users see them."""
from __future__ import annotations

from sqlalchemy import func, select

from store.models import InviteCode, Person, Role
from tests.e2e.conftest import EXAMPLES
from tests.e2e.harness import KOORDINATOR_ID, running_bot

CGP_COMMANDS = {"refleksi", "batal", "jadwal", "profil", "bantuan", "privasi"}


async def test_valid_code_joins_and_shows_the_role_menu(bot, emulator):
    codes = await bot.import_roster(EXAMPLES / "roster.csv")
    dewi = bot.user(5001, "Dewi")
    reply = await dewi.join(codes['CGP01'])
    assert "Selamat datang di Pendamping, Dewi Lestari" in reply.text
    assert "Calon Guru Penggerak" in reply.text
    assert "/refleksi" in reply.text
    assert {c for c, _ in emulator.commands(5001)} == CGP_COMMANDS
    async with bot.deps.db.session() as s:
        person = await s.scalar(select(Person).where(Person.external_id == "CGP01"))
        assert person.tg_user_id == 5001 and person.joined_at is not None


async def test_wrong_code_explains_how_to_get_one(bot, db):
    await bot.import_roster(EXAMPLES / "roster.csv")
    stranger = bot.user(5002)
    reply = await stranger.say("/start AAAAAAAAAAAAAAAA")
    assert "tidak dikenali" in reply.text and "koordinator" in reply.text
    reply = await stranger.say("/start bukan-kode-yang-benar-sama-sekali!!")
    assert "tidak dikenali" in reply.text
    async with db.session() as s:
        assert await s.scalar(select(func.count()).select_from(Person).where(Person.tg_user_id.is_not(None))) == 0


async def test_used_code_is_refused_for_a_second_account(bot):
    codes = await bot.import_roster(EXAMPLES / "roster.csv")
    await bot.user(5003).join(codes['CGP02'], "Selamat datang")
    reply = await bot.user(5004).say(f"/start {codes['CGP02']}")
    assert "sudah pernah dipakai" in reply.text


async def test_joined_person_gets_their_menu_again(bot):
    codes = await bot.import_roster(EXAMPLES / "roster.csv")
    pp = bot.user(5005)
    await pp.join(codes['PP01'], "Selamat datang")
    reply = await pp.say("/start")
    assert "Selamat datang kembali, Bambang Sutrisno" in reply.text and "/ringkasan" in reply.text


async def test_start_without_code_explains_joining(bot):
    reply = await bot.user(5006).say("/start")
    assert "kode undangan" in reply.text and "/start" in reply.text


async def test_configured_koordinator_joins_without_code(bot, emulator, db):
    reply = await bot.user(KOORDINATOR_ID, "Sri").say("/start")
    assert "Koordinator" in reply.text and "/siaran" in reply.text
    assert "siaran" in {c for c, _ in emulator.commands(KOORDINATOR_ID)}
    async with db.session() as s:
        person = await s.scalar(select(Person).where(Person.tg_user_id == KOORDINATOR_ID))
        assert person.role is Role.koordinator
    idle = await bot.user(KOORDINATOR_ID, "Sri").say("Halo")  # a hint for what a koordinator can do
    assert "/siaran" in idle.text and "/refleksi" not in idle.text


async def test_the_configured_default_zone_is_the_zone_of_people_without_one(emulator, db, content):
    async with running_bot(emulator, db, content, default_tz="Asia/Makassar") as bot:
        sri = bot.user(KOORDINATOR_ID, "Sri")
        await sri.join(expect="Koordinator")
        assert "WITA (Asia/Makassar)" in (await sri.say("/profil")).text
        async with db.session() as s:
            assert await s.scalar(select(Person.timezone).where(Person.tg_user_id == KOORDINATOR_ID)) is None


async def test_command_lists_are_scoped_by_role_and_checked_on_the_server(bot, emulator):
    codes = await bot.import_roster(EXAMPLES / "roster.csv")
    cgp, pp = bot.user(5007), bot.user(5008)
    await cgp.join(codes['CGP01'], "Selamat datang")
    await pp.join(codes['PP01'], "Selamat datang")
    assert {c for c, _ in emulator.commands("default")} == {"start", "bantuan"}
    assert "ringkasan" in {c for c, _ in emulator.commands(5008)}
    assert not {"ringkasan", "siaran", "ekspor"} & {c for c, _ in emulator.commands(5007)}
    assert "tidak tersedia untuk peran" in (await cgp.say("/siaran")).text
    assert "tidak tersedia untuk peran" in (await cgp.say("/ringkasan")).text
    assert "tidak tersedia untuk peran" in (await pp.say("/siaran")).text
    assert "belum terhubung" in (await bot.user(5009).say("/refleksi")).text


async def test_help_and_profile_follow_the_role(bot):
    codes = await bot.import_roster(EXAMPLES / "roster.csv")
    cgp = bot.user(5010)
    await cgp.join(codes['CGP01'], "Selamat datang")
    help_text = (await cgp.say("/bantuan")).text
    assert "Calon Guru Penggerak" in help_text and "/refleksi" in help_text and "/siaran" not in help_text
    profile = await cgp.say("/profil")
    assert "Dewi Lestari" in profile.text and "Bambang Sutrisno" in profile.text and "WIB" in profile.text
    zones = await cgp.press("Ubah zona waktu")
    assert "Pilih zona waktu" in zones.text
    saved = await cgp.press("WITA (Asia/Makassar)")
    assert "WITA" in saved.text
    assert "WITA" in (await cgp.say("/profil")).text


async def test_koordinator_roster_with_errors_is_rejected_with_row_numbers(bot, db):
    koordinator = bot.user(KOORDINATOR_ID)
    await koordinator.join(expect="Koordinator")
    reply = await koordinator.send_file("roster.csv", (EXAMPLES / "roster_with_errors.csv").read_bytes(), "TIDAK diimpor")
    assert "Baris 3" in reply.text and "Baris 5" in reply.text and "Baris 7" in reply.text
    async with db.session() as s:
        assert await s.scalar(select(func.count()).select_from(Person)) == 1  # only the koordinator
        assert await s.scalar(select(func.count()).select_from(InviteCode)) == 0


async def test_koordinator_import_returns_codes_and_reimport_changes_nothing(bot, emulator, db):
    koordinator = bot.user(KOORDINATOR_ID)
    await koordinator.join(expect="Koordinator")
    data = (EXAMPLES / "roster.csv").read_bytes()
    summary = await koordinator.send_file("roster.csv", data, "berhasil diimpor")
    handout = await koordinator.next(lambda m: m.kind == "document")
    assert handout.filename.endswith(".xlsx") and handout.content[:2] == b"PK"
    async with db.session() as s:
        people_before = await s.scalar(select(func.count()).select_from(Person))
        codes_before = await s.scalar(select(func.count()).select_from(InviteCode))
    assert "Baru: " in summary.text and "Baru: 0" not in summary.text
    again = await koordinator.send_file("roster.csv", data, "berhasil diimpor")
    assert "Baru: 0 · Diperbarui: 0" in again.text
    async with db.session() as s:
        assert await s.scalar(select(func.count()).select_from(Person)) == people_before
        assert await s.scalar(select(func.count()).select_from(InviteCode)) == codes_before
    assert [m for m in emulator.sent(KOORDINATOR_ID) if m.kind == "document"] == [handout]

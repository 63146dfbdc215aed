"""Privacy by design, as people see it: the notice at joining, /privasi (download, delete), the audit log."""
from __future__ import annotations

import json
import re
from datetime import timedelta

from sqlalchemy import func, select

from core.consent import notice_version
from store.models import Answer, AuditEntry, FlowRun, Person
from tests.e2e.conftest import EXAMPLES
from tests.e2e.harness import KOORDINATOR_ID, answer_until_review
from tests.e2e.scheduling import set_lokakarya

NOTICE = "Pemberitahuan data pribadi"


async def _person(db, external_id: str | None = None, person_id: int | None = None) -> Person:
    async with db.session() as s:
        if person_id is not None:
            return await s.get(Person, person_id)
        return await s.scalar(select(Person).where(Person.external_id == external_id))


async def test_a_newcomer_sees_the_notice_and_can_do_nothing_before_setuju(bot, emulator, db, content):
    codes = await bot.import_roster(EXAMPLES / "roster.csv")
    pp, dewi = bot.user(8101), bot.user(8102)
    await pp.join(codes["PP01"])
    notice = await dewi.say(f"/start {codes['CGP01']}", NOTICE)
    assert notice.labels == ["Setuju", "Tidak setuju"]
    for text in ("Yang melihat: pendamping", "Lama penyimpanan", "/privasi", "sementara"):
        assert text in notice.text
    for attempt in ("/refleksi", "/jadwal", "/profil", "/privasi", "/bantuan", "Halo"):
        assert NOTICE in (await dewi.say(attempt)).text, attempt
    held = await _person(db, "CGP01")
    assert held.consent_version is None and held.tg_chat_id is None  # no reminders or broadcasts meanwhile
    overview = await pp.say("/ringkasan", "Perkembangan mentee")
    assert "Dewi Lestari (belum menyetujui" in overview.text

    declined = await dewi.press("Tidak setuju", "tidak menyetujui")
    assert "/start" in declined.text
    assert NOTICE in (await dewi.say("/refleksi")).text
    again = await dewi.say("/start", NOTICE)
    welcome = await dewi.press("Setuju", "Selamat datang di Pendamping, Dewi Lestari")
    assert "/refleksi" in welcome.text and "/privasi" in welcome.text and again.message_id != welcome.message_id
    person = await _person(db, "CGP01")
    assert person.consent_version == notice_version(content) and person.consent_at is not None
    assert person.tg_chat_id == 8102
    assert "Pilih refleksi" in (await dewi.say("/refleksi")).text
    overview = await pp.say("/ringkasan", "Perkembangan mentee")
    assert "Dewi Lestari (belum" not in overview.text


async def test_changed_wording_asks_again(bot, db):
    codes = await bot.import_roster(EXAMPLES / "roster.csv")
    dewi = bot.user(8111)
    await dewi.join(codes["CGP01"])
    async with db.session() as s:
        (await s.scalar(select(Person).where(Person.external_id == "CGP01"))).consent_version = "older-wording"
    reply = await dewi.say("/refleksi", NOTICE)
    assert "telah berubah" in reply.text
    await dewi.press("Setuju", "Selamat datang kembali")
    assert "Pilih refleksi" in (await dewi.say("/refleksi")).text


async def _submit_pi1(cgp) -> None:
    await cgp.say("/refleksi", "Pilih refleksi")
    first = await cgp.press("Pendampingan Individu 1", "(1/20)")
    await answer_until_review(cgp, first, prefix="Rahasia Dewi")
    await cgp.press("Kirim", "sudah terkirim")


async def test_unduh_returns_the_answers_and_hapus_removes_them_while_counts_stay(bot, emulator, db):
    codes = await bot.import_roster(EXAMPLES / "roster.csv")
    pp, dewi, sri = bot.user(8121), bot.user(8122), bot.user(KOORDINATOR_ID)
    await pp.join(codes["PP01"])
    await dewi.join(codes["CGP01"])
    await sri.join(expect="Koordinator")
    await set_lokakarya(bot, 1, bot.deps.clock.now().date() + timedelta(days=3))  # PI 1 is due: it gets a column
    await _submit_pi1(dewi)
    before = _completion((await sri.say("/ringkasan", "Ringkasan")).text)
    assert "PI 1 25%" in before  # Dewi is one of her PP group's four CGPs

    shown = await dewi.say("/privasi", "Data Bapak/Ibu")
    assert "Dewi Lestari" in shown.text and shown.labels == ["Unduh data saya", "Hapus data saya"]
    await dewi.press("Unduh data saya", "Berikut data")
    document = await dewi.next(lambda m: m.kind == "document")
    data = json.loads(document.content)
    assert data["profile"]["name"] == "Dewi Lestari"
    answers = [a["answer"] for run in data["runs"] for a in run["answers"]]
    assert any("Rahasia Dewi" in str(a) for a in answers)

    dewi_id = (await _person(db, "CGP01")).id
    confirm = await dewi.press("Hapus data saya", "tidak dapat ditarik kembali")
    assert confirm.labels == ["Ya, hapus data saya", "Batal"]
    await dewi.press("Batal", "tidak dihapus")
    await dewi.say("/privasi", "Data Bapak/Ibu")
    await dewi.press("Hapus data saya", "tidak dapat ditarik kembali")
    done = await dewi.press("Ya, hapus data saya", "telah dihapus")
    assert "tidak dapat ditarik kembali" in done.text

    async with db.session() as s:
        person = await s.get(Person, dewi_id)
        assert person.tg_user_id is None and person.erased_at is not None and "Dewi" not in person.name
        runs = select(FlowRun.id).where(FlowRun.person_id == dewi_id)
        assert await s.scalar(select(func.count()).select_from(Answer).where(Answer.run_id.in_(runs))) == 0
        assert await s.scalar(select(func.count()).select_from(FlowRun).where(FlowRun.person_id == dewi_id)) == 1
        assert await s.scalar(select(func.count()).select_from(AuditEntry).where(AuditEntry.action == "erase")) == 1
    assert "belum terhubung" in (await dewi.say("/refleksi")).text

    overview = await pp.say("/ringkasan", "Perkembangan mentee")
    assert "Dewi Lestari" not in overview.text
    answers_view = await pp.press(person.name, f"Jawaban {person.name}")
    assert "Rahasia Dewi" not in answers_view.text
    assert _completion((await sri.say("/ringkasan", "Ringkasan")).text) == before


def _completion(overview: str) -> list[str]:
    """The per-flow completion cells of a koordinator's /ringkasan ("· PI 1 50%")."""
    return re.findall(r"· (?!gabung)([^·\n]*?\d+%)", overview)


async def test_a_roster_import_and_a_broadcast_appear_in_the_audit_log(bot, emulator):
    sri = bot.user(KOORDINATOR_ID, "Sri")
    await sri.join(expect="Koordinator")
    await sri.send_file("roster.csv", (EXAMPLES / "roster.csv").read_bytes(), "Baru:")
    await sri.say("/siaran", "kepada siapa")
    await sri.press("Per peran", "Pilih per peran")
    await sri.press("Calon Guru Penggerak (CGP)", "tulis pesan siaran")
    await sri.say("Pengumuman: lokakarya ditunda.", "Pratinjau")
    await sri.press("Kirim sekarang", "orang)")
    log = await sri.say("/riwayat", "Riwayat tindakan")
    assert "impor daftar peserta" in log.text and "siaran" in log.text and "Sri" in log.text
    cgp = bot.user(8131)
    assert "belum terhubung" in (await cgp.say("/riwayat")).text

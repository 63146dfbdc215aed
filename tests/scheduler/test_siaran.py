"""The /siaran composer end to end at the function level."""
from __future__ import annotations

from datetime import datetime, timezone

from sqlalchemy import select

from core.clock import FrozenClock
from scheduler import siaran
from store.models import Broadcast, ChatInput, OutboxMessage, OutboxStatus, Role
from tests.factories import make_cohort, make_person
from tests.scheduler.sendkit import texts_content

NOW = datetime(2026, 11, 20, 3, 0, tzinfo=timezone.utc)
CONTENT = texts_content()


def buttons(reply) -> dict[str, str]:
    return {b.label: b.data for row in reply.buttons for b in row}


async def setup(s):
    a1 = await make_cohort(s, "A1")
    kor = await make_person(s, "koordinator", timezone="Asia/Jayapura")
    pp = await make_person(s, "pp", cohort=a1, name="Bu Rina")
    await make_person(s, "pp", cohort=a1, name="Pak Umar")
    await make_person(s, mentor=pp, cohort=a1, name="Andi", school="SMPN 1 Ambon")
    await make_person(s, mentor=pp, cohort=a1, name="Budi", school="SMPN 2 Ambon", joined=False)
    for i in range(10):
        await make_person(s, cohort=a1, name=f"Guru {i}", school=f"SD Inpres {i:02d}")
    return kor, pp


async def test_compose_preview_and_send_now(db):
    clock = FrozenClock(NOW)
    async with db.session() as s:
        kor, pp = await setup(s)
        [reply] = await siaran.start(s, CONTENT, kor, clock)
        assert set(buttons(reply)) >= {"Semua", "Per peran", "Per angkatan", "Per sekolah", "Per kabupaten/kota", "Kelompok PP"}
        [reply] = await siaran.handle_button(s, CONTENT, kor, buttons(reply)["Kelompok PP"], clock)
        assert list(buttons(reply))[:2] == ["Bu Rina", "Pak Umar"]
        [reply] = await siaran.handle_button(s, CONTENT, kor, buttons(reply)["Bu Rina"], clock)
        assert "kelompok PP Bu Rina" in reply.text
        [reply] = await siaran.handle_text(s, CONTENT, kor, "Jangan lupa PI 3 minggu depan.", clock)
        assert "akan dikirim ke 2 orang (1 belum bergabung" in reply.text.replace("Akan", "akan")
        assert "Jangan lupa PI 3" in reply.text
        [reply] = await siaran.handle_button(s, CONTENT, kor, buttons(reply)["Kirim sekarang"], clock)
        assert "2 orang" in reply.text
        assert await s.get(ChatInput, kor.id) is None
        assert await siaran.handle_text(s, CONTENT, kor, "halo", clock) is None
    async with db.session() as s:
        b = (await s.execute(select(Broadcast))).scalar_one()
        assert (b.created_by, b.send_at, b.audience) == (kor.id, NOW, {"kind": "mentor_group", "value": str(pp.id)})
        rows = (await s.execute(select(OutboxMessage))).scalars().all()
        assert len(rows) == 2 and {r.text for r in rows} == {"Jangan lupa PI 3 minggu depan."}


async def test_search_pages_and_schedule_in_koordinator_zone_then_cancel(db):
    clock = FrozenClock(NOW)
    async with db.session() as s:
        kor, pp = await setup(s)
        await siaran.start(s, CONTENT, kor, clock)
        [reply] = await siaran.handle_button(s, CONTENT, kor, "b:k:school", clock)
        assert len([d for d in buttons(reply).values() if d.startswith("b:v:")]) == siaran.PAGE_SIZE
        [reply] = await siaran.handle_button(s, CONTENT, kor, buttons(reply)["Berikutnya ›"], clock)
        assert "SMPN 2 Ambon" in buttons(reply)  # page 2 of 12 schools
        [reply] = await siaran.handle_text(s, CONTENT, kor, "smpn 1", clock)
        assert [b for b in buttons(reply) if b.startswith("S")] == ["SMPN 1 Ambon"]
        [reply] = await siaran.handle_text(s, CONTENT, kor, "tidak ada", clock)
        assert "Tidak ada yang cocok" in reply.text
        [reply] = await siaran.handle_text(s, CONTENT, kor, "Ambon", clock)
        [reply] = await siaran.handle_button(s, CONTENT, kor, buttons(reply)["SMPN 1 Ambon"], clock)
        [reply] = await siaran.handle_text(s, CONTENT, kor, "Rapat komunitas belajar.", clock)
        assert "1 orang (0 belum" in reply.text
        [reply] = await siaran.handle_button(s, CONTENT, kor, "b:sched", clock)
        assert "WIT" in reply.text and "21/11/2026 08:00" in reply.text
        [reply] = await siaran.handle_text(s, CONTENT, kor, "besok pagi", clock)
        assert "format" in reply.text
        [reply] = await siaran.handle_text(s, CONTENT, kor, "19/11/2026 08:00", clock)
        assert "sudah lewat" in reply.text
        [reply] = await siaran.handle_text(s, CONTENT, kor, "25/11/2026 08.00", clock)
        assert "Rabu, 25 November 2026, pukul 08.00 WIT" in reply.text  # echoed in words
        b = (await s.execute(select(Broadcast))).scalar_one()
        assert b.send_at == datetime(2026, 11, 24, 23, 0, tzinfo=timezone.utc)
        [reply] = await siaran.handle_button(s, CONTENT, kor, "b:list", clock)
        assert "Rapat komunitas" in reply.text
        [reply] = await siaran.handle_button(s, CONTENT, kor, buttons(reply)[f"Batalkan #{b.id}"], clock)
        assert "dibatalkan" in reply.text
        [reply] = await siaran.handle_button(s, CONTENT, kor, f"b:x:{b.id}", clock)
        assert "tidak dapat dibatalkan" in reply.text
        statuses = (await s.execute(select(OutboxMessage.status))).scalars().all()
        assert statuses == [OutboxStatus.cancelled]


async def test_all_role_and_cancel_and_stale_buttons(db):
    clock = FrozenClock(NOW)
    async with db.session() as s:
        kor, pp = await setup(s)
        assert (await siaran.handle_button(s, CONTENT, kor, "b:send", clock))[0].text == CONTENT.text("siaran.expired")
        await siaran.start(s, CONTENT, kor, clock)
        [reply] = await siaran.handle_text(s, CONTENT, kor, "teks terlalu dini", clock)
        assert reply.text == CONTENT.text("siaran.use_buttons")
        [reply] = await siaran.handle_button(s, CONTENT, kor, "b:k:role", clock)
        assert set(buttons(reply)) >= {"Koordinator", "Pengajar Praktik (PP)", "Calon Guru Penggerak (CGP)"}
        [reply] = await siaran.handle_button(s, CONTENT, kor, buttons(reply)["Calon Guru Penggerak (CGP)"], clock)
        [reply] = await siaran.handle_text(s, CONTENT, kor, "x" * 5000, clock)
        assert "5000" in reply.text
        [reply] = await siaran.handle_text(s, CONTENT, kor, "Halo CGP", clock)
        assert "12 orang (1 belum" in reply.text
        [reply] = await siaran.handle_button(s, CONTENT, kor, "b:cancel", clock)
        assert reply.text == CONTENT.text("siaran.cancelled")
        await siaran.start(s, CONTENT, kor, clock)
        [reply] = await siaran.handle_button(s, CONTENT, kor, "b:k:all", clock)
        assert "semua peserta" in reply.text
        assert await siaran.cancel(s, CONTENT, kor) is not None
        assert await siaran.cancel(s, CONTENT, kor) is None
        assert (await s.execute(select(Broadcast))).first() is None


async def test_only_koordinator_checked_on_every_call(db):
    clock = FrozenClock(NOW)
    async with db.session() as s:
        kor, pp = await setup(s)
        assert (await siaran.start(s, CONTENT, pp, clock))[0].text == CONTENT.text("siaran.not_allowed")
        assert await s.get(ChatInput, pp.id) is None
        await siaran.start(s, CONTENT, kor, clock)
        await siaran.handle_button(s, CONTENT, kor, "b:k:all", clock)
        kor.role = Role.pp  # demoted mid-dialogue
        [reply] = await siaran.handle_text(s, CONTENT, kor, "Halo", clock)
        assert reply.text == CONTENT.text("siaran.not_allowed")
        assert (await siaran.handle_button(s, CONTENT, kor, "b:send", clock))[0].text == CONTENT.text("siaran.not_allowed")
        assert await s.get(ChatInput, kor.id) is None
        assert (await s.execute(select(Broadcast))).first() is None


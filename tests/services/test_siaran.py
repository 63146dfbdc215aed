"""The /siaran composer end to end at the function level."""
from __future__ import annotations

from datetime import datetime, time, timedelta, timezone
from decimal import Decimal

import pytest
from sqlalchemy import select, update

from core.clock import FrozenClock
from core.delivery import StarBalance
from services import siaran
from services.callbacks import SIARAN
from scheduler.sender import OutboxSender
from store.models import Broadcast, ChatInput, OutboxMessage, OutboxStatus, Role
from tests.factories import make_cohort, make_person
from tests.scheduler.sendkit import FakeSender, fast_budget, texts_content

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
        [reply] = await siaran.handle_button(s, CONTENT, kor, SIARAN.unpack(buttons(reply)["Kelompok PP"]), clock)
        assert list(buttons(reply))[:2] == ["Bu Rina", "Pak Umar"]
        [reply] = await siaran.handle_button(s, CONTENT, kor, SIARAN.unpack(buttons(reply)["Bu Rina"]), clock)
        assert "kelompok PP Bu Rina" in reply.text
        [reply] = await siaran.handle_text(s, CONTENT, kor, "Jangan lupa PI 3 minggu depan.", clock)
        assert "akan dikirim ke 2 orang (1 belum bergabung" in reply.text.replace("Akan", "akan")
        assert "Jangan lupa PI 3" in reply.text
        [reply] = await siaran.handle_button(s, CONTENT, kor, SIARAN.unpack(buttons(reply)["Kirim sekarang"]), clock)
        assert "(2 orang)" in reply.text and "• 1 orang: sedang dikirim sekarang." in reply.text
        assert "• 1 orang: belum bergabung" in reply.text
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
        [reply] = await siaran.handle_button(s, CONTENT, kor, SIARAN.unpack("b:k:school"), clock)
        assert len([d for d in buttons(reply).values() if d.startswith("b:v:")]) == siaran.PAGE_SIZE
        [reply] = await siaran.handle_button(s, CONTENT, kor, SIARAN.unpack(buttons(reply)["Berikutnya ›"]), clock)
        assert "SMPN 2 Ambon" in buttons(reply)  # page 2 of 12 schools
        [reply] = await siaran.handle_text(s, CONTENT, kor, "smpn 1", clock)
        assert [b for b in buttons(reply) if b.startswith("S")] == ["SMPN 1 Ambon"]
        [reply] = await siaran.handle_text(s, CONTENT, kor, "tidak ada", clock)
        assert "Tidak ada yang cocok" in reply.text
        [reply] = await siaran.handle_text(s, CONTENT, kor, "Ambon", clock)
        [reply] = await siaran.handle_button(s, CONTENT, kor, SIARAN.unpack(buttons(reply)["SMPN 1 Ambon"]), clock)
        [reply] = await siaran.handle_text(s, CONTENT, kor, "Rapat komunitas belajar.", clock)
        assert "1 orang (0 belum" in reply.text
        [reply] = await siaran.handle_button(s, CONTENT, kor, SIARAN.unpack("b:sched"), clock)
        assert "WIT" in reply.text and "21/11/2026 08:00" in reply.text
        [reply] = await siaran.handle_text(s, CONTENT, kor, "besok pagi", clock)
        assert "format" in reply.text
        [reply] = await siaran.handle_text(s, CONTENT, kor, "19/11/2026 08:00", clock)
        assert "sudah lewat" in reply.text
        [reply] = await siaran.handle_text(s, CONTENT, kor, "25/11/2026 08.00", clock)
        assert "Rabu, 25 November 2026, pukul 08.00 WIT" in reply.text  # echoed in words
        b = (await s.execute(select(Broadcast))).scalar_one()
        assert b.send_at == datetime(2026, 11, 24, 23, 0, tzinfo=timezone.utc)
        [reply] = await siaran.handle_button(s, CONTENT, kor, SIARAN.unpack("b:list"), clock)
        assert "Rapat komunitas" in reply.text and "dijadwalkan Rabu, 25 November 2026, pukul 08.00 WIT" in reply.text
        [reply] = await siaran.handle_button(s, CONTENT, kor, SIARAN.unpack(buttons(reply)[f"#{b.id} · Rapat komunitas belajar."]), clock)
        assert "• menunggu waktu kirim: 1" in reply.text
        [reply] = await siaran.handle_button(s, CONTENT, kor, SIARAN.unpack(buttons(reply)[f"Batalkan #{b.id}"]), clock)
        assert "dibatalkan" in reply.text
        [reply] = await siaran.handle_button(s, CONTENT, kor, SIARAN.unpack(f"b:x:{b.id}"), clock)
        assert "tidak dapat dibatalkan" in reply.text
        statuses = (await s.execute(select(OutboxMessage.status))).scalars().all()
        assert statuses == [OutboxStatus.cancelled]


async def test_all_role_and_cancel_and_stale_buttons(db):
    clock = FrozenClock(NOW)
    async with db.session() as s:
        kor, pp = await setup(s)
        assert (await siaran.handle_button(s, CONTENT, kor, SIARAN.unpack("b:send"), clock))[0].text == CONTENT.text("siaran.expired")
        await siaran.start(s, CONTENT, kor, clock)
        [reply] = await siaran.handle_text(s, CONTENT, kor, "teks terlalu dini", clock)
        assert reply.text == CONTENT.text("siaran.use_buttons")
        [reply] = await siaran.handle_button(s, CONTENT, kor, SIARAN.unpack("b:k:role"), clock)
        assert set(buttons(reply)) >= {"Koordinator", "Pengajar Praktik (PP)", "Calon Guru Penggerak (CGP)"}
        [reply] = await siaran.handle_button(s, CONTENT, kor, SIARAN.unpack(buttons(reply)["Calon Guru Penggerak (CGP)"]), clock)
        [reply] = await siaran.handle_text(s, CONTENT, kor, "x" * 5000, clock)
        assert "5000" in reply.text
        [reply] = await siaran.handle_text(s, CONTENT, kor, "Halo CGP", clock)
        assert "12 orang (1 belum" in reply.text
        [reply] = await siaran.handle_button(s, CONTENT, kor, SIARAN.unpack("b:cancel"), clock)
        assert reply.text == CONTENT.text("siaran.cancelled")
        await siaran.start(s, CONTENT, kor, clock)
        [reply] = await siaran.handle_button(s, CONTENT, kor, SIARAN.unpack("b:k:all"), clock)
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
        await siaran.handle_button(s, CONTENT, kor, SIARAN.unpack("b:k:all"), clock)
        kor.role = Role.pp  # demoted mid-dialogue
        [reply] = await siaran.handle_text(s, CONTENT, kor, "Halo", clock)
        assert reply.text == CONTENT.text("siaran.not_allowed")
        assert (await siaran.handle_button(s, CONTENT, kor, SIARAN.unpack("b:send"), clock))[0].text == CONTENT.text("siaran.not_allowed")
        assert await s.get(ChatInput, kor.id) is None
        assert (await s.execute(select(Broadcast))).first() is None



EVENING = datetime(2026, 11, 20, 14, 30, tzinfo=timezone.utc)  # 21:30 WIB, 23:30 WIT


async def evening_world(s):
    """A koordinator in WIB and an audience: three in quiet hours (two zones, ends 06.00 and 07.00), one
    without quiet hours, one who blocked the bot, one who never joined."""
    a1 = await make_cohort(s, "A1")
    kor = await make_person(s, "koordinator", name="Bu Koor")
    await make_person(s, cohort=a1, name="Andi")
    await make_person(s, cohort=a1, name="Wati", timezone="Asia/Jayapura")
    await make_person(s, cohort=a1, name="Dewi", quiet_end=time(7))
    await make_person(s, cohort=a1, name="Rudi", quiet_start=time(0), quiet_end=time(0))
    await make_person(s, cohort=a1, name="Sari", blocked_at=datetime(2026, 11, 1, tzinfo=timezone.utc))
    await make_person(s, cohort=a1, name="Tono", joined=False)
    return kor


async def compose(s, kor, clock, text="Lokakarya besok dibatalkan."):
    await siaran.start(s, CONTENT, kor, clock)
    [reply] = await siaran.handle_button(s, CONTENT, kor, SIARAN.unpack("b:k:cohort"), clock)
    await siaran.handle_button(s, CONTENT, kor, SIARAN.unpack(buttons(reply)["A1 · Angkatan A1"]), clock)
    [preview] = await siaran.handle_text(s, CONTENT, kor, text, clock)
    return preview


async def drain(db, clock):
    async with OutboxSender(db, FakeSender(), CONTENT, clock, fast_budget(), "w") as sender:
        return await sender.drain_once()


async def test_at_half_past_nine_the_preview_and_confirmation_say_who_waits_for_quiet_hours(db):
    clock = FrozenClock(EVENING)
    async with db.session() as s:
        kor = await evening_world(s)
        preview = await compose(s, kor, clock)
        print(preview.text, buttons(preview), sep="\n")
        assert "Akan dikirim ke 6 orang (1 belum bergabung" in preview.text
        assert ("3 penerima sedang dalam jam tenang; mereka menerima pesan mulai pukul 06.00 atau 07.00 "
                "waktu setempat.") in preview.text
        assert "1 penerima memblokir bot" in preview.text
        assert {"Kirim sekarang", "Kirim segera, abaikan jam tenang", "Jadwalkan", "Batal"} == set(buttons(preview))
        [confirmation] = await siaran.handle_button(s, CONTENT, kor, SIARAN.unpack("b:send"), clock)
        print(confirmation.text)
        assert confirmation.text.startswith("Siaran #1 untuk angkatan A1 (6 orang):")
        assert "• 1 orang: sedang dikirim sekarang." in confirmation.text
        assert ("• 3 orang: sedang dalam jam tenang; pesan dikirim mulai pukul 06.00 atau 07.00 waktu setempat."
                in confirmation.text)
        assert "• 1 orang: belum bergabung" in confirmation.text and "• 1 orang: memblokir bot" in confirmation.text
        assert "sedang dikirim ke" not in confirmation.text
        assert buttons(confirmation) == {"Status siaran": "b:s:1"}
    await drain(db, clock)
    async with db.session() as s:
        [status] = await siaran.handle_button(s, CONTENT, kor, SIARAN.unpack("b:s:1"), clock)
        print(status.text)
        assert "Status siaran #1 untuk angkatan A1 (sedang berjalan), per Jumat, 20 November 2026, pukul 21.30 WIB:" in status.text
        for line in ("• terkirim: 1", "• sedang dikirim: 0",
                     "• menunggu jam tenang berakhir: 3 (mulai pukul 06.00 atau 07.00 waktu setempat)",
                     "• gagal: 0", "• memblokir bot: 1", "• belum bergabung: 1"):
            assert line in status.text.splitlines(), line
        assert {"🔄 Perbarui": "b:s:1", "Batalkan #1": "b:x:1", "‹ Daftar siaran": "b:list"} == buttons(status)


async def test_an_urgent_broadcast_goes_through_quiet_hours_at_once(db):
    clock = FrozenClock(EVENING)
    async with db.session() as s:
        kor = await evening_world(s)
        await compose(s, kor, clock)
        [confirmation] = await siaran.handle_button(s, CONTENT, kor, SIARAN.unpack("b:urgent"), clock)
        assert "• 4 orang: sedang dikirim sekarang." in confirmation.text
        assert "jam tenang" in confirmation.text and "mulai pukul" not in confirmation.text
    assert (await drain(db, clock)).sent == 4
    async with db.session() as s:
        [status] = await siaran.handle_button(s, CONTENT, kor, SIARAN.unpack("b:s:1"), clock)
        assert "• terkirim: 4" in status.text and "menunggu jam tenang" not in status.text


async def test_a_broadcast_scheduled_into_quiet_hours_is_previewed_at_its_send_time(db):
    clock = FrozenClock(datetime(2026, 11, 20, 3, 0, tzinfo=timezone.utc))  # 10:00 WIB: nobody in quiet hours
    async with db.session() as s:
        kor = await evening_world(s)
        preview = await compose(s, kor, clock, "Pengumuman malam.")
        assert "jam tenang" not in preview.text and "Kirim segera, abaikan jam tenang" not in buttons(preview)
        await siaran.handle_button(s, CONTENT, kor, SIARAN.unpack("b:sched"), clock)
        [at] = await siaran.handle_text(s, CONTENT, kor, "20/11/2026 21:30", clock)
        print(at.text)
        assert at.text.startswith("Siaran dijadwalkan pada Jumat, 20 November 2026, pukul 21.30 WIB untuk 6 orang.\n\n"
                                  "Pada waktu tersebut, 3 penerima sedang dalam jam tenang; mereka menerima "
                                  "pesan mulai pukul 06.00 atau 07.00 waktu setempat.")
        assert set(buttons(at)) == {"Jadwalkan", "Jadwalkan, abaikan jam tenang", "Batal"}
        [confirmation] = await siaran.handle_button(s, CONTENT, kor, SIARAN.unpack(buttons(at)["Jadwalkan"]), clock)
        assert "dijadwalkan pada Jumat, 20 November 2026, pukul 21.30 WIB" in confirmation.text
        assert "• 1 orang: dikirim pada waktu tersebut." in confirmation.text
        assert "• 3 orang: pada waktu tersebut sedang dalam jam tenang" in confirmation.text
        [status] = await siaran.handle_button(s, CONTENT, kor, SIARAN.unpack("b:s:1"), clock)
        assert "• menunggu waktu kirim: 1" in status.text and "• menunggu jam tenang berakhir: 3" in status.text
        rows = (await s.execute(select(OutboxMessage.respect_quiet_hours))).scalars().all()
        assert set(rows) == {True}
        await compose(s, kor, clock, "Darurat malam.")
        await siaran.handle_button(s, CONTENT, kor, SIARAN.unpack("b:sched"), clock)
        await siaran.handle_text(s, CONTENT, kor, "20/11/2026 21:30", clock)
        [confirmation] = await siaran.handle_button(s, CONTENT, kor, SIARAN.unpack("b:atu"), clock)
        assert "• 4 orang: dikirim pada waktu tersebut." in confirmation.text
        urgent = (await s.execute(select(OutboxMessage.respect_quiet_hours).where(OutboxMessage.broadcast_id == 2)))
        assert set(urgent.scalars()) == {False}


async def test_the_status_list_shows_broadcasts_sent_now_and_counts_copies(db):
    clock = FrozenClock(EVENING)
    async with db.session() as s:
        kor = await evening_world(s)
        assert (await siaran.handle_button(s, CONTENT, kor, SIARAN.unpack("b:list"), clock))[0].text == CONTENT.text("siaran.no_broadcasts")
        await compose(s, kor, clock)
        await siaran.handle_button(s, CONTENT, kor, SIARAN.unpack("b:urgent"), clock)
    await drain(db, clock)
    async with db.session() as s:  # one send had timed out before its retry went out
        await s.execute(update(OutboxMessage).where(OutboxMessage.id == 1).values(maybe_duplicate=True))
    clock.set(EVENING + timedelta(minutes=1))
    async with db.session() as s:
        [recent] = await siaran.handle_button(s, CONTENT, kor, SIARAN.unpack("b:list"), clock)
        assert "#1 · Jumat, 20 November 2026, pukul 21.30 WIB · angkatan A1 · sedang berjalan · Lokakarya besok dibatalkan." in recent.text
        [status] = await siaran.handle_button(s, CONTENT, kor, SIARAN.unpack(buttons(recent)["#1 · Lokakarya besok dibatalkan."]), clock)
        assert "(di antaranya 1 mungkin terkirim dua kali" in status.text


async def _compose_to_all(s, kor, clock, paid_min, stars=None):
    [reply] = await siaran.start(s, CONTENT, kor, clock)
    [reply] = await siaran.handle_button(s, CONTENT, kor, SIARAN.unpack(buttons(reply)["Semua"]), clock, paid_min=paid_min)
    [reply] = await siaran.handle_text(s, CONTENT, kor, "Lokakarya 3 diundur.", clock, paid_min=paid_min, stars=stars)
    return reply


async def test_a_big_enough_broadcast_may_go_paid_with_its_cost_shown(db):
    clock = FrozenClock(NOW)
    async with db.session() as s:
        kor, _ = await setup(s)
        assert "⚡ Kirim cepat (berbayar)" not in buttons(await _compose_to_all(s, kor, clock, None))
        assert "⚡ Kirim cepat (berbayar)" not in buttons(await _compose_to_all(s, kor, clock, 50))
        reply = await _compose_to_all(s, kor, clock, 10)
        # 15 recipients (one not joined yet), none blocked: at most 15 × 0.1 Star
        assert "15 pesan × 0,1 Star = paling banyak 1,5 Star" in reply.text
        [created] = await siaran.handle_button(s, CONTENT, kor, SIARAN.unpack(buttons(reply)["⚡ Kirim cepat (berbayar)"]),
                                               clock, paid_min=10)
        assert "siaran berbayar" in created.text and "1,5 Star" in created.text
    async with db.session() as s:
        broadcast = (await s.execute(select(Broadcast))).scalar_one()
        rows = (await s.execute(select(OutboxMessage))).scalars().all()
        assert broadcast.paid and len(rows) == 15 and all(r.paid for r in rows)


CHECKED = "Jumat, 20 November 2026, pukul"


@pytest.mark.parametrize("stars, shown", [
    (StarBalance(), []),  # not read yet: no balance claimed
    (StarBalance(Decimal(25), NOW - timedelta(minutes=7)), [f"Saldo Star bot: 25 Star (dicek {CHECKED} 11.53 WIT)."]),
    (StarBalance(Decimal("0.8"), NOW), [
        f"Saldo Star bot: 0,8 Star (dicek {CHECKED} 12.00 WIT).",
        "Saldo itu cukup untuk sekitar 8 pesan berbayar; selebihnya dikirim sebagai pesan biasa (30 per detik)."]),
])
async def test_the_paid_offer_shows_the_star_balance_last_read_and_what_it_covers(db, stars, shown):
    async with db.session() as s:
        kor, _ = await setup(s)
        reply = await _compose_to_all(s, kor, FrozenClock(NOW), 10, stars)
    assert "15 pesan × 0,1 Star = paling banyak 1,5 Star" in reply.text
    assert [line for line in reply.text.splitlines() if line.startswith("Saldo")] == shown


async def test_a_paid_press_the_settings_no_longer_allow_sends_nothing(db):
    clock = FrozenClock(NOW)
    async with db.session() as s:
        kor, _ = await setup(s)
        reply = await _compose_to_all(s, kor, clock, 10)
        press = SIARAN.unpack(buttons(reply)["⚡ Kirim cepat (berbayar)"])
        [refused] = await siaran.handle_button(s, CONTENT, kor, press, clock, paid_min=None)
        assert "tidak tersedia" in refused.text
        assert (await s.execute(select(Broadcast))).first() is None


async def test_a_scheduled_broadcast_may_go_paid_too(db):
    clock = FrozenClock(NOW)
    async with db.session() as s:
        kor, _ = await setup(s)
        reply = await _compose_to_all(s, kor, clock, 10)
        [ask] = await siaran.handle_button(s, CONTENT, kor, SIARAN.unpack(buttons(reply)["Jadwalkan"]), clock, paid_min=10)
        [at] = await siaran.handle_text(s, CONTENT, kor, "21/11/2026 10:00", clock, paid_min=10)
        assert "untuk 15 orang" in at.text and "paling banyak 1,5 Star" in at.text
        assert set(buttons(at)) == {"Jadwalkan", "⚡ Jadwalkan cepat (berbayar)", "Batal"}
        [created] = await siaran.handle_button(s, CONTENT, kor, SIARAN.unpack(buttons(at)["⚡ Jadwalkan cepat (berbayar)"]),
                                               clock, paid_min=10)
        assert "dijadwalkan pada" in created.text and "siaran berbayar" in created.text
    async with db.session() as s:
        broadcast = (await s.execute(select(Broadcast))).scalar_one()
        assert broadcast.paid and broadcast.send_at > NOW


async def test_siaran_paid_from_the_command_line_needs_the_setting_and_enough_recipients(db, deps_for):
    async with db.session() as s:
        await setup(s)
    for minimum in (None, 50):
        deps = deps_for(CONTENT, FrozenClock(NOW), paid_broadcast_min_recipients=minimum)
        with pytest.raises(ValueError, match="PAID_BROADCAST_MIN_RECIPIENTS.*Tidak ada yang dikirim"):
            await siaran.from_command_line(deps, "all", "Lokakarya 3 diundur.", None, urgent=False, paid=True)
    async with db.session() as s:
        assert (await s.execute(select(Broadcast))).first() is None
    deps = deps_for(CONTENT, FrozenClock(NOW), paid_broadcast_min_recipients=10)
    broadcast, expected, _ = await siaran.from_command_line(deps, "all", "Lokakarya 3 diundur.", None, urgent=False, paid=True)
    assert broadcast.paid and expected.total == 15 and siaran.paid_cost(expected) == "1,5"

"""A big broadcast as a Telegram paid broadcast: the koordinator sees the cost, confirms, and it goes out fast
under Telegram's limits (emulator flood limits on) while people keep chatting with the bot."""
from __future__ import annotations

import asyncio
from datetime import time
from decimal import Decimal

from sqlalchemy import insert, select

from core.clock import FrozenClock
from scheduler.broadcasts import Audience, create_broadcast
from store.models import Broadcast, OutboxMessage, OutboxStatus, Person, Role, utcnow
from tests.e2e.harness import running_bot
from tests.e2e.scheduling import DAYTIME, compose_to_cgps, report_broadcasts
from tests.factories import AGREED

RECIPIENTS = 1500
FIRST_CHAT = 3_000_000
CHATTERS = [880001 + i for i in range(6)]
TEXT = "Yth. Bapak/Ibu CGP, Lokakarya 3 diundur ke Kamis pukul 08.00. Mohon maaf atas perubahan ini."
# (say or press, what, the reply); "Ubah zona waktu" edits the profile message: an edit cannot go paid.
STEPS = [("say", "/jadwal", "jadwal"), ("say", "/profil", "Zona waktu"), ("press", "Ubah zona waktu", "Pilih zona waktu"),
         ("say", "/bantuan", "/profil")]


async def _seed(db, recipients: int = RECIPIENTS) -> None:
    """Joined CGPs and six joined PPs who will chat during the broadcast, without quiet hours."""
    now = utcnow()
    common = {"timezone": "Asia/Jakarta", "quiet_start": time(0), "quiet_end": time(0), "joined_at": now,
              "created_at": now, "updated_at": now, "consent_version": AGREED, "consent_at": now}
    async with db.session() as s:
        await s.execute(insert(Person.__table__), [
            {"external_id": f"G{chat}", "name": f"Guru {chat}", "role": Role.cgp.name, "tg_user_id": chat,
             "tg_chat_id": chat, **common} for chat in range(FIRST_CHAT, FIRST_CHAT + recipients)])
        await s.execute(insert(Person.__table__), [
            {"external_id": f"P{chat}", "name": f"Pengajar {chat}", "role": Role.pp.name, "tg_user_id": chat,
             "tg_chat_id": chat, **common} for chat in CHATTERS])


async def _chat(bot, user_id: int, replies: list) -> None:
    user = bot.user(user_id, "Pengajar")
    for action, what, expect in STEPS:
        replies.append(await getattr(user, action)(what, expect, timeout=20))


async def test_a_paid_broadcast_reaches_everyone_once_with_no_429_and_no_reply_lost(emulator, db, content):
    await _seed(db)
    for chat in range(FIRST_CHAT, FIRST_CHAT + RECIPIENTS):
        emulator.user(chat, f"Guru {chat}")
    async with running_bot(emulator, db, content, clock=FrozenClock(DAYTIME),
                           paid_broadcast_min_recipients=1000) as bot:
        koordinator, preview = await compose_to_cgps(bot, TEXT)
        assert f"Biayanya {RECIPIENTS} pesan × 0,1 Star = paling banyak 150 Star" in preview.text
        emulator.flood_limits = True
        emulator.stats.reset()
        await koordinator.press("⚡ Kirim cepat (berbayar)", "siaran berbayar: hingga")
        while emulator.stats.paid_sends < 100:  # people chat while the broadcast goes out
            await asyncio.sleep(0.01)
        replies: list = []
        await asyncio.gather(*(_chat(bot, chatter, replies) for chatter in CHATTERS))
        for _ in range(600):
            if all(emulator.sent(chat) for chat in range(FIRST_CHAT, FIRST_CHAT + RECIPIENTS)):
                break
            await asyncio.sleep(0.1)

    received = [[m.text for m in emulator.sent(chat)] for chat in range(FIRST_CHAT, FIRST_CHAT + RECIPIENTS)]
    assert all(texts == [TEXT] for texts in received)
    assert len(replies) == len(CHATTERS) * len(STEPS)
    assert emulator.stats.rejected == 0  # not one 429: the paid lane kept to 1,000/s and every chat's own limit
    assert all(m.paid_broadcast for chat in range(FIRST_CHAT, FIRST_CHAT + RECIPIENTS) for m in emulator.sent(chat))
    # Replies during the broadcast went paid too: Telegram's free 30/s counts the paid sends.
    assert any(m.paid_broadcast for m in replies)
    async with db.session() as s:
        assert (await s.execute(select(Broadcast.paid))).scalar_one()


async def test_when_the_star_balance_runs_out_the_broadcast_goes_on_unpaid_and_nobody_is_missed(emulator, db, content):
    recipients = 120
    await _seed(db, recipients)
    for chat in range(FIRST_CHAT, FIRST_CHAT + recipients):
        emulator.user(chat, f"Guru {chat}")
    emulator.flood_limits = True
    emulator.world.stars_required = True
    emulator.stars_balance = 2  # 20 billed messages, beyond the free 30 of a second
    emulator.user(CHATTERS[0], "Pengajar")
    async with running_bot(emulator, db, content, clock=FrozenClock(DAYTIME)) as bot:
        async with db.session() as s:  # the creator gets the report
            koordinator = await s.scalar(select(Person).where(Person.external_id == f"P{CHATTERS[0]}"))
            await create_broadcast(s, koordinator, Audience("role", "cgp"), TEXT, DAYTIME, paid=True)
        for _ in range(300):
            if all(emulator.sent(chat) for chat in range(FIRST_CHAT, FIRST_CHAT + recipients)):
                break
            await asyncio.sleep(0.1)
        for _ in range(50):
            if await report_broadcasts(bot):
                break
            await asyncio.sleep(0.1)
        report = await emulator.wait_for(CHATTERS[0], "Laporan siaran #1")
        async with db.session() as s:
            statuses = (await s.execute(
                select(OutboxMessage.status, OutboxMessage.paid).where(OutboxMessage.kind == "broadcast"))).all()
    received = [[m for m in emulator.sent(chat)] for chat in range(FIRST_CHAT, FIRST_CHAT + recipients)]
    assert all(len(messages) == 1 and messages[0].text == TEXT for messages in received)
    paid = sum(messages[0].paid_broadcast for messages in received)
    assert 20 <= paid < recipients and emulator.stars_balance >= 0
    assert all(status is OutboxStatus.sent for status, _ in statuses)
    assert sum(1 for _, was_paid in statuses if not was_paid) == recipients - paid  # went on as ordinary rows
    assert emulator.stats.rejected == 0
    assert f"Siaran berbayar: {paid} pesan terkirim berbayar, {recipients - paid} sebagai pesan biasa" in report.text


async def test_the_preview_shows_the_bots_star_balance_and_how_far_it_goes(emulator, db, content):
    await _seed(db, 120)
    emulator.stars_balance = Decimal("2.5")
    async with running_bot(emulator, db, content, clock=FrozenClock(DAYTIME), paid_broadcast_min_recipients=100) as bot:
        balance = bot.deps.extras["star_balance"]
        for _ in range(100):  # read at the start (getMyStarBalance), then every ten minutes
            if balance.stars is not None:
                break
            await asyncio.sleep(0.05)
        _, preview = await compose_to_cgps(bot, TEXT)
    assert "120 pesan × 0,1 Star = paling banyak 12 Star" in preview.text
    assert "Saldo Star bot: 2,5 Star (dicek " in preview.text
    assert "Saldo itu cukup untuk sekitar 25 pesan berbayar; selebihnya dikirim sebagai pesan biasa" in preview.text

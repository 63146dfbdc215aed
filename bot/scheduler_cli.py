"""`pendamping calendar import`, `pendamping siaran` and `pendamping send-outbox`: the scheduler for scripts."""
from __future__ import annotations

import asyncio
import logging
import signal
import sys
from datetime import datetime
from pathlib import Path

from telegram.ext import ExtBot

from bot.budget import BudgetRateLimiter
from bot.cli_files import cli_deps, read_input
from bot.startup import bot_user
from bot.telegram_sender import TelegramSender
from core.clock import SystemClock
from core.content import load_content
from core.dates import format_time
from core.ratelimit import RateBudget, paid_share
from core.settings import Settings
from core.zones import abbreviation
from services import background, intake, siaran
from services.context import Deps
from store.db import Database, is_sqlite
from store.schema_check import ensure_schema

log = logging.getLogger(__name__)

AT_FORMAT = "%Y-%m-%d %H:%M"


async def import_calendar_file(settings: Settings, path: Path) -> int:
    """Import Lokakarya dates from a CSV file (all rows or none) and re-plan the reminders."""
    content = load_content(settings.content_dir, settings.default_tz)
    data = read_input(content, path)
    if data is None:
        return 1
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        print(content.text("cli.file_not_utf8", berkas=path), file=sys.stderr)
        return 1
    async with cli_deps(settings) as deps:
        imported = await intake.import_calendar(deps, text)
    print(imported.text, file=sys.stdout if imported.ok else sys.stderr)
    return 0 if imported.ok else 1


async def create_siaran(settings: Settings, audience: str, text: str, at: str | None, urgent: bool = False,
                        paid: bool = False) -> int:
    """Queue a broadcast for the running bot to deliver; print who gets it when.

    `urgent` sends through the recipients' quiet hours (e.g. a workshop cancelled the evening before);
    `paid` as a Telegram paid broadcast (PAID_BROADCAST_MIN_RECIPIENTS must allow it).
    """
    content = load_content(settings.content_dir, settings.default_tz)
    try:
        send_at = datetime.strptime(at, AT_FORMAT) if at else None
    except ValueError:
        print(content.text("cli.siaran_bad_at", nilai=at), file=sys.stderr)
        return 2
    try:
        async with cli_deps(settings) as deps:
            broadcast, expected, label = await siaran.from_command_line(deps, audience, text, send_at, urgent, paid)
    except ValueError as exc:
        print(f"siaran: {exc}", file=sys.stderr)
        return 2
    when = f"{at} {abbreviation(getattr(broadcast.send_at.tzinfo, 'key', 'UTC'))}" if at else content.text("cli.siaran_now")
    joined = expected.now + expected.quiet + expected.unreachable
    print(content.text("cli.siaran_queued", nomor=broadcast.id, sasaran=label, jumlah=expected.total,
                       bergabung=joined, belum=expected.not_joined, kapan=when))
    if expected.quiet:
        print(content.text("cli.siaran_quiet", jumlah=expected.quiet,
                           pukul=", ".join(format_time(t) for t in expected.quiet_ends)))
    if urgent:
        print(content.text("cli.siaran_urgent"))
    if paid:
        print(content.text("cli.siaran_paid", bintang=siaran.paid_cost(expected)))
    if expected.unreachable:
        print(content.text("cli.siaran_unreachable", jumlah=expected.unreachable))
    return 0


async def send_outbox(settings: Settings, rate: int) -> int:
    """Drain the outbox through the Bot API until SIGTERM or SIGINT; no polling, no handlers."""
    content = load_content(settings.content_dir, settings.default_tz)
    if is_sqlite(settings.database_url):
        # The one sender on SQLite takes over every claimed row when it starts (scheduler/claimers.py).
        print(content.text("cli.send_outbox_sqlite"), file=sys.stderr)
        return 2
    ensure_schema(settings.database_url)
    await bot_user(settings, patient=True)  # waits out a network outage; a rejected token stops here
    budget = RateBudget(bulk_rate=rate, paid_rate=paid_share(rate), restarted=True)
    bot = ExtBot(settings.token, base_url=settings.bot_api_base, base_file_url=settings.bot_file_base,
                 rate_limiter=BudgetRateLimiter(budget))
    db = Database(settings.database_url)
    deps = Deps(settings=settings, content=content, db=db, clock=SystemClock())
    transport = TelegramSender(bot)
    sender = background.outbox_sender(deps, transport, budget, "send-outbox")
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stop.set)
    try:
        async with bot, sender, background.OutboxAlarm(db, deps.clock) as alarm:
            log.info("outbox sender %s started (%d messages/s)", sender.worker_id, rate)
            await sender.run(stop, alarm)
    finally:
        await transport.close()
        await db.dispose()
    log.info("outbox sender %s stopped", sender.worker_id)
    return 0

"""Background jobs on PTB's JobQueue (APScheduler): outbox drain, reminder planning, digests, reports, the bot's
Star balance."""
from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from decimal import Decimal

from telegram.error import TelegramError
from telegram.ext import Application, ContextTypes

from bot.telegram_sender import TelegramSender
from core.delivery import StarBalance
from services import background
from services.context import Deps

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class JobTimings:
    """Seconds between runs; tests shorten them."""

    drain: float = 2.0  # each drain run waits for its alarm and sends for at most this long (shutdown waits for it)
    plan: float = 900.0
    reports: float = 30.0
    stars: float = 600.0  # the Star balance the paid broadcast preview shows (only with paid broadcasts enabled)
    plan_first: float = 1.0  # after the start
    reports_first: float = 5.0


# APScheduler drops a run that starts more than a second late (its default grace time). On a busy
# machine that silently stopped the outbox chain for good; a late run must still run.
_LATE_RUNS_STILL_RUN = {"misfire_grace_time": None}


def repeating(interval: float, first: float) -> dict:
    """run_repeating's arguments for a job that runs one at a time, late runs included, first `first` seconds from
    now even if the queue starts later: jobs are added before Application.start() starts the scheduler, which gives
    a repeating job without a set next run its first fire time at or after the start, so a first run whose time
    passed meanwhile (a slow start) moved a whole interval on (the first reminder planning by 15 minutes)."""
    first_run = datetime.now(timezone.utc) + timedelta(seconds=first)
    return {"interval": interval, "first": first_run,
            "job_kwargs": {"max_instances": 1, "coalesce": True, "next_run_time": first_run, **_LATE_RUNS_STILL_RUN}}


async def _drain(context: ContextTypes.DEFAULT_TYPE) -> None:
    """Drain for a while, then chain the next run: no overlap, and no idle gap while there is work.

    (A repeating job whose run outlasts its interval skips the next tick and leaves the outbox idle
    until the one after; with drain_for(interval) that halved the broadcast rate.) The next run starts
    `seconds` after this one started, or at once if this one took longer; after an error, `seconds` later.
    Idle, a run only waits for the alarm (services.background.OutboxAlarm): no database work.
    """
    sender, alarm, seconds = context.job.data
    started = time.monotonic()
    delay = seconds
    try:
        await sender.drain_for(seconds, alarm)
        delay = max(0.0, seconds - (time.monotonic() - started))
    finally:
        if context.application.running:  # stop() waits for this run and then schedules nothing more
            context.job_queue.run_once(_drain, delay, data=context.job.data, name="outbox",
                                       job_kwargs=_LATE_RUNS_STILL_RUN)


async def _plan(context: ContextTypes.DEFAULT_TYPE) -> None:
    await background.plan(*context.job.data)


async def _reports(context: ContextTypes.DEFAULT_TYPE) -> None:
    await background.report_broadcasts(context.job.data)


async def _read_stars(context: ContextTypes.DEFAULT_TYPE) -> None:
    balance: StarBalance = context.job.data
    deps: Deps = context.application.bot_data["deps"]
    try:
        amount = await context.bot.get_my_star_balance()
    except TelegramError as exc:  # the preview then shows the last balance read, with its time, or none
        log.warning("could not read the bot's Star balance: %s", exc)
        return
    balance.stars = Decimal(amount.amount) + Decimal(amount.nanostar_amount or 0) / 10**9
    balance.read_at = deps.clock.now()


async def schedule(application: Application) -> None:
    """Register the jobs once the bot is initialised."""
    deps: Deps = application.bot_data["deps"]
    timings: JobTimings = deps.extras.get("timings", JobTimings())
    transport = application.bot_data["outbox_transport"] = TelegramSender(application.bot)
    sender = background.outbox_sender(deps, transport, deps.extras["budget"])
    alarm = await background.OutboxAlarm(deps.db, deps.clock).__aenter__()
    application.bot_data["outbox_sender"] = sender
    application.bot_data["outbox_alarm"] = alarm
    queue = application.job_queue
    queue.run_once(_drain, 0.2, data=(sender, alarm, timings.drain), name="outbox", job_kwargs=_LATE_RUNS_STILL_RUN)
    queue.run_repeating(_plan, data=(deps, background.pacing()), name="plan", **repeating(timings.plan, timings.plan_first))
    queue.run_repeating(_reports, data=deps, name="broadcast-reports", **repeating(timings.reports, timings.reports_first))
    if deps.settings.paid_broadcast_min_recipients is not None:
        balance = deps.extras["star_balance"] = StarBalance()
        queue.run_repeating(_read_stars, data=balance, name="star-balance", **repeating(timings.stars, 0.1))


async def stop(application: Application) -> None:
    """After the jobs have stopped: give up the outbox sender's claims (another sender may take them over)."""
    alarm = application.bot_data.pop("outbox_alarm", None)
    if alarm is not None:
        await alarm.__aexit__(None, None, None)
    sender = application.bot_data.pop("outbox_sender", None)
    if sender is not None:
        await sender.close()
    transport = application.bot_data.pop("outbox_transport", None)
    if transport is not None:
        await transport.close()

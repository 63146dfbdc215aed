"""Background jobs on PTB's JobQueue (APScheduler): outbox drain, reminder planning, digests, reports."""
from __future__ import annotations

import logging
import os
import socket
from dataclasses import dataclass

from telegram.ext import Application, ContextTypes

from bot.telegram_sender import TelegramSender
from bot.services import Services
from scheduler import broadcasts, digest, planner
from scheduler.sender import OutboxSender

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class JobTimings:
    """Seconds between runs; tests shorten them."""

    drain: float = 2.0  # each drain job sends for at most this long, so shutdown never waits longer
    plan: float = 900.0
    reports: float = 30.0


def _single(interval: float, first: float) -> dict:
    return {"interval": interval, "first": first, "job_kwargs": {"max_instances": 1, "coalesce": True}}


async def _drain(context: ContextTypes.DEFAULT_TYPE) -> None:
    sender, seconds = context.job.data
    await sender.drain_for(seconds)


async def _plan(context: ContextTypes.DEFAULT_TYPE) -> None:
    services: Services = context.job.data
    async with services.db.session() as session:
        await planner.plan(session, services.content, services.clock)
    async with services.db.session() as session:
        await digest.plan_digests(session, services.content, services.clock)


async def _reports(context: ContextTypes.DEFAULT_TYPE) -> None:
    services: Services = context.job.data
    async with services.db.session() as session:
        await broadcasts.plan_broadcast_reports(session, services.content, services.clock)


def schedule(application: Application) -> None:
    """Register the jobs once the bot is initialised."""
    services: Services = application.bot_data["services"]
    timings: JobTimings = services.extras.get("timings", JobTimings())
    sender = OutboxSender(
        services.db, TelegramSender(application.bot), services.content, services.clock, services.extras["budget"],
        worker_id=f"{socket.gethostname()}:{os.getpid()}", default_tz=services.settings.default_tz,
    )
    queue = application.job_queue
    queue.run_repeating(_drain, data=(sender, timings.drain), name="outbox", **_single(timings.drain, 0.2))
    queue.run_repeating(_plan, data=services, name="plan", **_single(timings.plan, 1.0))
    queue.run_repeating(_reports, data=services, name="broadcast-reports", **_single(timings.reports, 5.0))

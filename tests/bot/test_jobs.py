"""The bot's repeating jobs keep their first run when the job queue starts late."""
from __future__ import annotations

import asyncio
import contextlib

from telegram.ext import ApplicationBuilder

from bot import jobs
from tests.e2e.harness import TOKEN


async def test_a_first_run_whose_time_passed_before_the_queue_started_still_comes_first():
    application = ApplicationBuilder().token(TOKEN).build()
    ran = asyncio.Event()

    async def job(_context) -> None:
        ran.set()

    application.job_queue.run_repeating(job, **jobs.repeating(interval=3600, first=0.05))
    await asyncio.sleep(0.3)  # a slow start: the first run's time passes before the scheduler runs
    await application.job_queue.start()
    try:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(ran.wait(), timeout=3)
    finally:
        await application.job_queue.stop(wait=False)
    assert ran.is_set(), "the first run was moved a whole interval on"

"""Work no person started: planning reminders and digests, reporting finished broadcasts, delivering the outbox."""
from __future__ import annotations

from core.delivery import Sender
from core.ratelimit import RateBudget
from scheduler import broadcasts, digest, planner
from scheduler.claimers import new_worker_id
from scheduler.sender import OutboxSender
from services import companion, weekly
from services.context import Deps
from store import outbox


async def plan(deps: Deps) -> None:
    """Expand the reminder rules into the outbox, then the mentors' digests (each its own unit of work)."""
    async with deps.db.session() as session:
        await planner.plan(session, deps.content, deps.clock)
    async with deps.db.session() as session:
        await digest.plan_digests(session, deps.content, deps.clock)
    await companion.plan(deps)
    await weekly.plan_reports(deps)  # the koordinators' Monday report


async def report_broadcasts(deps: Deps) -> int:
    """Queue a report to the koordinator of each broadcast with nothing left to deliver."""
    async with deps.db.session() as session:
        return await broadcasts.plan_broadcast_reports(session, deps.content, deps.clock)


def outbox_sender(deps: Deps, transport: Sender, budget: RateBudget, role: str = "") -> OutboxSender:
    """A sender of the outbox through `transport`, within `budget`; use it as `async with`."""
    return OutboxSender(deps.db, transport, deps.content, deps.clock, budget, worker_id=new_worker_id(role))


async def outbox_due(deps: Deps) -> bool:
    """Whether outbox rows are due now and not yet delivered (the demo waits for them)."""
    async with deps.db.session() as session:
        return await outbox.any_due(session, deps.clock.now())

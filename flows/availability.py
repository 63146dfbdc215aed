"""When a flow opens for a person: from the program calendar, once it dates the flow's event.

A flow tied to an event (PI n, Lokakarya n) opens `flow_opens_days_before` days before that event's
date for the person and stays open; a Sekolah Penggerak workshop's worksheets open on its day. A flow without an event, or whose
event the calendar does not date yet (no calendar set for the cohort), is open.
"""
from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from core.clock import Clock
from core.content.schema import Content, Flow
from core.zones import local_today
from program.calendar import OPENS_ON_THE_DAY, DatedItem, events_for
from store.models import Person, Role


async def closed_until(session: AsyncSession, content: Content, person: Person, clock: Clock,
                       flows: list[Flow]) -> dict[str, date]:
    """flow id → the day it opens, for those of `flows` that are not open yet for the person."""
    dated = [f for f in flows if f.event is not None and f.event.number is not None]
    if not dated:
        return {}
    items = await events_for(session, content, person, clock)
    today = local_today(person, content.default_tz, clock)
    lead = timedelta(days=content.calendar.flow_opens_days_before)
    closed = {}
    for flow in dated:
        days = _event_dates(content, person, items, flow.event.kind, flow.event.number)
        ahead = timedelta(0) if flow.event.kind in OPENS_ON_THE_DAY else lead
        if days and all(day - ahead > today for day in days):
            closed[flow.id] = min(days) - ahead
    return closed


def _event_dates(content: Content, person: Person, items: list[DatedItem], kind: str, number: int) -> list[date]:
    own = [i.on_date for i in items if i.kind == kind and i.number == number and i.about_id is None]
    if own or kind != "pi" or person.role is Role.cgp:
        return own
    # A mentor's PI flows (jurnal, observation …) follow the cohort's PI week: Lokakarya n − the PI lead.
    before = timedelta(days=content.calendar.pi_days_before_lokakarya)
    return [i.on_date - before for i in items if i.kind == "lokakarya" and i.number == number]

"""Reflections and worksheets (flows/): /refleksi, answering, the flows' buttons, /batal of a run.

A submission stops the reminders it makes pointless: the engine says which flow an update submitted
(a value of its result), and the stop is applied here, in the same unit of work.
"""
from __future__ import annotations

from core.ui import Incoming, Reply
from flows import engine
from flows.callbacks import FLOWS  # re-exported: the presses bot/app.py sends to press()
from flows.callbacks import FlowPress, OpenFlow
from scheduler import stops
from services import companion, psp
from services.context import Deps
from services.turn import Acting, Outcome, Turn, act


async def menu(deps: Deps, turn: Turn) -> Outcome:
    """/refleksi: the flows open to the person, with their status."""
    return await act(deps, turn, _menu, command="refleksi")


async def press(deps: Deps, turn: Turn, value: FlowPress | None) -> Outcome:
    """An "f:" button: open a flow (about a mentee), or act on a question of a run; None for stale or forged data."""
    return await act(deps, turn, lambda acting: _press(acting, value))


async def take_message(acting: Acting, incoming: Incoming) -> list[Reply] | None:
    """A message answers the person's active run; None when they have none."""
    result = await engine.handle(acting.session, acting.content, acting.person, incoming, acting.clock)
    return None if result is None else await _applied(acting, result)


async def cancel(acting: Acting) -> list[Reply]:
    """/batal of a run: its answers stay as a draft."""
    return await engine.cancel(acting.session, acting.content, acting.person, acting.clock)


async def open_flow(acting: Acting, flow_id: str) -> list[Reply]:
    """Open a flow as its menu button does (e.g. from a reminder)."""
    return await _press(acting, OpenFlow(flow_id))


async def _menu(acting: Acting) -> list[Reply]:
    return await engine.open_menu(acting.session, acting.content, acting.person, acting.clock)


async def _press(acting: Acting, value: FlowPress | None) -> list[Reply]:
    if (school := await psp.gate(acting, value)) is not None:  # PMO steps: one state per school
        return school
    return await _applied(acting, await engine.press(acting.session, acting.content, acting.person, value, acting.clock))


async def _applied(acting: Acting, result: engine.Handled) -> list[Reply]:
    if result.submitted is not None:
        await stops.on_flow_submitted(acting.session, acting.content, acting.person, result.submitted.flow_id,
                                      acting.clock)
        return result.replies + await companion.after_submit(acting, result.submitted)
    return result.replies

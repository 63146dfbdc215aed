"""Run a CPU-heavy pure function (reading a spreadsheet) in a worker process.

A worker thread would still share the interpreter lock with the event loop, and openpyxl holds it in
long stretches: other people's replies then wait for seconds. A separate process leaves the loop alone.
One worker, started on first use ("spawn": no copy of the bot's threads and connections).
"""
from __future__ import annotations

import asyncio
import multiprocessing
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import TypeVar

T = TypeVar("T")
_pool: ProcessPoolExecutor | None = None


def _executor() -> ProcessPoolExecutor:
    global _pool
    if _pool is None:
        _pool = ProcessPoolExecutor(max_workers=1, mp_context=multiprocessing.get_context("spawn"))
    return _pool


async def run_in_process(function: Callable[..., T], *args: object) -> T:
    """Call `function(*args)` (picklable, module-level) in the worker process and return its result."""
    global _pool
    try:
        return await asyncio.get_running_loop().run_in_executor(_executor(), function, *args)
    except BrokenProcessPool:
        _pool = None  # the worker died (killed, out of memory): the next call starts a new one
        raise


def shutdown() -> None:
    """Stop the worker, if one was started."""
    global _pool
    if _pool is not None:
        _pool.shutdown(wait=False, cancel_futures=True)
        _pool = None

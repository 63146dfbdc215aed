"""Button presses: one handler per callback-data namespace, each decoding the data once and calling one use case.

Data that does not decode (stale, forged, malformed) reaches the use case as None, which answers with its
namespace's "no longer valid"; data outside every namespace, or none at all, gets the generic one.
"""
from __future__ import annotations

import functools
from collections.abc import Awaitable, Callable
from typing import Any

from telegram import Update

from bot.context import BotContext
from bot.handlers.common import run
from core.callbacks import Namespace
from services import turn


def pressed(namespace: Namespace, use_case: Callable[..., Awaitable[Any]]) -> Callable[[Update, BotContext], Awaitable[None]]:
    """The handler of one namespace: `use_case(deps, turn, value)`, value None for data that does not decode."""
    async def handler(update: Update, context: BotContext) -> None:
        data = update.callback_query.data
        if not namespace.owns(data):  # python-telegram-bot hands a press without data to every patterned handler
            await stale(update, context)
            return
        await run(update, context, functools.partial(use_case, context.deps, value=namespace.unpack(data)))
    return handler


async def stale(update: Update, context: BotContext) -> None:
    """A press outside every namespace."""
    await run(update, context, functools.partial(turn.stale_button, context.deps))

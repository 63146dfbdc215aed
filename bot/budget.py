"""Route every interactive Bot API call through the same RateBudget as the outbox sender."""
from __future__ import annotations

import logging
from collections.abc import Callable, Coroutine
from typing import Any

from telegram.error import RetryAfter
from telegram.ext import BaseRateLimiter

from core.ratelimit import RateBudget

log = logging.getLogger(__name__)

# Calls that Telegram counts against the flood limits.
COUNTED_PREFIXES = ("send", "edit", "copyMessage", "forwardMessage")
BULK = "bulk"  # rate_limit_args of calls whose budget the outbox sender already acquired
# Calls that take allow_paid_broadcast: while a paid broadcast goes out, replies go paid too (core/ratelimit.py).
PAYABLE = ("sendMessage", "sendPhoto", "sendDocument", "sendVoice", "sendVideo", "sendAudio", "sendAnimation",
           "sendSticker", "sendLocation", "sendContact", "sendPoll", "sendMediaGroup", "copyMessage")


def retry_seconds(exc: RetryAfter) -> float:
    """How long Telegram asked us to wait (a timedelta with PTB_TIMEDELTA, a number without)."""
    retry = exc.retry_after
    return retry if isinstance(retry, (int, float)) else retry.total_seconds()


class BudgetRateLimiter(BaseRateLimiter[str]):
    """Interactive replies take budget with priority; on a 429 the whole budget pauses and we retry once."""

    def __init__(self, budget: RateBudget) -> None:
        self.budget = budget

    async def initialize(self) -> None:
        """Nothing to set up."""

    async def shutdown(self) -> None:
        """Nothing to tear down."""

    async def process_request(
        self,
        callback: Callable[..., Coroutine[Any, Any, bool | dict[str, Any] | list[dict[str, Any]]]],
        args: Any,
        kwargs: dict[str, Any],
        endpoint: str,
        data: dict[str, Any],
        rate_limit_args: str | None,
    ) -> bool | dict[str, Any] | list[dict[str, Any]]:
        # Replies answer the person's own action: Telegram allows such short bursts in one chat, so
        # they skip the outbox's 1 s per-chat spacing but not the burst cap (a 429 here would pause
        # every send, the outbox's too, for retry_after).
        counted = endpoint.startswith(COUNTED_PREFIXES) and rate_limit_args != BULK
        chat_id = data.get("chat_id")
        chat = chat_id if isinstance(chat_id, int) else None
        try:
            return await self._send(callback, args, kwargs, chat if counted else None, counted)
        except RetryAfter as exc:
            seconds = retry_seconds(exc)
            self.budget.pause(seconds)
            if rate_limit_args == BULK:
                raise
            log.warning("429 on %s; retrying after %s s", endpoint, seconds)
            return await self._send(callback, args, kwargs, chat if counted else None, True)

    async def _send(self, callback: Callable[..., Coroutine[Any, Any, Any]], args: Any, kwargs: dict[str, Any],
                    chat: int | None, counted: bool) -> Any:
        if not counted:
            return await callback(*args, **kwargs)
        endpoint, data = args
        paid = self.budget.paid_active and endpoint in PAYABLE
        if paid:
            data["allow_paid_broadcast"] = True  # the request is built from `data` after this
        async with self.budget.slot(chat, interactive=True, paid=paid):
            return await callback(*args, **kwargs)

"""Reach Telegram before serving: retry patiently while the network is down; one line for a rejected token."""
from __future__ import annotations

import asyncio
import logging

from telegram import Bot, User
from telegram.error import InvalidToken, NetworkError, RetryAfter, TelegramError

from bot.budget import retry_seconds
from bot.logs import scrub
from core.early_texts import early_text
from core.settings import Settings, SettingsError

log = logging.getLogger(__name__)

BACKOFF_SECONDS = (1, 2, 4, 8, 15, 30, 60)  # between tries; the last one repeats


class Unreachable(Exception):
    """Telegram cannot be reached (network down, DNS, an outage); the message says why."""


async def bot_user(settings: Settings, patient: bool) -> User:
    """Ask Telegram who the bot is (getMe).

    A token Telegram rejects, or a TELEGRAM_API_URL that answers but is no Bot API, raises
    SettingsError naming the setting. While Telegram cannot be reached, a patient caller gets one log
    line per try and retries with backoff; an impatient one gets Unreachable.
    """
    tries = 0
    while True:
        try:
            async with Bot(settings.token, base_url=settings.bot_api_base, base_file_url=settings.bot_file_base) as bot:
                return bot.bot
        except InvalidToken as exc:  # its own message quotes the token; Telegram's answer is the cause
            reason = scrub(getattr(exc.__cause__, "message", "Unauthorized"), settings.token)
            raise SettingsError(early_text("token_rejected", reason=reason)) from None
        except (NetworkError, RetryAfter) as exc:  # TimedOut is a NetworkError
            reason = scrub(f"{type(exc).__name__}: {exc.message}", settings.token)
            if not patient:
                raise Unreachable(reason) from None
            backoff = BACKOFF_SECONDS[min(tries, len(BACKOFF_SECONDS) - 1)]
            delay = retry_seconds(exc) if isinstance(exc, RetryAfter) else backoff
        except TelegramError as exc:
            reason = scrub(exc.message, settings.token)
            raise SettingsError(early_text("api_not_telegram", url=settings.telegram_api_url, reason=reason)) from None
        tries += 1
        log.warning("Telegram cannot be reached at %s (%s); try %d failed, retrying in %g s",
                    settings.telegram_api_url, reason, tries, delay)
        await asyncio.sleep(delay)

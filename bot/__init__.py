"""Telegram glue: application wiring, handlers, rendering, CLI."""
import os

# Opt in to python-telegram-bot's future API: durations (RetryAfter.retry_after) as timedelta.
os.environ.setdefault("PTB_TIMEDELTA", "1")

"""Logging set-up: the bot token never reaches a log line."""
from __future__ import annotations

import logging
import re

TOKEN_IN_URL = re.compile(r"bot\d+:[A-Za-z0-9_-]+")
NOISY_LOGGERS = ("httpx", "httpcore", "aiohttp.access", "apscheduler.executors.default", "apscheduler.scheduler")


def scrub(text: str, secret: str | None = None) -> str:
    """Replace the token (and any bot<token> URL part) with a placeholder."""
    if secret:
        text = text.replace(secret, "<token>")
    return TOKEN_IN_URL.sub("bot<token>", text)


class ScrubTokenFilter(logging.Filter):
    """Render each record eagerly and scrub it, so neither message nor args leak the token."""

    def __init__(self, secret: str | None) -> None:
        super().__init__()
        self._secret = secret

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        cleaned = scrub(message, self._secret)
        if record.exc_info and record.exc_info[1] is not None:
            record.exc_text = scrub(logging.Formatter().formatException(record.exc_info), self._secret)
            record.exc_info = None
        if cleaned != message or record.args:
            record.msg, record.args = cleaned, None
        return True


def setup_logging(secret: str | None, level: int = logging.INFO) -> None:
    """Log to stderr through the scrubbing filter; HTTP client loggers stay at WARNING."""
    handler = logging.StreamHandler()
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    handler.addFilter(ScrubTokenFilter(secret))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    for name in NOISY_LOGGERS:
        logging.getLogger(name).setLevel(logging.WARNING)

"""A bare python-telegram-bot echo bot: the baseline for conversation benchmarks."""
from __future__ import annotations

from telegram import Update
from telegram.ext import Application, ContextTypes, MessageHandler, filters

DEFAULT_TOKEN = "123456:echo-baseline"


async def echo(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Send the user's text straight back."""
    if update.effective_message and update.effective_message.text:
        await update.effective_message.reply_text(update.effective_message.text)


def build_echo_application(base_url: str, token: str = DEFAULT_TOKEN) -> Application:
    """Return an echo Application for a Bot API root such as "http://127.0.0.1:8081"."""
    root = base_url.rstrip("/")
    application = (
        Application.builder()
        .token(token)
        .base_url(f"{root}/bot")
        .base_file_url(f"{root}/file/bot")
        .build()
    )
    application.add_handler(MessageHandler(filters.TEXT, echo))
    return application

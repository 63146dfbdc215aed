"""The use cases' dependencies (services/context.py), injected through the Application's context."""
from __future__ import annotations

from telegram.ext import Application, CallbackContext, ExtBot

from services.context import Deps


WEBHOOK = "webhook"  # bot_data key, set by bot/webhook.py


class BotContext(CallbackContext[ExtBot, dict, dict, dict]):
    """CallbackContext with typed access to the injected dependencies."""

    @property
    def deps(self) -> Deps:
        return self.application.bot_data["deps"]

    @property
    def by_webhook(self) -> bool:
        """Updates arrive by webhook (bot/webhook.py): after a crash Telegram may deliver one again, to any worker."""
        return self.application.bot_data.get(WEBHOOK, False)


def attach(application: Application, deps: Deps) -> None:
    application.bot_data["deps"] = deps

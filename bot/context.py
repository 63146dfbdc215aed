"""The use cases' dependencies (services/context.py), injected through the Application's context."""
from __future__ import annotations

from telegram.ext import Application, CallbackContext, ExtBot

from services.context import Deps


class BotContext(CallbackContext[ExtBot, dict, dict, dict]):
    """CallbackContext with typed access to the injected dependencies."""

    @property
    def deps(self) -> Deps:
        return self.application.bot_data["deps"]


def attach(application: Application, deps: Deps) -> None:
    application.bot_data["deps"] = deps

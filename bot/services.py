"""Services shared by every handler, injected through the Application's context."""
from __future__ import annotations

from dataclasses import dataclass, field

from telegram.ext import Application, CallbackContext, ExtBot

from core.clock import Clock
from core.content import Content
from core.settings import Settings
from store.db import Database


@dataclass
class Services:
    settings: Settings
    content: Content
    db: Database
    clock: Clock
    bot_username: str = ""
    extras: dict[str, object] = field(default_factory=dict)

    def __post_init__(self) -> None:
        # The configured zone for people without one travels with the content every use case receives.
        if self.content.default_tz != self.settings.default_tz:
            self.content = self.content.model_copy(update={"default_tz": self.settings.default_tz})


class BotContext(CallbackContext[ExtBot, dict, dict, dict]):
    """CallbackContext with typed access to the injected services."""

    @property
    def services(self) -> Services:
        return self.application.bot_data["services"]


def attach(application: Application, services: Services) -> None:
    application.bot_data["services"] = services

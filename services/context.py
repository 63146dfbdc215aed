"""The dependencies every use case receives: settings, content, database, clock (injected, never global)."""
from __future__ import annotations

from dataclasses import dataclass, field

from core.clock import Clock
from core.content import Content
from core.settings import Settings
from store.db import Database


@dataclass
class Deps:
    settings: Settings
    content: Content
    db: Database
    clock: Clock
    bot_username: str = ""
    extras: dict[str, object] = field(default_factory=dict)  # what the transport and tests hang on (budget, timings)

    def __post_init__(self) -> None:
        # The configured zone for people without one travels with the content every use case receives.
        if self.content.default_tz != self.settings.default_tz:
            self.content = self.content.model_copy(update={"default_tz": self.settings.default_tz})

"""Settings read once from the environment (and an optional .env), validated at start-up."""
from __future__ import annotations

import re
from pathlib import Path

from pydantic import Field, SecretStr, ValidationError, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict
from typing import Annotated

from core.zones import FALLBACK_TZ, is_zone

SHIPPED_CONTENT_DIR = Path(__file__).resolve().parent.parent / "content"
TOKEN_PATTERN = re.compile(r"^\d+:[A-Za-z0-9_-]{20,}$")


class SettingsError(Exception):
    """A setting is missing or malformed; the message names it in one line."""


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", extra="ignore", frozen=True)

    telegram_bot_token: SecretStr | None = None
    telegram_bot_username: str | None = None  # for invite links when the CLI runs offline
    telegram_api_url: str = "https://api.telegram.org"
    database_url: str = "sqlite:///pendamping.db"
    content_dir: Path = SHIPPED_CONTENT_DIR
    koordinator_ids: Annotated[frozenset[int], NoDecode] = Field(default_factory=frozenset)
    default_tz: str = FALLBACK_TZ
    outbox_rate: int = Field(default=29, ge=1, le=29)  # this process's share of Telegram's 30 messages/s for the outbox
    webhook_url: str | None = None
    webhook_secret: SecretStr | None = None
    webhook_listen: str = "0.0.0.0:8443"

    @field_validator("telegram_bot_token")
    @classmethod
    def _token_shape(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and not TOKEN_PATTERN.match(value.get_secret_value()):
            raise ValueError("expected the form 123456:ABC… given by @BotFather")
        return value

    @field_validator("telegram_api_url")
    @classmethod
    def _api_url(cls, value: str) -> str:
        if not re.match(r"^https?://[^/\s]+", value):
            raise ValueError("expected a URL such as http://127.0.0.1:8081")
        return value.rstrip("/")

    @field_validator("koordinator_ids", mode="before")
    @classmethod
    def _ids(cls, value: object) -> object:
        if isinstance(value, str):
            parts = [p.strip() for p in value.split(",") if p.strip()]
            if not all(p.isdigit() for p in parts):
                raise ValueError("expected comma-separated numeric Telegram user ids")
            return frozenset(int(p) for p in parts)
        return value

    @field_validator("default_tz")
    @classmethod
    def _tz(cls, value: str) -> str:
        if not is_zone(value):
            raise ValueError("unknown time zone; use e.g. Asia/Jakarta, Asia/Makassar, Asia/Jayapura")
        return value

    @field_validator("content_dir")
    @classmethod
    def _content_dir(cls, value: Path) -> Path:
        if not value.is_dir():
            raise ValueError(f"not a directory: {value}")
        return value

    @property
    def token(self) -> str:
        """The bot token; SettingsError when it is needed but not set."""
        if self.telegram_bot_token is None:
            raise SettingsError("TELEGRAM_BOT_TOKEN: is required (the token from @BotFather)")
        return self.telegram_bot_token.get_secret_value()

    @property
    def bot_api_base(self) -> str:
        return f"{self.telegram_api_url}/bot"

    @property
    def bot_file_base(self) -> str:
        return f"{self.telegram_api_url}/file/bot"

    @classmethod
    def from_env(cls, **overrides: object) -> "Settings":
        """Build settings or raise SettingsError naming the first bad setting."""
        try:
            return cls(**overrides)
        except ValidationError as exc:
            error = exc.errors()[0]
            name = str(error["loc"][0]).upper() if error["loc"] else "settings"
            reason = "is required" if error["type"] == "missing" else error["msg"].removeprefix("Value error, ")
            raise SettingsError(f"{name}: {reason}") from None

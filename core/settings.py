"""Settings read once from the environment (and an optional .env), validated at start-up."""
from __future__ import annotations

import re
from pathlib import Path
from typing import Annotated

from pydantic import Field, SecretStr, ValidationError, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

from core.early_texts import early_text
from core.zones import FALLBACK_TZ, is_zone

SHIPPED_CONTENT_DIR = Path(__file__).resolve().parent.parent / "content"
TOKEN_PATTERN = re.compile(r"^\d+:[A-Za-z0-9_-]{20,}$")
PLACEHOLDER_TOKEN = "123456789:replace-with-the-token-from-BotFather"  # .env.example's
DATABASE_KINDS = ("sqlite", "postgresql")
# pydantic's error types → the Indonesian reason (our own validators give theirs in the message)
REASONS = {"missing": "required", "int_parsing": "integer", "int_type": "integer",
           "greater_than_equal": "at_least", "less_than_equal": "at_most"}


class SettingsError(Exception):
    """A setting is missing or malformed; the message names it in one line."""


def normalize_database_url(url: str) -> str:
    """DATABASE_URL with `postgres://` (as hosting platforms give it) read as PostgreSQL.

    Raise ValueError with the reason when it is no SQLite or PostgreSQL URL.
    """
    url = url.strip()
    if not url:
        raise ValueError(early_text("database_empty"))
    scheme, separator, rest = url.partition("://")
    kind, plus, driver = scheme.partition("+")
    if kind == "postgres" and separator:
        url = f"postgresql{plus}{driver}://{rest}"
    try:
        kind = make_url(url).get_backend_name()
    except ArgumentError:
        raise ValueError(early_text("database_garbage")) from None
    if kind not in DATABASE_KINDS:
        raise ValueError(early_text("database_kind", kind=kind))
    return url


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
    # Broadcasts to at least this many people may be sent as Telegram paid broadcasts (Stars); unset: never.
    paid_broadcast_min_recipients: int | None = Field(default=None, ge=1)
    webhook_url: str | None = None
    webhook_secret: SecretStr | None = None
    webhook_listen: str = "0.0.0.0:8443"

    @field_validator("telegram_bot_token")
    @classmethod
    def _token_shape(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and value.get_secret_value() == PLACEHOLDER_TOKEN:
            raise ValueError(early_text("token_placeholder"))
        if value is not None and not TOKEN_PATTERN.match(value.get_secret_value()):
            raise ValueError(early_text("token_shape"))
        return value

    @field_validator("telegram_api_url")
    @classmethod
    def _api_url(cls, value: str) -> str:
        if not re.match(r"^https?://[^/\s]+", value):
            raise ValueError(early_text("api_url"))
        return value.rstrip("/")

    @field_validator("database_url")
    @classmethod
    def _database_url(cls, value: str) -> str:
        url = normalize_database_url(value)
        parsed = make_url(url)
        if parsed.get_backend_name() == "sqlite" and parsed.database in (None, "", ":memory:"):
            raise ValueError(early_text("database_sqlite_file"))  # an in-memory bot forgets everyone
        return url

    @field_validator("koordinator_ids", mode="before")
    @classmethod
    def _ids(cls, value: object) -> object:
        if isinstance(value, str):
            parts = [p.strip() for p in value.split(",") if p.strip()]
            if not all(p.isdigit() for p in parts):
                raise ValueError(early_text("koordinator_ids"))
            return frozenset(int(p) for p in parts)
        return value

    @field_validator("default_tz")
    @classmethod
    def _tz(cls, value: str) -> str:
        if not is_zone(value):
            raise ValueError(early_text("timezone"))
        return value

    @field_validator("content_dir")
    @classmethod
    def _content_dir(cls, value: Path) -> Path:
        if not value.is_dir():
            raise ValueError(early_text("not_a_directory", path=value))
        return value

    @property
    def token(self) -> str:
        """The bot token; SettingsError when it is needed but not set."""
        if self.telegram_bot_token is None:
            raise SettingsError(f"TELEGRAM_BOT_TOKEN: {early_text('token_required')}")
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
            name = str(error["loc"][0]).upper() if error["loc"] else "PENGATURAN"
            if error["type"] == "value_error":
                reason = str(error["ctx"]["error"])
            else:
                limit = (error.get("ctx") or {}).get("ge", (error.get("ctx") or {}).get("le"))
                reason = early_text(REASONS.get(error["type"], "invalid"), limit=limit)
            raise SettingsError(f"{name}: {reason}") from None

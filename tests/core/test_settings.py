"""Settings refuse what cannot work with one line naming the setting, in Indonesian."""
from __future__ import annotations

import socket
import time
from pathlib import Path

import pytest

from core.settings import Settings, SettingsError
from sqlalchemy import text

from store.db import Database, async_url, is_sqlite, sync_url

TOKEN = "123456789:TEST-e2e_token_0123456789abcdef"
ENV_EXAMPLE = Path(__file__).resolve().parents[2] / ".env.example"


def _error(**values: object) -> str:
    with pytest.raises(SettingsError) as caught:
        Settings.from_env(**values)
    return str(caught.value)


@pytest.mark.parametrize(("url", "reason"), [
    ("", "kosong; isi dengan sqlite:///pendamping.db atau postgresql://"),
    ("   ", "kosong; isi dengan"),
    ("garbage", "bukan alamat basis data; gunakan sqlite:///pendamping.db atau postgresql://"),
    ("mysql://root@localhost/db", 'jenis basis data "mysql" tidak didukung; gunakan sqlite:///'),
    ("http://example.org/db", 'jenis basis data "http" tidak didukung'),
    ("sqlite://", "SQLite perlu nama berkas, misalnya sqlite:///pendamping.db"),
    ("sqlite:///:memory:", "SQLite perlu nama berkas"),
])
def test_every_bad_database_url_is_one_line_naming_it(url, reason):
    message = _error(database_url=url)
    assert message.startswith(f"DATABASE_URL: {reason}") and "\n" not in message


def test_postgres_scheme_is_postgresql():
    """Hosting platforms hand out postgres://…; SQLAlchemy alone refuses it."""
    settings = Settings.from_env(database_url="postgres://user:pw@db.example:5432/bot")
    assert settings.database_url == "postgresql://user:pw@db.example:5432/bot"
    assert not is_sqlite("postgres://user:pw@db.example:5432/bot")
    assert sync_url("postgres://user:pw@db.example:5432/bot").drivername == "postgresql+psycopg"
    assert async_url("postgres://u@h/bot").drivername == "postgresql+asyncpg"


def test_postgresql_connections_give_up_instead_of_hanging():
    assert sync_url("postgresql://u@h/bot").query["connect_timeout"] == "10"
    assert sync_url("postgresql://u@h/bot?connect_timeout=3").query["connect_timeout"] == "3"
    assert "connect_timeout" not in sync_url("sqlite:///x.db").query
    assert "connect_timeout" not in async_url("postgresql://u@h/bot").query  # asyncpg: connect(timeout=…)


def test_a_hosting_platform_s_sslmode_reaches_both_drivers():
    url = "postgres://u:pw@db.example:5432/bot?sslmode=require"
    assert sync_url(url).query["sslmode"] == "require"  # libpq (psycopg)
    assert dict(async_url(url).query) == {"ssl": "require"}  # asyncpg


async def test_a_postgresql_server_that_never_answers_is_given_up_on_after_connect_timeout():
    silent = socket.socket()
    silent.bind(("127.0.0.1", 0))
    silent.listen()  # accepts the connection, never says a word
    db = Database(f"postgresql://u@127.0.0.1:{silent.getsockname()[1]}/bot?connect_timeout=1")
    started = time.monotonic()
    with pytest.raises(Exception) as raised:
        async with db.session() as session:
            await session.execute(text("SELECT 1"))
    assert time.monotonic() - started < 5, raised.value
    await db.dispose()
    silent.close()


def test_the_placeholder_token_of_env_example_is_refused():
    line = next(line for line in ENV_EXAMPLE.read_text().splitlines() if line.startswith("TELEGRAM_BOT_TOKEN="))
    message = _error(telegram_bot_token=line.partition("=")[2])
    assert message == ("TELEGRAM_BOT_TOKEN: masih berisi contoh dari .env.example; "
                       "ganti dengan token bot dari @BotFather")
    assert Settings.from_env(telegram_bot_token=TOKEN).token == TOKEN


@pytest.mark.parametrize(("values", "message"), [
    ({"telegram_bot_token": "not-a-token"},
     "TELEGRAM_BOT_TOKEN: bentuknya harus seperti 123456789:ABC…, yaitu token dari @BotFather"),
    ({"outbox_rate": "30"}, "OUTBOX_RATE: paling besar 29"),
    ({"outbox_rate": "0"}, "OUTBOX_RATE: paling kecil 1"),
    ({"outbox_rate": "banyak"}, "OUTBOX_RATE: harus berupa bilangan bulat"),
    ({"koordinator_ids": "12,abc"}, "KOORDINATOR_IDS: harus berupa id pengguna Telegram (angka), dipisahkan koma"),
    ({"default_tz": "Mars/Olympus"},
     "DEFAULT_TZ: zona waktu tidak dikenal; gunakan Asia/Jakarta, Asia/Makassar, atau Asia/Jayapura"),
    ({"telegram_api_url": "ftp://x"},
     "TELEGRAM_API_URL: harus berupa alamat seperti https://api.telegram.org atau http://127.0.0.1:8081"),
    ({"content_dir": "/nowhere"}, "CONTENT_DIR: bukan folder: /nowhere"),
])
def test_settings_errors_are_indonesian(values, message):
    assert _error(**values) == message


def test_a_missing_token_is_named_when_needed():
    with pytest.raises(SettingsError, match=r"^TELEGRAM_BOT_TOKEN: wajib diisi dengan token bot dari @BotFather$"):
        Settings.from_env(telegram_bot_token=None).token

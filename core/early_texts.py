"""Messages printed before, or without, the program content: bad settings, the database, invalid content.

Everything else the command line prints comes from content/texts, like what the bot says in chat.
These few cannot: CONTENT_DIR may itself be the bad setting, the content may be what is broken, and
`db upgrade` must work without it. They are Indonesian like the rest, one line each, and a setting's
problem starts with the setting's name: `NAMA: masalahnya; apa yang harus dilakukan`.
"""
from __future__ import annotations

DATABASE_EXAMPLES = "sqlite:///pendamping.db atau postgresql://pengguna:sandi@host:5432/nama_db"

TEXTS: dict[str, str] = {
    # settings (core/settings.py)
    "required": "wajib diisi",
    "token_required": "wajib diisi dengan token bot dari @BotFather",
    "token_shape": "bentuknya harus seperti 123456789:ABC…, yaitu token dari @BotFather",
    "token_placeholder": "masih berisi contoh dari .env.example; ganti dengan token bot dari @BotFather",
    "api_url": "harus berupa alamat seperti https://api.telegram.org atau http://127.0.0.1:8081",
    "koordinator_ids": "harus berupa id pengguna Telegram (angka), dipisahkan koma",
    "timezone": "zona waktu tidak dikenal; gunakan Asia/Jakarta, Asia/Makassar, atau Asia/Jayapura",
    "not_a_directory": "bukan folder: {path}",
    "integer": "harus berupa bilangan bulat",
    "at_least": "paling kecil {limit}",
    "at_most": "paling besar {limit}",
    "invalid": "nilainya tidak dapat dipakai",
    "database_empty": f"kosong; isi dengan {DATABASE_EXAMPLES}",
    "database_garbage": f"bukan alamat basis data; gunakan {DATABASE_EXAMPLES}",
    "database_kind": f"jenis basis data \"{{kind}}\" tidak didukung; gunakan {DATABASE_EXAMPLES}",
    "database_sqlite_file": "SQLite perlu nama berkas, misalnya sqlite:///pendamping.db",
    # arguments read before the content (bot/cli.py)
    "demo_start": "waktu tidak dikenali: {value!r}; contoh: 2026-03-02T09:00 (WIB) atau 2026-03-02T09:00+08:00",
    # the database (bot/cli.py, store/schema_check.py)
    "database_unreachable": "DATABASE_URL: basis data tidak dapat dihubungi ({detail})",
    "database_behind": "DATABASE_URL: skema basis data ada di revisi {current}, seharusnya {head}; jalankan `pendamping db upgrade` dulu",
    "database_new": "DATABASE_URL: basis data ini belum berisi tabel Pendamping; jalankan `pendamping db upgrade` dulu",
    "database_upgraded": "Basis data sudah mutakhir.",
    # Telegram (bot/startup.py)
    "token_rejected": "TELEGRAM_BOT_TOKEN: ditolak oleh Telegram ({reason}); salin ulang token bot dari @BotFather",
    "api_not_telegram": "TELEGRAM_API_URL: {url} tidak menjawab sebagai Bot API Telegram ({reason})",
    # content (bot/cli.py, core/content/check.py)
    "content_invalid": "Konten tidak valid ({count} masalah); bot tidak dijalankan:",
    "content_problems": "{count} masalah di {directory}",
}


def early_text(key: str, **values: object) -> str:
    """Render one of the messages above."""
    return TEXTS[key].format(**values)

"""Which commands each role may use: checked for every command, and shown in the person's chat by the bot."""
from __future__ import annotations

from store.models import Role

PUBLIC_COMMANDS = ("start", "bantuan")
COMMON = ("refleksi", "batal", "jadwal", "profil", "bantuan")
ROLE_COMMANDS: dict[Role, tuple[str, ...]] = {
    Role.cgp: COMMON,
    Role.kepsek: COMMON,
    Role.pengawas: (*COMMON, "ringkasan"),  # the schools they cover
    Role.guru: COMMON,
    Role.pp: ("refleksi", "ringkasan", "jadwal", "ekspor", "batal", "profil", "bantuan"),
    Role.fsp: ("refleksi", "ringkasan", "jadwal", "ekspor", "batal", "profil", "bantuan"),
    Role.koordinator: ("siaran", "ringkasan", "ekspor", "jadwal", "batal", "profil", "bantuan"),
}

# Issue 14: everyone has /privasi, a koordinator also /riwayat (the audit log) and /libur (days off).
ROLE_COMMANDS = {role: (*commands, "privasi") for role, commands in ROLE_COMMANDS.items()}
ROLE_COMMANDS[Role.koordinator] += ("riwayat", "libur")


def allowed(role: Role, command: str) -> bool:
    return command in PUBLIC_COMMANDS or command in ROLE_COMMANDS.get(role, ())

"""`pendamping roster import FILE`: the same all-or-nothing import a koordinator gets in Telegram."""
from __future__ import annotations

import sys
from pathlib import Path

from telegram import Bot

from core.clock import SystemClock
from core.content import load_content
from core.settings import Settings, SettingsError
from store import invites, roster
from store.schema_check import checked_session


async def bot_username(settings: Settings) -> str:
    """The username for invite links: configured, or asked from the Bot API with the token."""
    if settings.telegram_bot_username:
        return settings.telegram_bot_username.lstrip("@")
    if settings.telegram_bot_token is None:
        raise SettingsError("TELEGRAM_BOT_USERNAME: is required for invite links (or set TELEGRAM_BOT_TOKEN)")
    async with Bot(settings.token, base_url=settings.bot_api_base, base_file_url=settings.bot_file_base) as bot:
        return bot.username


async def import_roster_file(settings: Settings, path: Path, out: Path | None) -> int:
    """Import the file; print the report, and the codes to `out` (CSV or XLSX) or standard output."""
    content = load_content(settings.content_dir, settings.default_tz)
    try:
        data = path.read_bytes()
    except OSError as exc:
        print(f"{path}: {exc.strerror}", file=sys.stderr)
        return 1
    username = await bot_username(settings)
    try:
        async with checked_session(settings.database_url) as session:
            result = await roster.import_file(session, data, SystemClock())
    except roster.RosterError as exc:
        print(exc.report(content), file=sys.stderr)
        return 1
    print(result.report(content))
    _write_handout(content, result.issued, username, out)
    return 0


async def reissue_codes(settings: Settings, out: Path | None) -> int:
    """New codes for everyone who has not pressed Start yet; their old codes stop working."""
    content = load_content(settings.content_dir, settings.default_tz)
    username = await bot_username(settings)
    async with checked_session(settings.database_url) as session:
        issued = await invites.reissue_codes(session, clock=SystemClock())
    print(content.text("roster.result.reissued", count=len(issued)))
    _write_handout(content, issued, username, out)
    return 0


def _write_handout(content, issued: list[invites.IssuedCode], username: str, out: Path | None) -> None:
    """Codes and links as CSV on standard output, or as .csv/.xlsx in `out`."""
    if not issued:
        return
    if out is None:
        sys.stdout.write(roster.handout_csv(issued, username).decode("utf-8-sig"))
        return
    out.write_bytes(roster.handout_xlsx(issued, username) if out.suffix.lower() == ".xlsx" else roster.handout_csv(issued, username))
    print(content.text("roster.result.handout"), out)

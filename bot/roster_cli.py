"""`pendamping roster import FILE`: the same all-or-nothing import a koordinator gets in Telegram."""
from __future__ import annotations

import sys
from pathlib import Path

from bot.cli_files import cli_deps, read_input
from bot.startup import Unreachable, bot_user
from core.content import Content, load_content
from core.settings import Settings
from services import intake


async def invite_username(settings: Settings, content: Content) -> tuple[str | None, str | None]:
    """The bot's username for invite links (configured, or asked from Telegram), or None and why not.

    Without links the codes are still good. A token Telegram rejects stops the command (SettingsError)
    before anything is written.
    """
    if settings.telegram_bot_username:
        return settings.telegram_bot_username.lstrip("@"), None
    if settings.telegram_bot_token is None:
        return None, content.text("cli.no_links_no_token")
    try:
        return (await bot_user(settings, patient=False)).username, None
    except Unreachable as exc:
        return None, content.text("cli.no_links_offline", alasan=exc)


async def import_roster_file(settings: Settings, path: Path, out: Path | None) -> int:
    """Import the file; print the report, and the codes to `out` (CSV or XLSX) or standard output."""
    content = load_content(settings.content_dir, settings.default_tz)
    data = read_input(content, path)
    if data is None:
        return 1
    parsed = intake.read_roster_file(data)
    # Problems are reported without Telegram; the username only makes links, asked before anything is written.
    username, no_links = (None, None) if parsed.problems else await invite_username(settings, content)
    async with cli_deps(settings) as deps:
        imported = await intake.import_roster(deps, parsed)
    if not imported.ok:
        print(imported.text, file=sys.stderr)
        return 1
    print(imported.text)
    _write_handout(content, imported.issued, username, no_links, out)
    return 0


async def reissue_codes(settings: Settings, out: Path | None) -> int:
    """New codes for everyone who has not pressed Start yet; their old codes stop working."""
    content = load_content(settings.content_dir, settings.default_tz)
    username, no_links = await invite_username(settings, content)
    async with cli_deps(settings) as deps:
        issued = await intake.reissue_codes(deps)
    print(content.text("roster.result.reissued", count=len(issued)))
    _write_handout(content, issued, username, no_links, out)
    return 0


def _write_handout(content: Content, issued: list, username: str | None, no_links: str | None, out: Path | None) -> None:
    """Codes and links as CSV on standard output, or as .csv/.xlsx in `out`; why there are no links, if not."""
    if not issued:
        return
    if no_links:
        print(no_links, file=sys.stderr)
    if out is None:
        sys.stdout.write(intake.handout(issued, username, xlsx=False).decode("utf-8-sig"))
        return
    out.write_bytes(intake.handout(issued, username, xlsx=out.suffix.lower() == ".xlsx"))
    print(content.text("roster.result.handout"), out)

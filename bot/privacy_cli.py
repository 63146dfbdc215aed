"""`pendamping data purge | erase | audit`: retention after a program ends, erasure on request, the audit log."""
from __future__ import annotations

import sys
from datetime import date

from bot.cli_files import cli_deps
from core.content import load_content
from core.settings import Settings
from services import privacy


async def purge(settings: Settings, cohort: str, before: str | None, dry_run: bool) -> int:
    """Purge a cohort's answers (before a date) or all its personal data; a dry run only counts."""
    if before is not None:
        try:
            cutoff = date.fromisoformat(before)
        except ValueError:
            content = load_content(settings.content_dir, settings.default_tz)
            print(content.text("privacy_cli.bad_date", nilai=before), file=sys.stderr)
            return 2
    async with cli_deps(settings) as deps:
        ok, text = await privacy.purge(deps, cohort, cutoff if before else None, dry_run)
    print(text, file=sys.stdout if ok else sys.stderr)
    return 0 if ok else 1


async def erase(settings: Settings, external_id: str) -> int:
    async with cli_deps(settings) as deps:
        print(await privacy.erase_on_request(deps, external_id))
    return 0


async def audit(settings: Settings, limit: int) -> int:
    async with cli_deps(settings) as deps:
        print(await privacy.audit_log(deps, limit))
    return 0

"""Shared by the one-shot commands: the use cases' dependencies, and a file named on the command line."""
from __future__ import annotations

import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from core.clock import SystemClock
from core.content import Content, load_content
from core.settings import Settings
from services.context import Deps
from store.schema_check import checked_database


@asynccontextmanager
async def cli_deps(settings: Settings) -> AsyncIterator[Deps]:
    """The use cases' dependencies for one command, on a database whose schema is current."""
    content = load_content(settings.content_dir, settings.default_tz)
    async with checked_database(settings.database_url) as db:
        yield Deps(settings=settings, content=content, db=db, clock=SystemClock())


def read_input(content: Content, path: Path) -> bytes | None:
    """The file's bytes, or None after printing the reason to standard error."""
    try:
        return path.read_bytes()
    except FileNotFoundError:
        key, reason = "cli.file_missing", ""
    except IsADirectoryError:
        key, reason = "cli.file_is_folder", ""
    except PermissionError:
        key, reason = "cli.file_no_permission", ""
    except OSError as exc:
        key, reason = "cli.file_unreadable", exc.strerror or type(exc).__name__
    print(content.text(key, berkas=path, alasan=reason), file=sys.stderr)
    return None

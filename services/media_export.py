"""/ekspor's media files as ZIPs: the photos, voice notes and documents people answered with, fetched from
Telegram by the transport (`fetch`) after the reply that they are coming, and named as in the export's cells."""
from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from pathlib import PurePosixPath

from core.dates import format_date
from core.ui import Reply
from core.zones import local_today
from reports.export import media_files, media_zips
from services import audit
from services.context import Deps
from services.turn import Acting
from store.models import Person

log = logging.getLogger(__name__)

PROGRESS_EVERY = 20  # files between two progress reports

Fetch = Callable[[str], Awaitable[tuple[bytes, str]]]  # a Telegram file id → its bytes and Telegram's file path
Progress = Callable[[str], Awaitable[None]]  # a progress line to show (the transport keeps it in one message)


async def request(acting: Acting) -> list[Reply]:
    """The ZIP button: say how many files are coming and leave the fetching to the transport (Acting.media)."""
    files = await media_files(acting.session, acting.content, acting.person)
    if not files:
        return acting.reply("insight.export.media_none")
    acting.media = files
    return acting.reply("insight.export.media_fetching", jumlah=len(files))


async def archive(deps: Deps, person_id: int, files: list[tuple[str, str]], fetch: Fetch, progress: Progress) -> list[Reply]:
    """Fetch the files one by one (a file Telegram will not give is named in the ZIP and the reply), pack them."""
    content = deps.content
    fetched, missing = [], []
    for done, (name, file_id) in enumerate(files, start=1):
        try:
            data, path = await fetch(file_id)
            fetched.append((_with_extension(name, path), data))
        except Exception as exc:  # too big for getFile (20 MB), gone, or Telegram unreachable: the rest still go
            log.warning("media export: file %d of %d not fetched (%s)", done, len(files), type(exc).__name__)
            missing.append(name)
        if done % PROGRESS_EVERY == 0 and done < len(files):
            await progress(content.text("insight.export.media_progress", selesai=done, jumlah=len(files)))
    zips = media_zips(fetched, missing, content.text("insight.export.media_missing_file"))
    async with deps.db.session() as session:
        person = await session.get(Person, person_id)
        await audit.record(session, person, "export", format="media", files=len(fetched))
        today = local_today(person, content.default_tz, deps.clock)
    names = [content.text("insight.export.media_zip_name", tanggal=today.isoformat(), bagian=n)
             if len(zips) > 1 else content.text("insight.export.media_zip_single", tanggal=today.isoformat())
             for n in range(1, len(zips) + 1)]
    summary = content.text("insight.export.media_ready", jumlah=len(fetched), bagian=len(zips), tanggal=format_date(today))
    if missing:
        summary += "\n" + content.text("insight.export.media_missing", jumlah=len(missing), berkas=", ".join(missing[:10]))
    return [Reply(summary if n == 1 else content.text("insight.export.media_part", bagian=n, dari=len(zips)), file=(name, data))
            for n, (name, data) in enumerate(zip(names, zips), start=1)]


def _with_extension(name: str, telegram_path: str) -> str:
    """A document's name in the workbook has no extension (the answer does not keep one): take Telegram's."""
    suffix = PurePosixPath(telegram_path).suffix
    return name + suffix if suffix and not PurePosixPath(name).suffix else name

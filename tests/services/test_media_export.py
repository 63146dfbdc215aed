"""/ekspor's media ZIPs without Telegram: which files a viewer may fetch, progress while fetching, a file Telegram
will not give named instead of failing the rest, parts that stay under the size a bot may send."""
from __future__ import annotations

import io
import zipfile
from datetime import datetime, timezone

from sqlalchemy import select

from core.clock import FrozenClock
from reports.export import media_zips
from services import media_export, progress
from store.models import Answer, AuditEntry, FlowRun, RunStatus
from tests.factories import make_cohort, make_person
from tests.services.conftest import turn_of

NOW = datetime(2026, 3, 9, 3, 0, tzinfo=timezone.utc)


async def _photos(db, count: int):
    async with db.session() as s:
        cohort = await make_cohort(s)
        pp = await make_person(s, "pp", cohort=cohort, name="Bu Sari")
        cgp = await make_person(s, "cgp", cohort=cohort, mentor=pp, name="Pak Dodi", external_id="C7")
        other = await make_person(s, "pp", cohort=cohort, name="Pak Lain")
        s.add(FlowRun(person_id=cgp.id, flow_id="pi2", content_version="t", status=RunStatus.submitted, submitted_at=NOW,
                      answers=[Answer(question_id="laporan_diskusi", content_version="t",
                                      value=[{"kind": "photo", "file_id": f"F{n}"} for n in range(1, count + 1)])]))
    return pp, other


async def test_the_button_hands_the_files_to_the_transport_only_for_those_who_may_see_them(db, deps_for, content):
    pp, other = await _photos(db, 2)
    deps = deps_for(content, FrozenClock(NOW))
    mine = await progress.press(deps, turn_of(pp), progress.ExportMedia())
    assert mine.media == [("C7-pi2-laporan_diskusi-1.jpg", "F1"), ("C7-pi2-laporan_diskusi-2.jpg", "F2")]
    assert "2 berkas sedang diunduh" in mine.replies[0].text
    theirs = await progress.press(deps, turn_of(other), progress.ExportMedia())
    assert theirs.media is None and "Belum ada foto" in theirs.replies[0].text


async def test_archive_reports_progress_names_what_telegram_refused_and_audits(db, deps_for, content):
    pp, _ = await _photos(db, 45)
    deps = deps_for(content, FrozenClock(NOW))
    files = (await progress.press(deps, turn_of(pp), progress.ExportMedia())).media
    shown: list[str] = []

    async def fetch(file_id: str) -> tuple[bytes, str]:
        if file_id == "F7":
            raise RuntimeError("file is too big")
        return file_id.encode(), f"photos/{file_id}.jpg"

    async def show(line: str) -> None:
        shown.append(line)

    replies = await media_export.archive(deps, pp.id, files, fetch, show)
    assert shown == ["⏳ Mengunduh berkas: 20 dari 45…", "⏳ Mengunduh berkas: 40 dari 45…"]
    assert len(replies) == 1 and "44 berkas dalam 1 ZIP" in replies[0].text and "C7-pi2-laporan_diskusi-7.jpg" in replies[0].text
    name, data = replies[0].file
    assert name == "berkas-2026-03-09.zip"
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        assert len(z.namelist()) == 45 and z.read("C7-pi2-laporan_diskusi-8.jpg") == b"F8"
        assert z.read("TIDAK_TERUNDUH.txt") == b"C7-pi2-laporan_diskusi-7.jpg\n"
    async with db.session() as s:
        entry = (await s.scalars(select(AuditEntry).where(AuditEntry.action == "export"))).one()
        assert entry.actor_id == pp.id and entry.detail == {"format": "media", "files": 44}


def test_parts_stay_under_the_limit_and_only_the_first_lists_the_missing():
    fetched = [(f"f{n}.jpg", bytes(400)) for n in range(5)]
    parts = media_zips(fetched, ["hilang.jpg"], "TIDAK_TERUNDUH.txt", part_bytes=1000)
    names = [zipfile.ZipFile(io.BytesIO(p)).namelist() for p in parts]
    assert names == [["TIDAK_TERUNDUH.txt", "f0.jpg", "f1.jpg"], ["f2.jpg", "f3.jpg"], ["f4.jpg"]]
    assert media_zips([], ["a.jpg"], "TIDAK_TERUNDUH.txt") and zipfile.ZipFile(io.BytesIO(media_zips([], ["a.jpg"], "x.txt")[0])).namelist() == ["x.txt"]

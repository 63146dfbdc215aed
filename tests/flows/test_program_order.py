"""/refleksi, /ringkasan and /ekspor list flows in program order (PI 1…6, LK1…LK5, PMO steps, Lokakarya 0…7)."""
from __future__ import annotations

import io
from datetime import datetime, timezone

import pytest
from openpyxl import load_workbook

from core.content import load_content
from core.content.schema import Content
from flows import callbacks
from reports.export import export_xlsx
from flows.progress import mentee_answers
from store.models import FlowRun, RunStatus
from tests.flows.conftest import REPO

AT = datetime(2025, 3, 10, 3, tzinfo=timezone.utc)


@pytest.fixture(scope="module")
def shipped() -> Content:
    return load_content(REPO / "content")


async def test_the_pp_menu_follows_the_program(people, chat_for, shipped):
    chat = chat_for(people["pp"], shipped)
    (menu,) = await chat.menu()
    opened = [row[0].data.removeprefix("f:s:") for row in menu.buttons]
    assert opened[:11] == [
        "jurnal_pi1", "jurnal_pi2", "pi3_kesepakatan_rpp", "pi3_penilaian_refleksi", "jurnal_pi3", "pi4_observasi",
        "jurnal_pi4", "pi5_persiapan_coaching", "pi5_penilaian_coaching", "jurnal_pi5", "jurnal_pi6",
    ]
    assert opened[11:19] == [f"lokakarya_{n}" for n in range(8)]
    assert menu.buttons[0][0].data == callbacks.OpenFlow("jurnal_pi1").pack()


def _run(person_id: int, flow_id: str, subject_id: int | None = None) -> FlowRun:
    return FlowRun(person_id=person_id, flow_id=flow_id, subject_id=subject_id, status=RunStatus.submitted, mode="done",
                   state={}, version=0, content_version="x", started_at=AT, updated_at=AT, submitted_at=AT, answers=[])


async def test_answers_and_exports_follow_the_program(db, people, shipped):
    pp, cgp = people["pp"], people["cgp"]
    async with db.session() as s:
        s.add_all([_run(pp.id, "lokakarya_0"), _run(pp.id, "jurnal_pi1", cgp.id), _run(cgp.id, "pi2"), _run(cgp.id, "pi1")])
    async with db.session() as s:
        replies = await mentee_answers(s, shipped, await s.get(type(pp), pp.id), cgp.id)
        text = "\n".join(r.text for r in replies)
        _, data = await export_xlsx(s, shipped, await s.get(type(pp), people["koord"].id))
    titles = [shipped.flows[f].title for f in ("pi1", "jurnal_pi1", "pi2")]
    assert [text.index(t) for t in titles] == sorted(text.index(t) for t in titles)
    sheets = load_workbook(io.BytesIO(data)).sheetnames
    answered = ["Pendampingan Individu 1", "Jurnal pendampingan PI 1", "Pendampingan Individu 2", "Laporan Lokakarya Orientasi"]
    assert [s for s in sheets if s in answered] == answered  # every flow of the people in scope has a sheet

"""Least visibility, checked: role × surface × target (own, own mentee, other mentee, other cohort).

Each person has a submitted PI 1 with a secret answer; for every viewer and surface (one mentee's answers,
/ringkasan, /ekspor, /privasi's download, /riwayat, /siaran) the test asserts exactly which targets' secrets or
names the viewer is shown. Runs on SQLite and on PostgreSQL (TEST_DATABASE_URL).
"""
from __future__ import annotations

import io
from datetime import datetime, timezone

import pytest
from openpyxl import load_workbook

from core.clock import FrozenClock
from core.ui import Reply
from flows.callbacks import MenteeAnswers
from services import audit, privacy, progress, siaran
from services.privacy_callbacks import Download
from store.models import Answer, FlowRun, Person, RunStatus
from tests.factories import make_cohort, make_person
from tests.services.conftest import turn_of

NOW = datetime(2026, 3, 2, 3, 0, tzinfo=timezone.utc)
TARGETS = ("own", "own_mentee", "other_mentee", "other_cohort")
# What each role is shown, per surface: the targets whose secret answer (or, for /ringkasan, name) appears.
# None: the command is refused for the role.
EXPECTED: dict[str, dict[str, set[str] | None]] = {
    "cgp": {"answers": set(), "ringkasan": None, "ekspor": None, "download": {"own"}, "riwayat": None, "siaran": None},
    "pp": {"answers": {"own_mentee"}, "ringkasan": {"own_mentee"}, "ekspor": {"own", "own_mentee"},
           "download": {"own"}, "riwayat": None, "siaran": None},
    # A cohort's koordinator: everyone of the cohort (the other PP's mentee too), never another cohort; /ringkasan
    # shows the cohort's counts, no names.
    "koordinator": {"answers": {"own_mentee", "other_mentee"}, "ringkasan": set(),
                    "ekspor": {"own", "own_mentee", "other_mentee"}, "download": {"own"}, "riwayat": set(), "siaran": set()},
}


@pytest.fixture
def deps(deps_for, content):
    return deps_for(content, FrozenClock(NOW))


def _secret(person: Person) -> str:
    return f"Rahasia-{person.name}"


@pytest.fixture
async def world(db) -> dict[str, dict[str, Person]]:
    """Per viewer role: the viewer and its four targets (None where the role has no such target)."""
    async with db.session() as s:
        a, b = await make_cohort(s, "A"), await make_cohort(s, "B")
        kor = await make_person(s, "koordinator", cohort=a, name="Koord A")
        pp1 = await make_person(s, "pp", cohort=a, name="PP Satu")
        pp2 = await make_person(s, "pp", cohort=a, name="PP Dua")
        ppb = await make_person(s, "pp", cohort=b, name="PP Bee")
        cgp1 = await make_person(s, "cgp", cohort=a, mentor=pp1, name="CGP Satu")
        cgp2 = await make_person(s, "cgp", cohort=a, mentor=pp2, name="CGP Dua")
        cgpb = await make_person(s, "cgp", cohort=b, mentor=ppb, name="CGP Bee")
        for person in (kor, pp1, pp2, ppb, cgp1, cgp2, cgpb):
            run = FlowRun(person_id=person.id, flow_id="pi1", content_version="t", status=RunStatus.submitted,
                          submitted_at=NOW)
            run.answers.append(Answer(question_id="proses_sebulan", value=_secret(person), content_version="t"))
            s.add(run)
    return {
        "cgp": {"viewer": cgp1, "own": cgp1, "own_mentee": None, "other_mentee": cgp2, "other_cohort": cgpb},
        "pp": {"viewer": pp1, "own": pp1, "own_mentee": cgp1, "other_mentee": cgp2, "other_cohort": cgpb},
        "koordinator": {"viewer": kor, "own": kor, "own_mentee": cgp1, "other_mentee": cgp2, "other_cohort": cgpb},
    }


def _shown(replies: list[Reply]) -> str:
    """Every text, button label and file the viewer gets."""
    parts = []
    for reply in replies:
        parts += [reply.text, *(b.label for row in reply.buttons for b in row)]
        if reply.file is not None:
            name, data = reply.file
            if name.endswith(".xlsx"):
                book = load_workbook(io.BytesIO(data))
                parts += [str(c) for sheet in book.worksheets for row in sheet.iter_rows(values_only=True) for c in row if c]
            else:
                parts.append(data.decode())
    return "\n".join(parts)


def _refused(text: str) -> bool:
    return "tidak tersedia untuk peran" in text


async def _surface(deps, viewer: Person, surface: str, target: Person | None) -> str:
    if surface == "answers":
        outcome = await progress.mentee_answers(deps, turn_of(viewer, ("button", "r")), MenteeAnswers(target.id))
    elif surface == "download":
        outcome = await privacy.press(deps, turn_of(viewer, ("button", Download().pack())), Download())
    else:
        use_case = {"ringkasan": progress.overview, "ekspor": progress.ekspor, "riwayat": audit.riwayat,
                    "siaran": siaran.compose}[surface]
        outcome = await use_case(deps, turn_of(viewer))
    return _shown(outcome.replies)


@pytest.mark.parametrize("role", list(EXPECTED))
@pytest.mark.parametrize("surface", ["answers", "ringkasan", "ekspor", "download", "riwayat", "siaran"])
async def test_each_role_sees_exactly_its_targets(deps, world, role, surface):
    people, expected = world[role], EXPECTED[role][surface]
    viewer = people["viewer"]
    seen = set()
    for target in TARGETS:
        person = people[target]
        if person is None:
            continue
        text = await _surface(deps, viewer, surface, person)
        if expected is None:
            assert _refused(text), (role, surface, text)
            continue
        assert not _refused(text), (role, surface)
        mark = person.name if surface == "ringkasan" else _secret(person)
        if mark in text and not (surface == "ringkasan" and target == "own"):
            seen.add(target)
    if expected is not None:
        assert seen == expected, (role, surface)

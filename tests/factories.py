"""Factories for test data: make_person(session, role="cgp", mentor=pp)."""
from __future__ import annotations

import itertools

import yaml
from sqlalchemy.ext.asyncio import AsyncSession

from core.consent import digest
from core.settings import SHIPPED_CONTENT_DIR
from store.models import Cohort, Person, Role

_seq = itertools.count(1)
# The shipped privacy notice's version: people made joined have agreed to it (core.consent).
AGREED = digest(yaml.safe_load((SHIPPED_CONTENT_DIR / "texts" / "privacy.yaml").read_text())["privacy"]["notice"])


async def make_cohort(session: AsyncSession, code: str = "A1") -> Cohort:
    cohort = Cohort(code=code, name=f"Angkatan {code}")
    session.add(cohort)
    await session.flush()
    return cohort


async def make_person(
    session: AsyncSession,
    role: str = "cgp",
    *,
    mentor: Person | None = None,
    cohort: Cohort | None = None,
    joined: bool = True,
    timezone: str | None = "Asia/Jakarta",
    **fields,
) -> Person:
    n = next(_seq)
    person = Person(
        external_id=fields.pop("external_id", f"P{n:05d}"),
        name=fields.pop("name", f"Orang {n}"),
        role=Role(role),
        cohort_id=cohort.id if cohort else None,
        mentor_id=mentor.id if mentor else None,
        tg_user_id=(100000 + n) if joined else None,
        tg_chat_id=(100000 + n) if joined else None,
        timezone=timezone,
        consent_version=fields.pop("consent_version", AGREED if joined else None),
        **fields,
    )
    session.add(person)
    await session.flush()
    return person

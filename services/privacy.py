"""/privasi and the privacy notice's buttons ("d:"): agree or decline, see what is stored, download it, delete it."""
from __future__ import annotations

import logging
from datetime import date, time

from sqlalchemy import select

from core.consent import notice_version
from core.dates import format_date
from core.ui import Button, Reply
from services import audit, privacy_data
from services.context import Deps
from services.joining import help_text, welcome
from services.privacy_callbacks import PRIVACY  # re-exported: the presses bot/app.py sends to press()
from services.privacy_callbacks import Agree, Decline, Delete, DeleteConfirm, DeleteKeep, Download
from services.turn import Acting, Outcome, Turn, act
from core.zones import local_datetime, zone_of
from store.models import Cohort, Person
from store.outbox import wake_rows

log = logging.getLogger(__name__)

PrivacyPress = Agree | Decline | Download | Delete | DeleteConfirm | DeleteKeep

__all__ = ["PRIVACY", "audit_log", "erase_on_request", "press", "privasi", "purge"]


async def privasi(deps: Deps, turn: Turn) -> Outcome:
    """/privasi: what is stored about the person, with Unduh data saya and Hapus data saya."""
    return await act(deps, turn, _show, command="privasi")


async def press(deps: Deps, turn: Turn, value: PrivacyPress | None) -> Outcome:
    """The notice's Setuju / Tidak setuju, and /privasi's buttons; stale or forged data is refused."""
    return await act(deps, turn, lambda acting: _press(acting, value))


async def _show(acting: Acting) -> list[Reply]:
    content, person = acting.content, acting.person
    held = await privacy_data.held(acting.session, person)
    empty = content.text("profile.empty")
    consent = (content.text("privacy.consented_on", tanggal=format_date(person.consent_at.date()))
               if person.consent_at else content.text("privacy.consent_none"))
    text = content.text("privacy.show", nama=person.name, peran=content.text(f"role.{person.role.value}"),
                        angkatan=person.cohort.name if person.cohort else empty, sekolah=person.school or empty,
                        isian=held.runs, jawaban=held.answers, berkas=held.files, persetujuan=consent)
    return [Reply(text, buttons=[[Button(content.text("privacy.button_download"), Download().pack())],
                                 [Button(content.text("privacy.button_delete"), Delete().pack())]])]


async def _press(acting: Acting, value: PrivacyPress | None) -> list[Reply]:
    content, person, session = acting.content, acting.person, acting.session
    match value:
        case Agree():
            new = person.consent_version is None
            person.consent_version, person.consent_at = notice_version(content), acting.clock.now()
            person.tg_chat_id = person.tg_user_id  # reachable again (a private chat's id is its user's id)
            await wake_rows(session, person.id, acting.clock.now())  # parked while they had not agreed
            return [Reply(f"{welcome(content, person, new=new)}\n\n{help_text(content, person)}")]
        case Decline():
            person.consent_version = person.consent_at = None
            return acting.reply("privacy.declined")
        case Download():
            name, data = await privacy_data.download(session, content, person)
            return [Reply(content.text("privacy.download_ready"), file=(name, data))]
        case Delete():
            return [Reply(content.text("privacy.delete_confirm"), buttons=[[
                Button(content.text("privacy.button_delete_yes"), DeleteConfirm().pack()),
                Button(content.text("privacy.button_delete_no"), DeleteKeep().pack()),
            ]])]
        case DeleteKeep():
            return acting.reply("privacy.delete_kept")
        case DeleteConfirm():
            log.info("person %s erased their data", person.id)
            erased = await privacy_data.erase(session, content, person, acting.clock.now())
            await audit.record(session, person, "erase", peserta=person.id)
            return acting.reply("privacy.deleted", jawaban=erased.answers, berkas=erased.files)
    return acting.reply("privacy.stale")


# -- the command line: a koordinator erasing a person on request, purging a cohort, reading the audit log ----------

async def erase_on_request(deps: Deps, external_id: str) -> str:
    """`pendamping data erase --person ID`: erase a person's data on their request (recorded); what to print."""
    content = deps.content
    async with deps.db.session() as session:
        person = await session.scalar(select(Person).where(Person.external_id == external_id))
        if person is None:
            return content.text("privacy_cli.no_person", id=external_id)
        name = person.name
        erased = await privacy_data.erase(session, content, person, deps.clock.now())
        await audit.record(session, None, "erase", peserta=person.id, atas_permintaan="ya")
        return content.text("privacy_cli.erased", nama=name, jawaban=erased.answers, berkas=erased.files)


async def purge(deps: Deps, cohort_code: str, before: date | None, dry_run: bool) -> tuple[bool, str]:
    """`pendamping data purge`: a cohort's answers (last changed before a date), or all its personal data; counted
    only on a dry run. Whether the cohort exists, and what to print."""
    content = deps.content
    async with deps.db.session() as session:
        cohort = await session.scalar(select(Cohort).where(Cohort.code == cohort_code))
        if cohort is None:
            return False, content.text("privacy_cli.no_cohort", kode=cohort_code)
        cutoff = local_datetime(before, time(0), zone_of(None, content.default_tz)) if before else None
        found = await privacy_data.purge(session, content, cohort.id, cutoff, deps.clock.now(), dry_run)
        if not dry_run:
            await audit.record(session, None, "purge", angkatan=cohort.code, sebelum=before.isoformat() if before else None)
    key = "privacy_cli.purge_dry" if dry_run else "privacy_cli.purged"
    return True, content.text(key, angkatan=cohort.name, isian=found.runs, jawaban=found.answers, berkas=found.files,
                              orang=found.people)


async def audit_log(deps: Deps, limit: int) -> str:
    """`pendamping data audit`: the newest entries of the audit log."""
    async with deps.db.session() as session:
        found = await audit.entries(session, limit)
    if not found:
        return deps.content.text("audit.empty")
    zone = zone_of(None, deps.content.default_tz)
    return "\n".join(audit.line(deps.content, entry, zone) for entry in found)

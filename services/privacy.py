"""/privasi and the privacy notice's buttons ("d:"): agree or decline, see what is stored, download it, delete it."""
from __future__ import annotations

import logging

from core.consent import notice_version
from core.dates import format_date
from core.ui import Button, Reply
from services import audit, privacy_data
from services.context import Deps
from services.joining import help_text, welcome
from services.privacy_callbacks import PRIVACY  # re-exported: the presses bot/app.py sends to press()
from services.privacy_callbacks import Agree, Decline, Delete, DeleteConfirm, DeleteKeep, Download
from services.turn import Acting, Outcome, Turn, act
from store.outbox import wake_rows

log = logging.getLogger(__name__)

PrivacyPress = Agree | Decline | Download | Delete | DeleteConfirm | DeleteKeep

__all__ = ["PRIVACY", "press", "privasi"]


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
            await audit.record(session, person, "erase", person=person.id)
            return acting.reply("privacy.deleted", jawaban=erased.answers, berkas=erased.files)
    return acting.reply("privacy.stale")

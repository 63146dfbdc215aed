"""The privacy notice at joining: someone who has not agreed to its current wording gets the notice and nothing else.

Until they agree they are unreachable for the outbox (no chat id: reminders and broadcasts are parked as for
someone not joined yet, and woken when they agree).

Checked for every update of a joined person (services.turn) and by /start; only the notice's own buttons
("d:ok", "d:no") pass. A koordinator runs the program and is not asked (core.consent.agreed).
"""
from __future__ import annotations

from core.consent import agreed
from core.content.schema import Content
from core.ui import Button, Reply
from services.privacy_callbacks import CONSENT_PRESSES, Agree, Decline
from store.models import Person


def needs_consent(content: Content, person: Person) -> bool:
    return not agreed(content, person.consent_version, person.role.value)


def notice(content: Content, person: Person) -> Reply:
    """The notice with Setuju / Tidak setuju; "the wording changed" first for someone who agreed to an older one."""
    text = content.text("privacy.notice")
    if person.consent_version is not None:
        text = f"{content.text('privacy.notice_again')}\n\n{text}"
    return Reply(text, buttons=[[Button(content.text("privacy.agree"), Agree().pack()),
                                 Button(content.text("privacy.decline"), Decline().pack())]])


def gate(content: Content, person: Person, said: tuple[str, str] | None) -> list[Reply] | None:
    """The notice instead of what the person asked for, until they agree; None when they may go on."""
    if not needs_consent(content, person):
        return None
    if said is not None and said[0] == "button" and any(cls.unpack(said[1]) for cls in CONSENT_PRESSES):
        return None
    hold_messages(person)
    return [notice(content, person)]


def hold_messages(person: Person) -> None:
    """Until they agree, reminders and broadcasts wait for them (parked as for someone not joined yet)."""
    person.tg_chat_id = None

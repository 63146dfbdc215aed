"""/profil: who the person is, with their time zone and quiet hours, which they may change ("p:" buttons)."""
from __future__ import annotations

from datetime import time

from core.content.schema import Content
from core.ui import Button, Reply
from core.zones import zone_name
from services.callbacks import PROFILE  # re-exported: the presses bot/app.py sends to press()
from services.callbacks import PickQuiet, PickZone, QuietHours, SetQuiet, SetZone, Zone
from services.context import Deps
from services.turn import Acting, Outcome, Turn, act
from store.models import Person

ProfilePress = PickZone | SetZone | PickQuiet | SetQuiet


async def show(deps: Deps, turn: Turn) -> Outcome:
    """/profil: the person's card."""
    return await act(deps, turn, _show, command="profil")


async def press(deps: Deps, turn: Turn, value: ProfilePress | None) -> Outcome:
    """Pick or save a time zone or quiet hours; stale or forged data gets "no longer valid"."""
    return await act(deps, turn, lambda acting: _press(acting, value))


async def _show(acting: Acting) -> list[Reply]:
    person = acting.person
    mentor = await acting.session.get(Person, person.mentor_id) if person.mentor_id else None
    return [_card(acting.content, person, mentor)]


def _card(content: Content, person: Person, mentor: Person | None) -> Reply:
    empty = content.text("profile.empty")
    zone = zone_name(person, content.default_tz)
    return Reply(
        content.text(
            "profile.card", nama=person.name, peran=content.text(f"role.{person.role.value}"),
            angkatan=person.cohort.name if person.cohort else empty, sekolah=person.school or empty,
            kabupaten=person.district or empty, mentor=mentor.name if mentor else empty,
            zona=content.text(f"zone.{zone}") if f"zone.{zone}" in content.texts else zone,
            tenang_mulai=f"{person.quiet_start:%H:%M}", tenang_selesai=f"{person.quiet_end:%H:%M}",
        ),
        buttons=[[Button(content.text("profile.button_zone"), PickZone().pack()),
                  Button(content.text("profile.button_quiet"), PickQuiet().pack())]],
    )


def _hours(choice: QuietHours) -> tuple[int, int]:
    """The start and end hour of a choice; equal ends for none."""
    if choice is QuietHours.off:
        return 0, 0
    start, _, end = choice.value.partition("-")
    return int(start), int(end)


async def _press(acting: Acting, value: ProfilePress | None) -> list[Reply]:
    content, person = acting.content, acting.person
    match value:
        case PickZone():
            rows = [[Button(content.text(f"zone.{z.value}"), SetZone(z).pack())] for z in Zone]
            return [Reply(content.text("profile.pick_zone"), buttons=rows, edit=True)]
        case SetZone(zone=zone):
            person.timezone = zone.value
            return [Reply(content.text("profile.zone_saved", zona=content.text(f"zone.{zone.value}")), edit=True)]
        case PickQuiet():
            rows = []
            for choice in QuietHours:
                start, end = _hours(choice)
                label = content.text("profile.quiet_off") if choice is QuietHours.off else f"{start:02d}:00–{end:02d}:00"
                rows.append([Button(label, SetQuiet(choice).pack())])
            return [Reply(content.text("profile.pick_quiet"), buttons=rows, edit=True)]
        case SetQuiet(hours=choice):
            start, end = _hours(choice)
            person.quiet_start, person.quiet_end = time(start), time(end)
            if choice is QuietHours.off:
                return [Reply(content.text("profile.quiet_off_saved"), edit=True)]
            return [Reply(content.text("profile.quiet_saved", mulai=f"{start:02d}:00", selesai=f"{end:02d}:00"), edit=True)]
    return acting.reply("error.stale_button")

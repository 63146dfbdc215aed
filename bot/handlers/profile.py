"""/profil: who the person is, plus their time zone and quiet hours (changeable)."""
from __future__ import annotations

from datetime import time

from sqlalchemy.ext.asyncio import AsyncSession
from telegram import Update

from bot.handlers.common import for_person
from bot.services import BotContext
from core.content import Content
from core.zones import zone_name
from core.ui import Button, Reply
from store.models import Person

ZONES = ("Asia/Jakarta", "Asia/Makassar", "Asia/Jayapura")
QUIET_CHOICES = {"21-6": (21, 6), "22-5": (22, 5), "20-7": (20, 7), "off": (0, 0)}


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
        buttons=((Button(content.text("profile.button_zone"), "p:zone"), Button(content.text("profile.button_quiet"), "p:quiet")),),
    )


@for_person("profil")
async def profil(update: Update, context: BotContext, session: AsyncSession, person: Person) -> list[Reply]:
    mentor = await session.get(Person, person.mentor_id) if person.mentor_id else None
    return [_card(context.services.content, person, mentor)]


@for_person()
async def profile_button(update: Update, context: BotContext, session: AsyncSession, person: Person) -> list[Reply]:
    """Handle p:zone, p:zone:<tz>, p:quiet, p:quiet:<choice>."""
    content = context.services.content
    data = update.callback_query.data or ""
    if not data.startswith("p:"):  # python-telegram-bot hands a press without data to every patterned handler
        return [Reply(content.text("error.stale_button"))]
    parts = data.split(":")
    if parts[1:] == ["zone"]:
        return [Reply(content.text("profile.pick_zone"), buttons=tuple((Button(content.text(f"zone.{z}"), f"p:zone:{z}"),) for z in ZONES), edit=True)]
    if parts[1] == "zone" and len(parts) == 3 and parts[2] in ZONES:
        person.timezone = parts[2]
        return [Reply(content.text("profile.zone_saved", zona=content.text(f"zone.{parts[2]}")), edit=True)]
    if parts[1:] == ["quiet"]:
        buttons = tuple(
            (Button(content.text("profile.quiet_off") if key == "off" else f"{a:02d}:00–{b:02d}:00", f"p:quiet:{key}"),)
            for key, (a, b) in QUIET_CHOICES.items()
        )
        return [Reply(content.text("profile.pick_quiet"), buttons=buttons, edit=True)]
    if parts[1] == "quiet" and len(parts) == 3 and parts[2] in QUIET_CHOICES:
        start_hour, end_hour = QUIET_CHOICES[parts[2]]
        person.quiet_start, person.quiet_end = time(start_hour), time(end_hour)
        if parts[2] == "off":
            return [Reply(content.text("profile.quiet_off_saved"), edit=True)]
        return [Reply(content.text("profile.quiet_saved", mulai=f"{start_hour:02d}:00", selesai=f"{end_hour:02d}:00"), edit=True)]
    return [Reply(content.text("error.stale_button"))]

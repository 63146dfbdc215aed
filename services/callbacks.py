"""Buttons of the koordinator's broadcast composer ("b:") and of /profil ("p:"), each at most 64 bytes.

    b:k:<kind>                audience kind chosen          b:p:<page> / b:v:<i>    a page / a value of it
    b:send / b:urgent         send now (urgent: through quiet hours)
    b:sched / b:at / b:atu    schedule; confirm a time some recipients are in quiet hours (atu: through them)
    b:cancel                  drop the draft                b:list                  the recent broadcasts
    b:s:<id> / b:x:<id>       one broadcast's status / cancel it
    p:zone / p:zone:<tz>      pick / save a time zone       p:quiet / p:quiet:<a-b|off>  pick / save quiet hours
"""
from __future__ import annotations

import enum
from dataclasses import dataclass

from core.callbacks import CallbackData, Namespace
from scheduler.broadcasts import AUDIENCE_KINDS

AudienceKind = enum.StrEnum("AudienceKind", {kind: kind for kind in AUDIENCE_KINDS})


class Zone(enum.StrEnum):
    wib = "Asia/Jakarta"
    wita = "Asia/Makassar"
    wit = "Asia/Jayapura"


class QuietHours(enum.StrEnum):
    """Quiet hours a person may pick, as "start-end" hours, or none."""

    h21_6 = "21-6"
    h22_5 = "22-5"
    h20_7 = "20-7"
    off = "off"


@dataclass(frozen=True)
class SiaranKind(CallbackData, prefix="b:k"):
    kind: AudienceKind


@dataclass(frozen=True)
class SiaranPage(CallbackData, prefix="b:p"):
    page: int


@dataclass(frozen=True)
class SiaranValue(CallbackData, prefix="b:v"):
    index: int


@dataclass(frozen=True)
class SiaranSend(CallbackData, prefix="b:send"):
    pass


@dataclass(frozen=True)
class SiaranUrgent(CallbackData, prefix="b:urgent"):
    pass


@dataclass(frozen=True)
class SiaranPaid(CallbackData, prefix="b:paid"):
    pass


@dataclass(frozen=True)
class SiaranSchedule(CallbackData, prefix="b:sched"):
    pass


@dataclass(frozen=True)
class SiaranAt(CallbackData, prefix="b:at"):
    pass


@dataclass(frozen=True)
class SiaranAtUrgent(CallbackData, prefix="b:atu"):
    pass


@dataclass(frozen=True)
class SiaranAtPaid(CallbackData, prefix="b:atp"):
    pass


@dataclass(frozen=True)
class SiaranCancel(CallbackData, prefix="b:cancel"):
    pass


@dataclass(frozen=True)
class SiaranList(CallbackData, prefix="b:list"):
    pass


@dataclass(frozen=True)
class SiaranStatus(CallbackData, prefix="b:s"):
    broadcast_id: int


@dataclass(frozen=True)
class SiaranStop(CallbackData, prefix="b:x"):
    broadcast_id: int


SIARAN = Namespace(
    "b", SiaranKind, SiaranPage, SiaranValue, SiaranSend, SiaranUrgent, SiaranPaid, SiaranSchedule, SiaranAt,
    SiaranAtUrgent, SiaranAtPaid, SiaranCancel, SiaranList, SiaranStatus, SiaranStop,
)


@dataclass(frozen=True)
class PickZone(CallbackData, prefix="p:zone"):
    pass


@dataclass(frozen=True)
class SetZone(CallbackData, prefix="p:zone"):
    zone: Zone


@dataclass(frozen=True)
class PickQuiet(CallbackData, prefix="p:quiet"):
    pass


@dataclass(frozen=True)
class SetQuiet(CallbackData, prefix="p:quiet"):
    hours: QuietHours


PROFILE = Namespace("p", PickZone, SetZone, PickQuiet, SetQuiet)

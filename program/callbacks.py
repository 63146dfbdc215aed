"""Buttons of the program calendar ("j:"), each at most 64 bytes (core/callbacks.py).

Drawn by /jadwal and the date dialogue (services/jadwal.py, services/calendar_dates.py) and by the
agreed-dates notice of a mentee flow (flows/submit.py), so they live here, below both; answered by
services/jadwal.py.

    j:ics                     send the schedule as an .ics file
    j:c / j:c:<cohort>        koordinator: choose a cohort / its Lokakarya list
    j:l:<cohort>:<n>          koordinator: set Lokakarya n of the cohort (then a typed date)
    j:m / j:m:<mentee>        PP: choose a mentee / their PI list
    j:p:<mentee>:<n>          PP: set the mentee's PI n (then a typed date)
    j:ok / j:x                save / cancel the typed date
    j:s / j:s:<cohort>        koordinator: choose a cohort / its Sekolah Penggerak workshops (KB1, PMO months)
    j:w:<cohort>:<month>      koordinator: set the cohort's SP workshop of that month (then a typed date)
"""
from __future__ import annotations

from dataclasses import dataclass

from core.callbacks import CallbackData, Namespace


@dataclass(frozen=True)
class CalendarFile(CallbackData, prefix="j:ics"):
    pass


@dataclass(frozen=True)
class PickCohort(CallbackData, prefix="j:c"):
    pass


@dataclass(frozen=True)
class CohortLokakarya(CallbackData, prefix="j:c"):
    cohort_id: int


@dataclass(frozen=True)
class SetLokakarya(CallbackData, prefix="j:l"):
    cohort_id: int
    number: int


@dataclass(frozen=True)
class PickMentee(CallbackData, prefix="j:m"):
    pass


@dataclass(frozen=True)
class MenteePi(CallbackData, prefix="j:m"):
    mentee_id: int


@dataclass(frozen=True)
class SetPi(CallbackData, prefix="j:p"):
    mentee_id: int
    number: int


@dataclass(frozen=True)
class SaveDate(CallbackData, prefix="j:ok"):
    pass


@dataclass(frozen=True)
class CancelDate(CallbackData, prefix="j:x"):
    pass


@dataclass(frozen=True)
class PickCohortWorkshop(CallbackData, prefix="j:s"):
    pass


@dataclass(frozen=True)
class CohortWorkshops(CallbackData, prefix="j:s"):
    cohort_id: int


@dataclass(frozen=True)
class SetWorkshop(CallbackData, prefix="j:w"):
    cohort_id: int
    month: int


JADWAL = Namespace(
    "j", CalendarFile, PickCohort, CohortLokakarya, SetLokakarya, PickMentee, MenteePi, SetPi, SaveDate, CancelDate,
    PickCohortWorkshop, CohortWorkshops, SetWorkshop,
)

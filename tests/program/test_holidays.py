"""Working days: Indonesia's holidays and cuti bersama, content days off by province, koordinator-added days."""
from __future__ import annotations

from datetime import date
from types import SimpleNamespace

import pytest

from core.content.schema import HolidaySettings
from program.holidays import HolidayCalendar, province_key
from store.models import DayOffScope, ExtraDay

INDEPENDENCE_DAY = date(2026, 8, 17)  # a Monday


def _who(province: str | None = None, cohort_id: int | None = None) -> SimpleNamespace:
    return SimpleNamespace(province=province, cohort_id=cohort_id)


def _calendar(**settings) -> HolidayCalendar:
    return HolidayCalendar(HolidaySettings.model_validate(settings))


def test_a_reminder_due_on_17_august_moves_to_saturday_by_default():
    calendar = _calendar()
    assert INDEPENDENCE_DAY.weekday() == 0 and not calendar.is_working_day(INDEPENDENCE_DAY)
    assert calendar.holiday_name(INDEPENDENCE_DAY) == "Hari Kemerdekaan Republik Indonesia"
    assert calendar.move(INDEPENDENCE_DAY, "earlier") == date(2026, 8, 15)  # Saturday is a working day
    assert calendar.move(INDEPENDENCE_DAY, "later") == date(2026, 8, 18)
    assert calendar.move(INDEPENDENCE_DAY, "keep") == INDEPENDENCE_DAY


def test_with_saturday_off_it_moves_to_friday():
    calendar = _calendar(weekly_days_off=["saturday", "sunday"])
    assert calendar.move(INDEPENDENCE_DAY, "earlier") == date(2026, 8, 14)
    assert calendar.move(date(2026, 8, 16), "later") == date(2026, 8, 18)  # Sunday, then the holiday
    assert calendar.holiday_name(date(2026, 8, 15)) is None  # a plain weekend day has no name


def test_cuti_bersama_are_days_off_and_a_lebaran_run_moves_before_nyepi():
    calendar = _calendar()
    assert calendar.holiday_name(date(2026, 3, 20)) == "Cuti Bersama Hari Raya Idul Fitri"  # SKB 2026
    # 18 cuti Nyepi, 19 Nyepi, 20 cuti, 21-22 Idul Fitri, 23-24 cuti: the 24th's reminder comes on the 17th.
    assert calendar.move(date(2026, 3, 24), "earlier") == date(2026, 3, 17)
    assert calendar.move(date(2026, 3, 18), "later") == date(2026, 3, 25)


def test_estimated_lunar_dates_are_provisional():
    calendar = _calendar()
    (eid,) = [h for h in calendar.upcoming(date(2027, 3, 10), 1)]
    assert eid.name == "Hari Raya Idul Fitri" and eid.provisional
    (fixed,) = calendar.upcoming(date(2026, 3, 21), 1)
    assert fixed.name == "Hari Raya Idul Fitri" and not fixed.provisional


def test_without_holidays_content_every_day_is_a_working_day():
    calendar = HolidayCalendar(None)
    assert calendar.is_working_day(INDEPENDENCE_DAY) and calendar.is_working_day(date(2026, 8, 16))
    assert calendar.move(INDEPENDENCE_DAY, "earlier") == INDEPENDENCE_DAY
    assert calendar.upcoming(date(2026, 8, 1), 31) == []


def test_content_days_off_count_nationally_or_in_their_provinces():
    calendar = _calendar(days_off=[
        {"date": "2028-01-02", "name": "Cuti bersama", "provisional": True},
        {"date": "2026-06-17", "until": "2026-06-18", "name": "Galungan", "provinces": ["Bali"]},
    ])
    assert not calendar.is_working_day(date(2028, 1, 2)) and not calendar.is_working_day(date(2028, 1, 2), _who("Bali"))
    assert calendar.is_working_day(date(2026, 6, 17))  # nobody's province: national days only
    assert calendar.is_working_day(date(2026, 6, 17), _who("Jawa Barat"))
    for spelling in ("Bali", "PROVINSI  bali", "Prov. Bali"):
        assert not calendar.is_working_day(date(2026, 6, 18), _who(spelling)), spelling
    assert calendar.move(date(2026, 6, 18), "earlier", _who("Bali")) == date(2026, 6, 15)  # 16th: Tahun Baru Islam


def test_days_a_koordinator_added_apply_to_their_scope():
    added = [
        ExtraDay(on_date=date(2026, 9, 1), name="Libur nasional baru", scope=DayOffScope.national),
        ExtraDay(on_date=date(2026, 9, 2), name="Hari jadi kota", scope=DayOffScope.province, province="Jawa Timur"),
        ExtraDay(on_date=date(2026, 9, 3), name="Libur angkatan", scope=DayOffScope.cohort, cohort_id=7),
    ]
    calendar = HolidayCalendar(HolidaySettings(), added)
    assert not calendar.is_working_day(date(2026, 9, 1))
    assert calendar.holiday_name(date(2026, 9, 2), _who("jawa timur")) == "Hari jadi kota"
    assert calendar.is_working_day(date(2026, 9, 2), _who("Jawa Tengah"))
    assert not calendar.is_working_day(date(2026, 9, 3), _who(cohort_id=7))
    assert calendar.is_working_day(date(2026, 9, 3), _who(cohort_id=8))


def test_upcoming_joins_runs_and_lists_the_provinces_school_holidays():
    calendar = _calendar(school_holidays=[
        {"provinces": ["Jawa Barat"], "start": "2026-03-30", "end": "2026-04-04", "name": "Libur sekolah"},
    ])
    found = [(h.start.day, h.end.day, h.name, h.scope) for h in calendar.upcoming(date(2026, 3, 22), 10, _who("Jawa Barat"))]
    assert found == [
        (22, 22, "Hari kedua dari Hari Raya Idul Fitri", "national"),
        (23, 24, "Cuti Bersama Hari Raya Idul Fitri", "national"),
        (30, 4, "Libur sekolah", "school"),
    ]
    assert all(h.scope != "school" for h in calendar.upcoming(date(2026, 3, 22), 10, _who("Bali")))
    assert calendar.is_working_day(date(2026, 3, 31), _who("Jawa Barat"))  # school holidays are working days


@pytest.mark.parametrize("name, key", [("Jawa Barat", "jawa barat"), (" Provinsi DKI  Jakarta", "dki jakarta"),
                                       ("Prov.Bali", "bali"), ("", None), (None, None)])
def test_province_names_compare_loosely(name, key):
    assert province_key(name) == key

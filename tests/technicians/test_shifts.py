"""shifts_for: who works on a day, when (in UTC, from the site's time zone), lunch, home."""

from __future__ import annotations

import dataclasses
from datetime import UTC, date, datetime, time

import pytest

from dispatch.extensions import db
from dispatch.people.models import Skill
from dispatch.technicians.models import DayOff, TechnicianProfile, WorkingHours
from dispatch.technicians.shifts import Shift, shifts_for

UTC = UTC
WINTER_MONDAY = date(2030, 1, 7)
SUMMER_MONDAY = date(2030, 7, 1)


def hours(user, weekday, start=time(8), end=time(17), lunch=(time(12), time(14)), minutes=30):
    db.session.add(
        WorkingHours(
            user_id=user.id,
            weekday=weekday,
            start_time=start,
            end_time=end,
            lunch_start=lunch[0] if lunch else None,
            lunch_end=lunch[1] if lunch else None,
            lunch_minutes=minutes if lunch else 0,
        )
    )
    db.session.commit()


@pytest.fixture
def site(make_site):
    return make_site(timezone="Europe/Bucharest", latitude=46.77, longitude=23.59)


@pytest.fixture
def tech(make_user, site):
    skills = [Skill(name="network"), Skill(name="printers")]
    db.session.add_all(skills)
    user = make_user("technician", name="Radu", site=site, skills=skills)
    hours(user, 0)
    return user


def test_a_winter_shift_in_utc(tech):
    (shift,) = shifts_for(WINTER_MONDAY)
    assert isinstance(shift, Shift) and dataclasses.is_dataclass(shift)
    with pytest.raises(dataclasses.FrozenInstanceError):
        shift.name = "x"
    assert shift.technician_id == tech.id and shift.name == "Radu"
    assert shift.timezone == "Europe/Bucharest"
    assert shift.start_utc == datetime(2030, 1, 7, 6, 0, tzinfo=UTC)  # UTC+2 in winter
    assert shift.end_utc == datetime(2030, 1, 7, 15, 0, tzinfo=UTC)
    assert shift.lunch_window_utc == (
        datetime(2030, 1, 7, 10, tzinfo=UTC),
        datetime(2030, 1, 7, 12, tzinfo=UTC),
    )
    assert shift.lunch_minutes == 30
    assert shift.skill_ids == frozenset(s.id for s in tech.skills)
    assert shift.home == (46.77, 23.59)  # no home base: the site


def test_summer_time_moves_the_utc_hours(tech):
    (shift,) = shifts_for(SUMMER_MONDAY)
    assert shift.start_utc == datetime(2030, 7, 1, 5, 0, tzinfo=UTC)  # UTC+3 in summer


def test_home_base_wins_over_the_site(tech):
    db.session.add(TechnicianProfile(user_id=tech.id, home_latitude=46.75, home_longitude=23.55))
    db.session.commit()
    assert shifts_for(WINTER_MONDAY)[0].home == (46.75, 23.55)


def test_no_home_and_no_site_point(make_user, make_site):
    user = make_user("technician", site=make_site(latitude=None, longitude=None))
    hours(user, 0, lunch=None)
    (shift,) = shifts_for(WINTER_MONDAY)
    assert shift.home is None and shift.lunch_window_utc is None and shift.lunch_minutes == 0


def test_no_site_means_utc(make_user):
    user = make_user("technician")
    hours(user, 0)
    (shift,) = shifts_for(WINTER_MONDAY)
    assert shift.timezone == "UTC" and shift.start_utc == datetime(2030, 1, 7, 8, tzinfo=UTC)


def test_days_without_hours_days_off_and_inactive_technicians_are_not_planned(
    tech, make_user, site
):
    assert shifts_for(date(2030, 1, 8)) == []  # Tuesday: no hours
    db.session.add(DayOff(user_id=tech.id, day=WINTER_MONDAY, reason="Leave"))
    db.session.commit()
    assert shifts_for(WINTER_MONDAY) == []
    assert len(shifts_for(date(2030, 1, 14))) == 1  # the next Monday
    other = make_user("technician", name="Ana", site=site, active=False)
    hours(other, 0)
    assert [s.name for s in shifts_for(date(2030, 1, 14))] == ["Radu"]


def test_only_technicians_and_the_ids_asked_for(tech, make_user, site):
    dispatcher = make_user("dispatcher", site=site)
    hours(dispatcher, 0)
    second = make_user("technician", name="Bogdan", site=site)
    hours(second, 0, start=time(9))
    assert [s.name for s in shifts_for(WINTER_MONDAY)] == ["Bogdan", "Radu"]
    assert [s.name for s in shifts_for(WINTER_MONDAY, [second.id, dispatcher.id, 999])] == [
        "Bogdan"
    ]
    assert shifts_for(WINTER_MONDAY, []) == []

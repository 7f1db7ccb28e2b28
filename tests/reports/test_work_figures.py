"""On-site visits, first-time fixes, technician utilisation and downtime."""

from __future__ import annotations

from datetime import time, timedelta

import pytest

from dispatch.extensions import db
from dispatch.reports import downtime, onsite, utilisation
from dispatch.technicians.models import DayOff, WorkingHours
from tests.reports.conftest import END, START, at


@pytest.fixture
def tech(make_user):
    return make_user("technician", name="Radu")


def test_visits_per_site(old_ticket, visit, tech, make_site, scope):
    cluj = make_site(name="Cluj")
    job = old_ticket(at(1), kind="onsite", site=cluj)
    visit(job, tech, at(2, 9), at(2, 10), travel_seconds=1800, spent=50)
    visit(job, tech, at(3, 9), at(3, 9) + timedelta(minutes=30), travel_seconds=3600)
    visit(job, tech, at(4, 9))  # arrived, not done: not counted yet
    visit(job, tech, at(40, 9), at(40, 10))  # after the period
    (row,) = onsite.visits(scope(), speed_kmh=40)
    assert row == {
        "site": "Cluj",
        "visits": 2,
        "on_site_hours": 1.5,
        "mean_on_site_min": 45.0,
        "work_hours": pytest.approx(0.83, abs=0.01),
        "travel_hours": 1.5,
        "travel_km": 60.0,
    }


def test_first_time_fix_needs_no_visit_within_fourteen_days(old_ticket, visit, tech, scope):
    fixed, again, late = (old_ticket(at(0), kind="onsite") for _ in range(3))
    visit(fixed, tech, at(1, 9), at(1, 10))
    visit(again, tech, at(1, 9), at(1, 10))
    visit(again, tech, at(8, 9), at(8, 10))  # back a week later
    visit(late, tech, at(1, 9), at(1, 10))
    visit(late, tech, at(16, 9), at(16, 10))  # back after 15 days: a new fault
    (row,) = onsite.first_time_fix(scope())
    assert row == {"site": "", "requests": 3, "fixed_first_time": 2, "rate": pytest.approx(0.6667)}


def test_utilisation_shares_of_the_shift(app, old_ticket, visit, tech, scope):
    # Mondays 08:00–17:00 with 60 minutes of lunch: 8 hours; the period holds four Mondays,
    # one of them off.
    db.session.add(
        WorkingHours(user=tech, weekday=0, start_time=time(8), end_time=time(17), lunch_minutes=60)
    )
    db.session.add(DayOff(user=tech, day=at(7).date()))
    db.session.commit()
    job = old_ticket(at(0), kind="onsite")
    visit(job, tech, at(0, 9), at(0, 13), travel_seconds=2 * 3600)
    (row,) = utilisation.technicians(scope())
    assert row == {
        "technician": "Radu",
        "shift_hours": 24.0,
        "work_hours": 4.0,
        "travel_hours": 2.0,
        "work_share": pytest.approx(0.1667),
        "travel_share": pytest.approx(0.0833),
        "idle_share": 0.75,
    }


def test_period_days_follow_the_local_midnight(scope):
    from dispatch.reports.scope import Scope

    east = Scope(START - timedelta(hours=2), END - timedelta(hours=2))  # Bucharest's midnight
    days = utilisation.period_days(east)
    assert (days[0], days[-1], len(days)) == (START.date(), (END - timedelta(days=1)).date(), 28)


def test_downtime_counts_only_requests_that_stop_work(
    old_ticket, make_site, make_department, scope
):
    site, dept = make_site(name="Iași"), make_department(name="Sales")
    old_ticket(at(1, 8), at(1, 12), stops_work=True, site=site, department=dept)
    old_ticket(START - timedelta(hours=6), at(0, 2), stops_work=True, site=site, department=dept)
    old_ticket(at(27, 20), stops_work=True, site=site)  # open at the period's end: 4 hours in it
    old_ticket(at(1, 8), at(5), stops_work=False, site=site, department=dept)
    old_ticket(at(1, 8), at(5), site=site, department=dept)  # not asked (mail)
    rows = downtime.by_place(scope(), now=END + timedelta(days=1))
    assert rows == [
        {"site": "Iași", "department": "Sales", "requests": 2, "open_hours": 6.0},
        {"site": "Iași", "department": "", "requests": 1, "open_hours": 4.0},
    ]
    # Before the period ends, an open request counts until now.
    (_, third) = downtime.by_place(scope(), now=at(27, 22))
    assert third["open_hours"] == 2.0

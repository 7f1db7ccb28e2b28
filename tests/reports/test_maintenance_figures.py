"""First-time fixes by request and device, and preventive visits done inside their window."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from dispatch.extensions import db
from dispatch.maintenance.models import MaintenanceOccurrence, MaintenancePlan, OccurrenceStatus
from dispatch.reports import onsite, preventive
from tests.reports.conftest import at


@pytest.fixture
def tech(make_user):
    return make_user("technician", name="Radu")


def test_a_visit_for_another_request_about_the_same_device_is_no_first_time_fix(
    old_ticket, visit, tech, scope, make_asset
):
    printer, other = make_asset(tag="PR-1"), make_asset(tag="PR-2")
    first = old_ticket(at(0), kind="onsite", asset=printer)
    again = old_ticket(at(5), kind="onsite", asset=printer)  # the same printer, a new request
    elsewhere = old_ticket(at(0), kind="onsite", asset=other)
    visit(first, tech, at(1, 9), at(1, 10))
    visit(again, tech, at(6, 9), at(6, 10))
    visit(elsewhere, tech, at(1, 9), at(1, 10))
    (row,) = onsite.first_time_fix(scope())
    # first: back within 14 days for the same printer; again and elsewhere: fixed.
    assert row["requests"] == 3 and row["fixed_first_time"] == 2


def test_preventive_visits_done_on_time_per_site(old_ticket, make_asset, make_site, scope):
    cluj = make_site(name="Cluj")
    printer = make_asset(tag="PR-1", site=cluj)
    plan = MaintenancePlan(
        name="Service", asset=printer, rule="FREQ=MONTHLY", starts_on=date(2026, 11, 2)
    )
    db.session.add(plan)

    def occurrence(done, window_end_day, **kw):
        ticket = old_ticket(at(0), resolved=done, kind="onsite", site=cluj, channel="plan")
        row = MaintenanceOccurrence(
            plan=plan,
            asset=printer,
            ticket=ticket,
            due_on=at(window_end_day).date() - timedelta(days=5 + len(kw)),
            window_start=at(0),
            window_end=at(window_end_day, 17),
            **kw,
        )
        db.session.add(row)
        db.session.commit()

    occurrence(at(3), 4)  # inside its window
    occurrence(at(9), 6)  # three days late
    occurrence(None, 8)  # not done yet: not counted
    occurrence(at(5), 8, status=OccurrenceStatus.SKIPPED)  # skipped (its ticket closed): not done
    occurrence(at(60), 61)  # after the period
    (row,) = preventive.on_time(scope())
    assert row == {"site": "Cluj", "done": 2, "on_time": 1, "rate": 0.5}


def test_a_preventive_visit_is_neither_a_fix_nor_a_return(
    old_ticket, visit, tech, scope, make_asset
):
    printer = make_asset(tag="PR-1")
    repair = old_ticket(at(0), kind="onsite", asset=printer)
    service = old_ticket(at(0), kind="onsite", asset=printer, channel="plan")
    visit(repair, tech, at(1, 9), at(1, 10))
    visit(service, tech, at(3, 9), at(3, 10))  # the planned service two days later
    (row,) = onsite.first_time_fix(scope())
    assert row["requests"] == 1 and row["fixed_first_time"] == 1

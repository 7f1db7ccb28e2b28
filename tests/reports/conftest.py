"""Builders for report tests: tickets, their record and visits, at the times a test names."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from dispatch.extensions import db
from dispatch.planning.models import PlanRun, Visit, VisitStatus
from dispatch.reports.scope import Scope
from dispatch.tickets.models import Status, Ticket, TicketEvent
from tests.api.conftest import api  # noqa: F401  (the API client, for the API's tests here)

START = datetime(2026, 11, 2, tzinfo=UTC)  # a Monday
END = START + timedelta(weeks=4)


def at(day: int, hour: int = 9) -> datetime:
    """A time in the period: ``day`` 0 is its first Monday."""
    return START + timedelta(days=day, hours=hour)


@pytest.fixture
def scope():
    def make(**filters):
        return Scope(START, END, **filters)

    return make


@pytest.fixture
def old_ticket(app, make_user):
    """A ticket row created and finished when the test says, with its status record."""
    requester = None

    def make(created, resolved=None, *, reopened=None, **kw):
        nonlocal requester
        requester = requester or make_user("employee")
        values = dict(subject="Broken", channel="web", status=Status.NEW, created_at=created)
        values.update(kw)
        ticket = Ticket(requester=requester, **values)
        db.session.add(ticket)
        db.session.flush()
        if resolved is not None:
            _status(ticket, Status.IN_PROGRESS, Status.RESOLVED, resolved)
            ticket.status, ticket.resolved_at = Status.RESOLVED, resolved
        if reopened is not None:
            _status(ticket, Status.RESOLVED, Status.IN_PROGRESS, reopened)
            ticket.status, ticket.resolved_at = Status.IN_PROGRESS, None
        db.session.commit()
        return ticket

    return make


def _status(ticket, old, new, when):
    db.session.add(
        TicketEvent(ticket=ticket, type="status", data={"old": old, "new": new}, created_at=when)
    )


@pytest.fixture
def visit(app):
    """A visit done (or only arrived) at the given times."""

    def make(ticket, technician, arrived, done=None, *, travel_seconds=1800, spent=None):
        run = PlanRun(first_day=arrived.date(), status="published")
        db.session.add(run)
        row = Visit(
            plan_run=run,
            ticket=ticket,
            technician=technician,
            day=arrived.date(),
            planned_start=arrived,
            planned_end=arrived + timedelta(hours=1),
            travel_seconds=travel_seconds,
            status=VisitStatus.DONE if done else VisitStatus.ARRIVED,
            en_route_at=arrived - timedelta(seconds=travel_seconds),
            arrived_at=arrived,
            done_at=done,
            time_spent_min=spent,
        )
        db.session.add(row)
        db.session.commit()
        return row

    return make

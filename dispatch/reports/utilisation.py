"""Technician utilisation: the share of their shifts spent working on site, travelling, idle."""

from __future__ import annotations

from collections import Counter, defaultdict
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import case, func, select

from dispatch.extensions import db
from dispatch.people.models import User
from dispatch.planning.models import Visit, VisitStatus
from dispatch.reports.scope import Scope, hours, in_period, seconds_between, share
from dispatch.technicians.models import DayOff, WorkingHours
from dispatch.tickets.models import Ticket


def period_days(scope: Scope) -> list[date]:
    """The calendar days of the period: those whose noon (UTC) falls in it, so that a period
    starting at local midnight east or west of Greenwich keeps its own days."""
    first = scope.start.astimezone(UTC).date() - timedelta(days=1)
    days = (first + timedelta(days=i) for i in range((scope.end - scope.start).days + 3))
    return [d for d in days if scope.start <= datetime.combine(d, time(12), UTC) < scope.end]


def _shift_seconds(scope: Scope) -> dict[int, int]:
    """Each technician's working time in the period: their weekly hours less lunch, on the
    period's days that are not their days off."""
    days = period_days(scope)
    weekdays = Counter(d.weekday() for d in days)
    daily: dict[int, dict[int, int]] = defaultdict(dict)
    for row in db.session.scalars(select(WorkingHours)):
        start = datetime.combine(date.min, row.start_time)
        length = (datetime.combine(date.min, row.end_time) - start).total_seconds()
        daily[row.user_id][row.weekday] = max(0, int(length) - 60 * row.lunch_minutes)
    off = db.session.execute(select(DayOff.user_id, DayOff.day).where(DayOff.day.in_(days))).all()
    total = {
        user: sum(seconds * weekdays[wd] for wd, seconds in week.items())
        for user, week in daily.items()
    }
    for user, day in off:
        total[user] = total.get(user, 0) - daily.get(user, {}).get(day.weekday(), 0)
    return total


def technicians(scope: Scope) -> list[dict[str, Any]]:
    """Per technician with hours or visits: shift hours in the period; hours on site (arrived
    → done, or the work they reported when arrival was not recorded) and planned travel of
    their visits done in the period; each, and the idle rest, as a share of the shift."""
    work = func.coalesce(
        case((Visit.arrived_at.is_not(None), seconds_between(Visit.arrived_at, Visit.done_at))),
        Visit.time_spent_min * 60,
        0,
    )
    done = dict(
        (user, (w, t))
        for user, w, t in db.session.execute(
            select(Visit.technician_id, func.sum(work), func.sum(Visit.travel_seconds))
            .join(Ticket, Ticket.id == Visit.ticket_id)
            .where(
                Visit.status == VisitStatus.DONE,
                in_period(Visit.done_at, scope),
                *scope.ticket_filters(),
            )
            .group_by(Visit.technician_id)
        )
    )
    shifts = _shift_seconds(scope)
    people = set(done) | {u for u, s in shifts.items() if s > 0}
    names = dict(db.session.execute(select(User.id, User.name).where(User.id.in_(people))).all())
    rows = []
    for user in sorted(people, key=lambda u: names.get(u, "")):
        shift = shifts.get(user, 0)
        worked, travel = (float(v or 0) for v in done.get(user, (0, 0)))
        idle = max(0.0, shift - worked - travel)
        rows.append(
            {
                "technician": names.get(user, ""),
                "shift_hours": hours(shift),
                "work_hours": hours(worked),
                "travel_hours": hours(travel),
                "work_share": share(worked, shift),
                "travel_share": share(travel, shift),
                "idle_share": share(idle, shift),
            }
        )
    return rows

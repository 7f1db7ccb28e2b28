"""Downtime: how long requests that stopped someone's work stayed open, per site and department."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import func, or_, select

from dispatch.extensions import db
from dispatch.people.models import Department
from dispatch.reports.scope import Scope, done_at, epoch, hours, larger, smaller
from dispatch.sites.models import Site
from dispatch.tickets.models import Ticket

NONE = ""


def by_place(scope: Scope, *, now: datetime) -> list[dict[str, Any]]:
    """Per site and department, the requests said to stop their requester's work that were
    open at some time in the period: how many, and the hours they were open within the period
    (wall-clock: from creation, or the period's start, to finished, or the period's end, or
    ``now`` when the period has not ended)."""
    start, end = scope.start.timestamp(), min(scope.end, now).timestamp()
    # Each request's open time clipped to the period; still open: until the period's end.
    open_seconds = smaller(func.coalesce(epoch(done_at()), end), end) - larger(
        epoch(Ticket.created_at), start
    )
    # Grouped by the department's row, named in the reader's language below (one query).
    site, department = func.coalesce(Site.name, NONE), Ticket.department_id
    query = (
        select(site, department, func.count(), func.sum(open_seconds))
        .select_from(Ticket)
        .outerjoin(Site, Site.id == Ticket.site_id)
        .outerjoin(Department, Department.id == Ticket.department_id)
        .where(
            Ticket.stops_work.is_(True),
            Ticket.created_at < min(scope.end, now),
            or_(done_at().is_(None), done_at() >= scope.start),
            *scope.ticket_filters(),
        )
        .group_by(site, department)
        .order_by(func.sum(open_seconds).desc(), site, department)
    )
    rows = db.session.execute(query).all()
    ids = {d for _, d, _, _ in rows if d is not None}
    names = (
        {d.id: str(d) for d in db.session.scalars(select(Department).where(Department.id.in_(ids)))}
        if ids
        else {}
    )
    return [
        {"site": s, "department": names.get(d, NONE), "requests": n, "open_hours": hours(seconds)}
        for s, d, n, seconds in rows
    ]

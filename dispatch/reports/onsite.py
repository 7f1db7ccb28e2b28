"""On-site work per site: visits, time on site, travel, and first-time fixes."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import and_, case, exists, func, or_, select
from sqlalchemy.orm import aliased

from dispatch.extensions import db
from dispatch.planning.models import Visit, VisitStatus
from dispatch.reports.scope import Scope, epoch, hours, in_period, seconds_between, share
from dispatch.sites.models import Site
from dispatch.tickets.models import PREVENTIVE, Ticket

#: A further visit within this time of the first one means the first did not fix it.
FIX_HOLDS = timedelta(days=14)
NO_SITE = ""


def visits(scope: Scope, *, speed_kmh: float) -> list[dict[str, Any]]:
    """Per site, the visits done in the period: how many, hours on site (arrived → done,
    wall-clock) and their mean in minutes, hours of work the technicians reported, planned
    travel hours, and the travel distance those hours stand for at ``speed_kmh``."""
    on_site = case(
        (Visit.arrived_at.is_not(None), seconds_between(Visit.arrived_at, Visit.done_at))
    )
    site = func.coalesce(Site.name, NO_SITE)
    query = (
        select(
            site,
            func.count(),
            func.sum(on_site),
            func.avg(on_site),
            func.sum(Visit.time_spent_min),
            func.sum(Visit.travel_seconds),
        )
        .select_from(Visit)
        .join(Ticket, Ticket.id == Visit.ticket_id)
        .outerjoin(Site, Site.id == Ticket.site_id)
        .where(
            Visit.status == VisitStatus.DONE,
            in_period(Visit.done_at, scope),
            *scope.ticket_filters(),
        )
        .group_by(site)
        .order_by(site)
    )
    return [
        {
            "site": name,
            "visits": n,
            "on_site_hours": hours(on_site_total),
            "mean_on_site_min": None if mean is None else round(mean / 60, 1),
            "work_hours": None if work is None else round(work / 60, 2),
            "travel_hours": hours(travel or 0),
            "travel_km": round((travel or 0) / 3600 * speed_kmh, 1),
        }
        for name, n, on_site_total, mean, work, travel in db.session.execute(query)
    ]


def first_time_fix(scope: Scope) -> list[dict[str, Any]]:
    """Per site, the requests whose first visit was done in the period, and how many needed no
    further visit (one that reached the place) within 14 days of it — for the same request,
    or for another request about the same device. Preventive visits are neither: a planned
    service is not a repair, nor a return."""
    first = (
        select(Visit.ticket_id, func.min(Visit.done_at).label("done_at"))
        .where(Visit.status == VisitStatus.DONE)
        .group_by(Visit.ticket_id)
        .subquery()
    )
    later = aliased(Visit)
    later_ticket = aliased(Ticket)
    came_back = exists().where(
        later_ticket.id == later.ticket_id,
        or_(
            later.ticket_id == first.c.ticket_id,
            and_(Ticket.asset_id.is_not(None), later_ticket.asset_id == Ticket.asset_id),
        ),
        later_ticket.channel != PREVENTIVE,  # a planned service is not a return
        later.arrived_at.is_not(None),
        later.arrived_at > first.c.done_at,
        epoch(later.arrived_at) - epoch(first.c.done_at) <= FIX_HOLDS.total_seconds(),
    )
    site = func.coalesce(Site.name, NO_SITE)
    query = (
        select(site, func.count(), func.sum(case((came_back, 0), else_=1)))
        .select_from(first)
        .join(Ticket, Ticket.id == first.c.ticket_id)
        .outerjoin(Site, Site.id == Ticket.site_id)
        .where(
            in_period(first.c.done_at, scope),
            Ticket.channel != PREVENTIVE,
            *scope.ticket_filters(),
        )
        .group_by(site)
        .order_by(site)
    )
    return [
        {"site": name, "requests": n, "fixed_first_time": fixed, "rate": share(fixed, n)}
        for name, n, fixed in db.session.execute(query)
    ]

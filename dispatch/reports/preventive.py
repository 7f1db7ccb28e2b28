"""Preventive maintenance: the visits done in the period, and how many inside their window."""

from __future__ import annotations

from typing import Any

from sqlalchemy import case, func, select

from dispatch.extensions import db
from dispatch.maintenance.models import MaintenanceOccurrence, OccurrenceStatus
from dispatch.reports.scope import Scope, done_at, in_period, share
from dispatch.sites.models import Site
from dispatch.tickets.models import Status, Ticket

NO_SITE = ""


def on_time(scope: Scope) -> list[dict[str, Any]]:
    """Per site, the preventive visits finished in the period (their ticket resolved, or
    closed without being skipped) and how many of them by the end of their window."""
    finished = done_at()
    site = func.coalesce(Site.name, NO_SITE)
    query = (
        select(
            site,
            func.count(),
            func.sum(case((finished <= MaintenanceOccurrence.window_end, 1), else_=0)),
        )
        .select_from(MaintenanceOccurrence)
        .join(Ticket, Ticket.id == MaintenanceOccurrence.ticket_id)
        .outerjoin(Site, Site.id == Ticket.site_id)
        .where(
            MaintenanceOccurrence.status == OccurrenceStatus.OPEN,
            Ticket.status.in_((Status.RESOLVED, Status.CLOSED)),
            in_period(finished, scope),
            *scope.ticket_filters(),
        )
        .group_by(site)
        .order_by(site)
    )
    return [
        {"site": name, "done": n, "on_time": ok, "rate": share(ok, n)}
        for name, n, ok in db.session.execute(query)
    ]

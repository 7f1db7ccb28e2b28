"""Remote versus on-site: how many requests of each kind, and how long they stayed open."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select

from dispatch.extensions import db
from dispatch.reports.scope import Scope, done_at, hours, in_period, seconds_between, share
from dispatch.reports.stats import mean_and_median
from dispatch.tickets.models import Ticket

#: Tickets nobody has catalogued yet have no kind.
UNDECIDED = "undecided"


def remote_onsite(scope: Scope) -> list[dict[str, Any]]:
    """Per kind, of the requests created in the period: how many, their share, how many are
    finished, and the mean and median hours from creation to finished (wall-clock)."""
    kind = func.coalesce(Ticket.kind, UNDECIDED)
    created = dict(
        db.session.execute(
            select(kind, func.count())
            .where(in_period(Ticket.created_at, scope), *scope.ticket_filters())
            .group_by(kind)
        ).all()
    )
    times = mean_and_median(
        kind,
        seconds_between(Ticket.created_at, done_at()),
        [in_period(Ticket.created_at, scope), done_at().is_not(None), *scope.ticket_filters()],
    )
    total = sum(created.values())
    rows = []
    for name in sorted(created, key=lambda k: (k == UNDECIDED, k)):
        finished, mean, median = times.get(name, (0, None, None))
        rows.append(
            {
                "kind": name,
                "created": created[name],
                "share": share(created[name], total),
                "resolved": finished,
                "mean_hours": hours(mean),
                "median_hours": hours(median),
            }
        )
    return rows

"""Work that did not hold: reopened requests and follow-up tickets, per kind."""

from __future__ import annotations

from typing import Any

from sqlalchemy import and_, case, func, select
from sqlalchemy.orm import aliased

from dispatch.extensions import db
from dispatch.reports.kinds import UNDECIDED
from dispatch.reports.scope import Scope, done_at, in_period, share
from dispatch.tickets.models import Status, Ticket, TicketEvent

FINISHED = (Status.RESOLVED.value, Status.CLOSED.value)


def reopens(scope: Scope) -> list[dict[str, Any]]:
    """Per kind: requests finished (resolved or closed) in the period, how many of them were
    reopened in the period, and the rate."""
    old, new = TicketEvent.data["old"].as_string(), TicketEvent.data["new"].as_string()
    finished = and_(new.in_(FINISHED), old.not_in(FINISHED))
    reopened = and_(old.in_(FINISHED), new.not_in(FINISHED))
    kind = func.coalesce(Ticket.kind, UNDECIDED)
    query = (
        select(
            kind,
            func.count(func.distinct(case((finished, TicketEvent.ticket_id)))),
            func.count(func.distinct(case((reopened, TicketEvent.ticket_id)))),
        )
        .select_from(TicketEvent)
        .join(Ticket, Ticket.id == TicketEvent.ticket_id)
        .where(
            TicketEvent.type == "status",
            in_period(TicketEvent.created_at, scope),
            *scope.ticket_filters(),
        )
        .group_by(kind)
        .order_by(kind)
    )
    return [
        {"kind": k, "finished": f, "reopened": r, "rate": share(r, f)}
        for k, f, r in db.session.execute(query)
        if f or r
    ]


def follow_ups(scope: Scope) -> list[dict[str, Any]]:
    """Per kind of the request they follow: follow-up tickets opened in the period by
    requesters (not sub-tickets a dispatcher linked), beside the requests of that kind finished
    in the period. The filters apply to the request followed up."""
    child = aliased(Ticket)
    kind = func.coalesce(Ticket.kind, UNDECIDED)
    opened = (
        select(kind, func.count(func.distinct(child.id)))
        .join(child, child.parent_id == Ticket.id)
        .join(TicketEvent, TicketEvent.ticket_id == child.id)
        .where(
            TicketEvent.type == "parent_set",
            in_period(child.created_at, scope),
            *scope.ticket_filters(),
        )
        .group_by(kind)
    )
    counted = dict(db.session.execute(opened).all())
    finished = dict(
        db.session.execute(
            select(kind, func.count())
            .where(in_period(done_at(), scope), *scope.ticket_filters())
            .group_by(kind)
        ).all()
    )
    return [
        {
            "kind": k,
            "finished": finished.get(k, 0),
            "follow_ups": counted.get(k, 0),
            "rate": share(counted.get(k, 0), finished.get(k, 0)),
        }
        for k in sorted(set(counted) | set(finished), key=lambda k: (k == UNDECIDED, k))
    ]

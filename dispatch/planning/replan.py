"""Re-plan today: queue a run that fits urgent on-site work into the published day.

The run itself is solved by :func:`.solve.solve_run` (its staged search); this module gathers
what the day looks like now: the visits started or done, the pinned ones, the urgent tickets.
"""

from __future__ import annotations

from flask_babel import gettext as _

from dispatch.errors import ValidationError
from dispatch.extensions import db
from dispatch.people.models import User
from dispatch.tickets.models import Kind, Priority, Status, Ticket
from dispatch.types import utcnow, utctoday

from . import problem as builder
from .models import STARTED, PlanRun, Visit, VisitStatus
from .runs import start_run
from .solve import pin_of

LIVE = (VisitStatus.PUBLISHED, VisitStatus.EN_ROUTE, VisitStatus.ARRIVED, VisitStatus.DONE)


def replan_today(
    actor: User,
    urgent_ticket_id: int | None = None,
    time_limit: int | None = None,
    *,
    background: bool = True,
) -> PlanRun:
    """Queue a re-plan of today around the urgent ticket (or every urgent on-site ticket)."""
    today, now = utctoday(), utcnow()
    live = list(
        db.session.scalars(
            db.select(Visit)
            .where(Visit.day == today, Visit.status.in_(LIVE))
            .order_by(Visit.technician_id, Visit.order)
        )
    )
    if urgent_ticket_id is not None:
        ticket = db.session.get(Ticket, urgent_ticket_id)
        if ticket is None or ticket.kind != Kind.ONSITE or ticket.status != Status.TO_SCHEDULE:
            raise ValidationError(
                _("Choose an on-site ticket that is waiting to be scheduled."), field="ticket"
            )
        urgent = [ticket.id]
    else:
        urgent = list(
            db.session.scalars(
                db.select(Ticket.id).where(
                    Ticket.kind == Kind.ONSITE,
                    Ticket.status == Status.TO_SCHEDULE,
                    Ticket.priority == Priority.URGENT,
                    Ticket.merged_into_id.is_(None),
                )
            )
        )
        if not urgent:
            raise ValidationError(
                _(
                    "No urgent on-site ticket is waiting to be scheduled: give "
                    "the number of the ticket to fit in today."
                ),
                field="ticket",
            )
    waiting = [v for v in live if v.status == VisitStatus.PUBLISHED]
    starts: dict[str, list] = {}
    for visit in live:  # ordered: the last started visit of each technician wins
        if visit.status in STARTED:
            point = builder.ticket_point(visit.ticket)
            free_at = max(now, visit.planned_end) if visit.status != VisitStatus.DONE else now
            starts[f"{visit.technician_id}|{today.isoformat()}"] = [
                point[0] if point else None,
                point[1] if point else None,
                free_at.isoformat(),
            ]
    options = {
        "pins": [pin_of(v) for v in waiting if v.pinned],
        "hints": [pin_of(v) for v in waiting if not v.pinned],  # the time only orders them
        "starts": starts,
        "only": [v.ticket_id for v in waiting] + urgent,
        "urgent": urgent,
        "kept": [v.id for v in live if v.status in STARTED],
        "previous": {
            str(v.ticket_id): {
                "technician_id": v.technician_id,
                "start": v.planned_start.isoformat(),
            }
            for v in waiting
        },
    }
    return start_run(
        actor,
        today,
        1,
        kind="replan",
        time_limit=time_limit,
        urgent_ticket_id=urgent_ticket_id,
        options=options,
        background=background,
    )

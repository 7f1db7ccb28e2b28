"""The technician's day: their visits, and moving one on (on the way, arrived, done) with the
ticket and its record following in one transaction."""

from __future__ import annotations

from datetime import date

from flask_babel import gettext as _

from dispatch.errors import NotFound, TransitionError, ValidationError
from dispatch.extensions import db
from dispatch.people.models import User
from dispatch.planning.models import Visit, VisitStatus
from dispatch.tickets.changes import commit, record, set_status
from dispatch.tickets.models import Status
from dispatch.types import utcnow

#: What a technician sees: published visits and the ones they have started.
VISIBLE = (VisitStatus.PUBLISHED, VisitStatus.EN_ROUTE, VisitStatus.ARRIVED, VisitStatus.DONE)
#: action → (statuses it may follow, new status)
STEPS = {
    "en_route": ((VisitStatus.PUBLISHED,), VisitStatus.EN_ROUTE),
    "arrived": ((VisitStatus.PUBLISHED, VisitStatus.EN_ROUTE), VisitStatus.ARRIVED),
    "done": ((VisitStatus.ARRIVED,), VisitStatus.DONE),
}
NOTES_MAX = 5000
TIME_SPENT_MAX = 24 * 60


def day_visits(technician: User, day: date) -> list[Visit]:
    """The technician's visits of ``day`` they may see, by planned start."""
    return list(
        db.session.scalars(
            db.select(Visit)
            .where(
                Visit.technician_id == technician.id, Visit.day == day, Visit.status.in_(VISIBLE)
            )
            .order_by(Visit.planned_start)
        )
    )


def get_own_visit(technician: User, visit_id: int) -> Visit:
    """The technician's own visit; anyone else's is NotFound (a 404, never a 403)."""
    visit = db.session.get(Visit, visit_id)
    if visit is None or visit.technician_id != technician.id or visit.status not in VISIBLE:
        raise NotFound(_("No such visit."))
    return visit


def advance(
    visit: Visit,
    technician: User,
    action: str,
    *,
    notes: str = "",
    time_spent_min: int | None = None,
) -> Visit:
    """Move a visit one step on; the ticket and its record follow, in one transaction."""
    if action not in STEPS:
        raise ValidationError(_("Unknown action."), field="action")
    allowed, target = STEPS[action]
    if visit.status not in allowed:
        raise TransitionError(_("This visit is %(s)s already.", s=visit.status))
    notes = (notes or "").strip()
    if len(notes) > NOTES_MAX:
        raise ValidationError(_("At most %(n)d characters.", n=NOTES_MAX), field="notes")
    if action == "done" and (time_spent_min is None or not 1 <= time_spent_min <= TIME_SPENT_MAX):
        raise ValidationError(
            _("Say how many minutes the work took (1 to %(n)d).", n=TIME_SPENT_MAX),
            field="time_spent",
        )
    ticket, now = visit.ticket, utcnow()
    try:
        data = {"status": str(target), "visit": visit.id}
        if action == "en_route":
            visit.en_route_at = now
        elif action == "arrived":
            visit.arrived_at = now
            if ticket.status in (Status.SCHEDULED, Status.TO_SCHEDULE):
                set_status(ticket, technician, Status.IN_PROGRESS, reason="technician arrived")
        else:
            visit.done_at, visit.notes, visit.time_spent_min = now, notes, time_spent_min
            data.update(time_spent_min=time_spent_min, notes=notes)
            if ticket.status != Status.RESOLVED:
                set_status(ticket, technician, Status.RESOLVED, reason="visit done")
        record(ticket, technician, "visit", internal=(action == "done" and bool(notes)), **data)
        visit.status = target
        ticket.updated_at = visit.updated_at = now
        db.session.flush()
    except Exception:
        db.session.rollback()
        raise
    commit()
    return visit

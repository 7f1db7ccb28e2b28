"""What people do with one occurrence: a dispatcher skips it, the technician on its visit
ticks its checklist."""

from __future__ import annotations

from collections.abc import Iterable

from flask_babel import gettext as _
from sqlalchemy import select

from dispatch.errors import NotFound, ValidationError
from dispatch.extensions import db
from dispatch.people.models import User
from dispatch.planning.models import Visit
from dispatch.tickets.changes import commit, record

from .generate import is_done, skip
from .models import MaintenanceOccurrence, OccurrenceStatus
from .plans import require_editor

REASON_MAX = 300


def get_occurrence(user: User, occurrence_id: int) -> MaintenanceOccurrence:
    require_editor(user)
    occurrence = db.session.get(MaintenanceOccurrence, occurrence_id)
    if occurrence is None:
        raise NotFound(_("No such maintenance visit."))
    return occurrence


def skip_occurrence(occurrence: MaintenanceOccurrence, actor: User, reason: str) -> None:
    """Record the visit as skipped, with why, and close its ticket: one transaction."""
    require_editor(actor)
    reason = (reason or "").strip()
    if not reason or len(reason) > REASON_MAX:
        raise ValidationError(
            _("Say why it is skipped (at most %(n)d characters).", n=REASON_MAX), field="reason"
        )
    if occurrence.status != OccurrenceStatus.OPEN or is_done(occurrence):
        raise ValidationError(_("This visit is done or skipped already."), field="reason")
    try:
        skip(occurrence, actor, reason)
        if occurrence.ticket is not None:
            record(occurrence.ticket, actor, "maintenance_skipped", reason=reason)
        db.session.flush()
    except Exception:
        db.session.rollback()
        raise
    commit()


def for_tickets(ticket_ids: Iterable[int]) -> dict[int, MaintenanceOccurrence]:
    """The occurrences behind these tickets, by ticket id (one query)."""
    ids = list(ticket_ids)
    if not ids:
        return {}
    rows = db.session.scalars(
        select(MaintenanceOccurrence).where(MaintenanceOccurrence.ticket_id.in_(ids))
    )
    return {o.ticket_id: o for o in rows}


def tick_checklist(visit: Visit, technician: User, ticked: Iterable[int]) -> MaintenanceOccurrence:
    """Save which items of the visit's checklist are done. ``visit`` is the technician's own
    (the caller fetched it with the technician's rights)."""
    occurrence = for_tickets([visit.ticket_id]).get(visit.ticket_id)
    if occurrence is None or visit.technician_id != technician.id:
        raise NotFound(_("This visit has no checklist."))
    items = occurrence.plan.checklist or []
    chosen = sorted({i for i in ticked if 0 <= i < len(items)})
    if len(chosen) != len(set(ticked)):
        raise ValidationError(_("Unknown checklist item."), field="items")
    try:
        occurrence.checklist_done = chosen
        record(
            visit.ticket,
            technician,
            "checklist",
            done=[items[i] for i in chosen],
            left=[item for i, item in enumerate(items) if i not in chosen],
        )
        db.session.flush()
    except Exception:
        db.session.rollback()
        raise
    commit()
    return occurrence

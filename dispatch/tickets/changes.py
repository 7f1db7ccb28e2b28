"""The steps every ticket use case is made of: record an event, move the status, refuse a
stale edit, and commit once at the end (a lost race becomes a Conflict).

Nothing here commits except :func:`commit` and :func:`transaction`, which the use case calls
once, after all its changes.
"""

from __future__ import annotations

from contextlib import contextmanager
from typing import Any

from flask_babel import gettext as _
from sqlalchemy.orm.exc import StaleDataError

from dispatch.errors import Conflict, TransitionError
from dispatch.extensions import db
from dispatch.people.models import User
from dispatch.tickets import workflow
from dispatch.tickets.models import Status, Ticket, TicketEvent
from dispatch.types import utcnow


def record(
    ticket: Ticket, actor: User | None, type_: str, *, internal: bool = False, **data: Any
) -> TicketEvent:
    """Append one event to the ticket's official record (not committed here)."""
    event = TicketEvent(
        ticket=ticket, actor=actor, type=type_, data=data, internal=internal, created_at=utcnow()
    )
    db.session.add(event)
    return event


def commit() -> None:
    """Commit the use case; a concurrent edit that won the race becomes a Conflict."""
    with _rollback_on_error():
        db.session.commit()


@contextmanager
def transaction():
    """Apply a use case's changes, then commit; any failure leaves the database untouched."""
    with _rollback_on_error():
        yield
        db.session.flush()
    commit()


@contextmanager
def _rollback_on_error():
    try:
        yield
    except StaleDataError:
        db.session.rollback()
        raise Conflict(
            _("Someone else changed this ticket meanwhile. Review their change and try again.")
        ) from None
    except Exception:
        db.session.rollback()
        raise


def check_version(ticket: Ticket, expected: int | None) -> None:
    """Refuse an edit made on a stale copy of the ticket (the second dispatcher is told)."""
    if expected is not None and int(expected) != ticket.version:
        raise Conflict(
            _(
                "Ticket %(n)s was changed by someone else since you opened it. "
                "Their change is shown below; make yours again if it still applies.",
                n=ticket.number,
            )
        )


def set_status(ticket: Ticket, actor: User | None, target: str, **data: Any) -> None:
    """Move a ticket to ``target`` if the workflow allows it, recording the change (``data``
    goes into the event) and stamping resolved/closed times. Checks no permission and does not
    commit: the caller's use case does both."""
    if ticket.status == target:
        return
    if not workflow.can_move(ticket.status, target):
        raise TransitionError(
            _("A ticket cannot go from %(a)s to %(b)s.", a=ticket.status, b=target)
        )
    record(ticket, actor, "status", old=ticket.status, new=target, **data)
    ticket.status = target
    now = utcnow()
    if target == Status.RESOLVED:
        ticket.resolved_at = now
    elif target == Status.CLOSED:
        ticket.closed_at = now
    ticket.updated_at = now

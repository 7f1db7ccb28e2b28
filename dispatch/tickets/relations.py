"""Relations between tickets: merge a duplicate into another, make one part of a larger job.

Each function is one transaction and appends the matching events to the official record of
every ticket it touches.
"""

from __future__ import annotations

from flask_babel import gettext as _

from dispatch.errors import ValidationError
from dispatch.extensions import db
from dispatch.people.models import User
from dispatch.tickets.access import require_staff
from dispatch.tickets.changes import check_version, record, set_status, transaction
from dispatch.tickets.models import Status, Ticket
from dispatch.types import utcnow


def _descendants(ticket_id: int) -> set[int]:
    found: set[int] = set()
    frontier = {ticket_id}
    while frontier:
        rows = db.session.scalars(db.select(Ticket.id).where(Ticket.parent_id.in_(frontier))).all()
        frontier = set(rows) - found - {ticket_id}
        found |= frontier
    return found


def _ancestors(ticket: Ticket) -> list[int]:
    chain: list[int] = []
    parent_id = ticket.parent_id
    while parent_id is not None and parent_id not in chain:
        chain.append(parent_id)
        parent_id = db.session.scalar(db.select(Ticket.parent_id).where(Ticket.id == parent_id))
    return chain


def merge(
    duplicate: Ticket, target: Ticket, actor: User, *, expected_version: int | None = None
) -> Ticket:
    """Close ``duplicate`` as merged into ``target``; its comments stay where they are and its
    sub-tickets move to ``target``. Events go on both tickets."""
    require_staff(actor, duplicate)
    require_staff(actor, target)
    check_version(duplicate, expected_version)
    if duplicate.id == target.id:
        raise ValidationError(_("A ticket cannot be merged into itself."), field="target")
    if duplicate.merged_into_id is not None:
        raise ValidationError(
            _(
                "%(n)s is already merged into #%(t)s.",
                n=duplicate.number,
                t=duplicate.merged_into_id,
            ),
            field="target",
        )
    if target.merged_into_id is not None or target.status == Status.CLOSED:
        raise ValidationError(
            _("%(n)s is merged or closed; merge into an open ticket.", n=target.number),
            field="target",
        )
    if target.id in _descendants(duplicate.id):
        raise ValidationError(
            _(
                "%(n)s is a sub-ticket of %(d)s; it cannot absorb it.",
                n=target.number,
                d=duplicate.number,
            ),
            field="target",
        )
    with transaction():
        record(duplicate, actor, "merged_into", old=None, new=target.number)
        record(target, actor, "merged", old=None, new=duplicate.number, subject=duplicate.subject)
        duplicate.merged_into_id = target.id
        for child in list(duplicate.children):
            record(child, actor, "link", relation="parent", old=duplicate.number, new=target.number)
            record(target, actor, "link", relation="child", old=None, new=child.number)
            child.parent_id = target.id
            child.updated_at = utcnow()
        set_status(duplicate, actor, Status.CLOSED, reason="merged", into=target.number)
        duplicate.updated_at = target.updated_at = utcnow()
    return duplicate


def link_parent(
    child: Ticket, parent: Ticket | None, actor: User, *, expected_version: int | None = None
) -> Ticket:
    """Make ``child`` a part of the larger job ``parent`` (None: detach it). No loops."""
    for ticket in (child, parent, child.parent):  # each gets an event
        if ticket is not None:
            require_staff(actor, ticket)
    check_version(child, expected_version)
    if parent is not None:
        if parent.id == child.id:
            raise ValidationError(_("A ticket cannot be its own parent."), field="parent")
        if parent.merged_into_id is not None:
            raise ValidationError(
                _(
                    "%(n)s was merged into #%(t)s; link to that one.",
                    n=parent.number,
                    t=parent.merged_into_id,
                ),
                field="parent",
            )
        if child.id in _ancestors(parent):
            raise ValidationError(
                _(
                    "%(p)s is already under %(c)s: that would make a loop.",
                    p=parent.number,
                    c=child.number,
                ),
                field="parent",
            )
    old = child.parent
    if (old.id if old else None) == (parent.id if parent else None):
        return child
    with transaction():
        record(
            child,
            actor,
            "link",
            relation="parent",
            old=old.number if old else None,
            new=parent.number if parent else None,
        )
        for other, before, after in ((old, child.number, None), (parent, None, child.number)):
            if other is not None:
                record(other, actor, "link", relation="child", old=before, new=after)
                other.updated_at = utcnow()
        child.parent_id = parent.id if parent else None
        child.updated_at = utcnow()
    return child

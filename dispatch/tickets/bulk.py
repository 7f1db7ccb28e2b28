"""Bulk catalogue: several tickets catalogued the same way by a dispatcher, all or nothing, in
one transaction (each ticket's changes applied and recorded by
:mod:`dispatch.tickets.cataloguing`)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from flask_babel import gettext as _

from dispatch.errors import Conflict, ValidationError
from dispatch.extensions import db
from dispatch.people.models import User
from dispatch.tickets.access import staff_tickets
from dispatch.tickets.cataloguing import FINISHED, apply_catalog
from dispatch.tickets.changes import transaction
from dispatch.tickets.dispatch_input import (
    ASSIGNEE_ROLES,
    NO_ONSITE,
    InputErrors,
    check_address,
    check_category,
    plan_onsite,
)
from dispatch.tickets.job_places import locate
from dispatch.tickets.models import Kind, Priority, Ticket

#: The most tickets one bulk catalogue changes.
BULK_MAX = 200


def bulk_catalog(
    ticket_ids: Iterable[int],
    actor: User,
    *,
    kind: str,
    category_id: int | None = None,
    priority: str | None = None,
    expected_versions: Mapping[int, int] | None = None,
    address: str | None = None,
) -> list[Ticket]:
    """Catalogue several tickets the same way, all or nothing, in one transaction.

    Category and priority are kept when not given; on-site planning data comes from each
    ticket's category and site; an assignee who cannot carry the new kind is removed.
    ``address`` (on-site only; None or empty keeps each ticket's) is the place of every
    selected job, geocoded once; when it cannot be located it is saved without a point.
    """
    ids = sorted({int(i) for i in ticket_ids})
    if not ids:
        raise ValidationError(_("Select at least one ticket."), field="tickets")
    if len(ids) > BULK_MAX:
        raise ValidationError(_("At most %(n)d tickets at once.", n=BULK_MAX), field="tickets")
    tickets = db.session.scalars(
        staff_tickets(actor).where(Ticket.id.in_(ids)).order_by(Ticket.id)
    ).all()
    errors = InputErrors()
    missing = set(ids) - {t.id for t in tickets}
    if missing:
        errors.add(
            "tickets", _("No such ticket: %(n)s.", n=", ".join(f"#{i}" for i in sorted(missing)))
        )
    finished = [t.number for t in tickets if t.status in FINISHED or t.merged_into_id]
    if finished:
        errors.add("tickets", _("Resolved, closed or merged: %(n)s.", n=", ".join(finished)))
    stale = [
        t.number
        for t in tickets
        if expected_versions and t.id in expected_versions and expected_versions[t.id] != t.version
    ]
    if stale:
        raise Conflict(
            _(
                "Changed by someone else meanwhile: %(n)s. Nothing was saved; review and "
                "try again.",
                n=", ".join(stale),
            )
        )
    if kind not in set(Kind):
        errors.add("kind", _("Choose remote or on-site."))
    if priority is not None and priority not in set(Priority):
        errors.add("priority", _("Unknown priority %(p)s.", p=priority))
    category = check_category(category_id, errors)
    address = check_address(address, errors) or None
    if address and kind != Kind.ONSITE:
        errors.add("address", _("Only on-site jobs have an address."))
    plans = {}
    for t in tickets:
        cat = category or t.category
        plans[t.id] = (
            plan_onsite(
                t,
                cat,
                errors,
                duration_min=None,
                skill_ids=None,
                access_from=None,
                access_until=None,
                appointment_start=t.appointment_start,
                appointment_end=t.appointment_end,
            )
            if kind == Kind.ONSITE
            else dict(NO_ONSITE)
        )
    errors.raise_any()
    if address and kind == Kind.ONSITE:
        place = locate(address)
        for t in tickets:
            if t.address != address:
                plans[t.id].update(place)
    with transaction():
        for t in tickets:
            keep_user = (
                t.assignee if t.assignee and t.assignee.role in ASSIGNEE_ROLES[kind] else None
            )
            apply_catalog(
                t,
                actor,
                kind=kind,
                category=category or t.category,
                priority=priority or t.priority,
                planned=plans[t.id],
                due_at=t.due_at,
                assignee=keep_user,
                group=t.group if kind == Kind.REMOTE else None,
            )
    return list(tickets)

"""Dispatcher and agent use cases on one ticket: catalogue, assign, claim. Bulk catalogue
(:mod:`dispatch.tickets.bulk`), the statuses offered by hand
(:mod:`dispatch.tickets.status_choices`), merge and link (:mod:`dispatch.tickets.relations`)
are reachable from here too; how each change is applied and recorded is in
:mod:`dispatch.tickets.cataloguing`, job addresses in :mod:`dispatch.tickets.job_places`.

Each public function is one transaction: it validates everything first, then changes the
ticket(s), appends the matching events to the official record and commits — or changes
nothing. Edits made on a stale copy raise Conflict (``expected_version``).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, time

from flask_babel import gettext as _

from dispatch.errors import Conflict, Forbidden, ValidationError
from dispatch.people.models import Role, User
from dispatch.tickets.access import require_staff, sees_as_staff
from dispatch.tickets.bulk import BULK_MAX, bulk_catalog  # noqa: F401  (part of this API)
from dispatch.tickets.cataloguing import (
    apply_assignment,
    apply_catalog,
    refuse_finished,
    settle_status,
)
from dispatch.tickets.changes import check_version, record, transaction
from dispatch.tickets.dispatch_input import (
    NO_ONSITE,
    InputErrors,
    check_address,
    check_assignee,
    check_aware,
    check_category,
    check_group,
    plan_onsite,
)
from dispatch.tickets.job_places import locate
from dispatch.tickets.models import Kind, Priority, Ticket
from dispatch.tickets.relations import link_parent, merge  # noqa: F401  (part of this API)
from dispatch.tickets.status_choices import status_targets  # noqa: F401  (part of this API)
from dispatch.types import utcnow

CLAIM_ROLES = frozenset({Role.AGENT, Role.DISPATCHER, Role.ADMIN})


def catalog(
    ticket: Ticket,
    actor: User,
    *,
    expected_version: int | None,
    kind: str,
    category_id: int | None,
    priority: str,
    duration_min: int | None = None,
    skill_ids: Iterable[int] | None = None,
    access_from: time | None = None,
    access_until: time | None = None,
    appointment_start: datetime | None = None,
    appointment_end: datetime | None = None,
    due_at: datetime | None = None,
    assignee_id: int | None = None,
    group_id: int | None = None,
    address: str | None = None,
    technicians: dict[str, Iterable[int]] | None = None,
) -> Ticket:
    """Decide a ticket's kind, category and priority (and who carries it).

    On-site tickets get planning data; what is not given comes from the ticket, else from the
    category (duration, skills) and the site's opening hours (access window). Remote tickets
    carry no planning data. A not-yet-started ticket moves to its working status. The call sets
    the whole catalogue: ``category_id``/``assignee_id``/``group_id`` None clear those.
    ``address`` (on-site jobs away from a site; None keeps it) is geocoded when it changes: if
    it cannot be located now, it is saved without a point and the planner lists "no location".
    ``technicians`` (on-site): the ids of the required, prohibited and preferred technicians
    by rule; None keeps the ticket's.
    """
    require_staff(actor, ticket)
    check_version(ticket, expected_version)
    refuse_finished(ticket)
    errors = InputErrors()
    if kind not in set(Kind):
        errors.add("kind", _("Choose remote or on-site."))
    if priority not in set(Priority):
        errors.add("priority", _("Unknown priority %(p)s.", p=priority))
    category = check_category(category_id, errors)
    if kind == Kind.ONSITE:
        planned = plan_onsite(
            ticket,
            category,
            errors,
            duration_min=duration_min,
            skill_ids=skill_ids,
            access_from=access_from,
            access_until=access_until,
            appointment_start=appointment_start,
            appointment_end=appointment_end,
            technicians=technicians,
        )
    else:
        planned = dict(NO_ONSITE)
    due_at = check_aware(due_at, "due_at", errors)
    assignee = check_assignee(assignee_id, kind, errors, ticket)
    group = check_group(group_id, kind, errors)
    address = check_address(address, errors)
    errors.raise_any()
    if kind == Kind.ONSITE and address is not None and address != ticket.address:
        planned.update(locate(address))
    with transaction():
        apply_catalog(
            ticket,
            actor,
            kind=kind,
            category=category,
            priority=priority,
            planned=planned,
            due_at=due_at,
            assignee=assignee,
            group=group,
        )
    return ticket


def assign(
    ticket: Ticket,
    actor: User,
    *,
    expected_version: int | None,
    assignee_id: int | None = None,
    group_id: int | None = None,
) -> Ticket:
    """Give a catalogued ticket to an agent and/or group (remote) or a technician (on-site)."""
    require_staff(actor, ticket)
    check_version(ticket, expected_version)
    refuse_finished(ticket)
    if ticket.kind is None:
        raise ValidationError(
            _("Catalogue the ticket (remote or on-site) before assigning it."), field="kind"
        )
    errors = InputErrors()
    assignee = check_assignee(assignee_id, ticket.kind, errors, ticket)
    group = check_group(group_id, ticket.kind, errors)
    errors.raise_any()
    with transaction():
        if apply_assignment(ticket, actor, assignee, group):
            settle_status(ticket, actor, assignee is not None)
            ticket.updated_at = utcnow()
    return ticket


def claim(ticket: Ticket, agent: User, expected_version: int | None) -> Ticket:
    """An agent takes an unassigned remote ticket of their queue (their groups' or the pool's);
    someone else's ticket is a Conflict. Seeing it only as its requester is not enough."""
    if agent.role not in CLAIM_ROLES or not sees_as_staff(agent, ticket):
        raise Forbidden(
            _("Only support agents claim tickets, from the pool or their groups' queue.")
        )
    check_version(ticket, expected_version)
    refuse_finished(ticket)
    if ticket.kind != Kind.REMOTE:
        raise ValidationError(_("Only remote tickets can be claimed."), field="kind")
    if ticket.assignee_id == agent.id:
        return ticket
    if ticket.assignee_id is not None:
        raise Conflict(
            _("%(n)s is already taken by %(name)s.", n=ticket.number, name=ticket.assignee.name)
        )
    with transaction():
        record(ticket, agent, "claimed", old=None, new=agent.name, assignee=agent.id)
        ticket.assignee_id = agent.id
        settle_status(ticket, agent, True)
        ticket.updated_at = utcnow()
    return ticket

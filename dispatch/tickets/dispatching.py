"""Dispatcher and agent use cases: catalogue, assign, claim, bulk catalogue (merge and link
live in :mod:`dispatch.tickets.relations`, job addresses in :mod:`dispatch.tickets.job_places`;
both are reachable from here too).

Each public function is one transaction: it validates everything first, then changes the
ticket(s), appends the matching events to the official record and commits — or changes
nothing. Edits made on a stale copy raise Conflict (``expected_version``).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime, time
from typing import Any

from blinker import Signal
from flask_babel import gettext as _

from dispatch.errors import Conflict, Forbidden, TransitionError, ValidationError
from dispatch.extensions import db
from dispatch.people.models import Group, Role, User
from dispatch.tickets import workflow
from dispatch.tickets.access import require_staff, sees_as_staff, staff_tickets
from dispatch.tickets.changes import check_version, record, set_status, transaction
from dispatch.tickets.dispatch_input import (
    ASSIGNEE_ROLES,
    NO_ONSITE,
    InputErrors,
    check_address,
    check_assignee,
    check_aware,
    check_category,
    check_group,
    plan_onsite,
)
from dispatch.tickets.job_places import PLACE_ATTRS, locate
from dispatch.tickets.models import Category, Kind, Priority, Status, Ticket
from dispatch.tickets.relations import link_parent, merge  # noqa: F401  (part of this API)
from dispatch.types import utcnow

#: Sent with the ticket (and ``actor``, ``kind``) when a dispatcher sets or changes its kind,
#: before the ticket changes and inside the use case's transaction (receivers must not commit).
kind_decided = Signal("a ticket's kind was decided")

#: Statuses before anyone works on the ticket: cataloguing and assigning may move them.
PRE_WORK = frozenset({Status.NEW, Status.TRIAGED, Status.ASSIGNED, Status.TO_SCHEDULE})
FINISHED = frozenset({Status.RESOLVED, Status.CLOSED})
BULK_MAX = 200
CLAIM_ROLES = frozenset({Role.AGENT, Role.DISPATCHER, Role.ADMIN})
ONSITE_ATTRS = (
    "duration_min",
    "access_from",
    "access_until",
    "appointment_start",
    "appointment_end",
)


def _plain(value: Any) -> Any:
    """A JSON-friendly form of a value, for the event data."""
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, time):
        return value.strftime("%H:%M")
    if isinstance(value, (list, tuple, set)):
        return sorted(str(v) for v in value)
    return value


def _who(user: User | None, group: Group | None) -> str | None:
    if user is not None and group is not None:
        return f"{user.name} ({group.name})"
    return user.name if user else (group.name if group else None)


def _refuse_finished(ticket: Ticket) -> None:
    if ticket.merged_into_id is not None:
        raise TransitionError(
            _("%(n)s was merged into #%(t)s.", n=ticket.number, t=ticket.merged_into_id)
        )
    if ticket.status in FINISHED:
        raise TransitionError(_("%(n)s is resolved or closed; reopen it first.", n=ticket.number))


# --- applying changes ---------------------------------------------------------------------------


def _settle_status(ticket: Ticket, actor: User, has_assignee: bool) -> None:
    """Put a not-yet-started ticket where its kind and assignment say it belongs."""
    target = workflow.working_status(ticket.kind, has_assignee)
    if ticket.status == Status.SCHEDULED and target != Status.TO_SCHEDULE:
        set_status(ticket, actor, Status.TO_SCHEDULE)  # no longer on-site: drop the plan first
    if ticket.status in PRE_WORK:
        set_status(ticket, actor, target)


def _apply_assignment(
    ticket: Ticket, actor: User, assignee: User | None, group: Group | None
) -> bool:
    new_user_id = assignee.id if assignee else None
    new_group_id = group.id if group else None
    if (ticket.assignee_id, ticket.group_id) == (new_user_id, new_group_id):
        return False
    record(
        ticket,
        actor,
        "assigned",
        old=_who(ticket.assignee, ticket.group),
        new=_who(assignee, group),
        assignee=new_user_id,
        group=new_group_id,
    )
    ticket.assignee_id, ticket.group_id = new_user_id, new_group_id
    return True


def _apply_catalog(
    ticket: Ticket,
    actor: User,
    *,
    kind: str,
    category: Category | None,
    priority: str,
    planned: dict,
    due_at: datetime | None,
    assignee: User | None,
    group: Group | None,
) -> bool:
    """Set the catalogue data on one ticket, recording each change; True if anything changed."""
    events: list[tuple[str, dict, bool]] = []
    if ticket.kind != kind:
        events.append(
            (
                "kind",
                dict(
                    old=ticket.kind,
                    new=kind,
                    suggested=ticket.suggested_kind,
                    confidence=ticket.suggestion_confidence,
                ),
                False,
            )
        )
    if ticket.category_id != (category.id if category else None):
        events.append(
            (
                "category",
                dict(
                    old=ticket.category.name if ticket.category else None,
                    new=category.name if category else None,
                ),
                False,
            )
        )
    if ticket.priority != priority:
        events.append(("priority", dict(old=ticket.priority, new=priority), False))
    old_fields, new_fields = {}, {}
    for attr, value in {**planned, "due_at": due_at}.items():
        current = getattr(ticket, attr)
        same = (
            ({s.id for s in current} == {s.id for s in value})
            if attr == "skills"
            else current == value
        )
        if not same:
            old_fields[attr], new_fields[attr] = _plain(current), _plain(value)
    if new_fields:
        events.append(("fields", dict(old=old_fields, new=new_fields), True))
    assignment_changes = (ticket.assignee_id, ticket.group_id) != (
        assignee.id if assignee else None,
        group.id if group else None,
    )
    if not events and not assignment_changes:
        return False
    record(
        ticket,
        actor,
        "catalogued",
        internal=True,
        kind=kind,
        category=category.name if category else None,
        priority=priority,
        suggested=ticket.suggested_kind,
        override=ticket.suggested_kind not in (None, kind),
    )
    for type_, data, internal in events:
        record(ticket, actor, type_, internal=internal, **data)
    if ticket.kind != kind:
        kind_decided.send(ticket, actor=actor, kind=kind)  # every decision is training data
    ticket.kind, ticket.priority, ticket.due_at = kind, priority, due_at
    ticket.category_id = category.id if category else None
    for attr in ONSITE_ATTRS + PLACE_ATTRS:
        if attr in planned:
            setattr(ticket, attr, planned[attr])
    if {s.id for s in ticket.skills} != {s.id for s in planned["skills"]}:
        ticket.skills = list(planned["skills"])
    _apply_assignment(ticket, actor, assignee, group)
    _settle_status(ticket, actor, assignee is not None)
    ticket.updated_at = utcnow()
    return True


# --- use cases ----------------------------------------------------------------------------------


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
) -> Ticket:
    """Decide a ticket's kind, category and priority (and who carries it).

    On-site tickets get planning data; what is not given comes from the ticket, else from the
    category (duration, skills) and the site's opening hours (access window). Remote tickets
    carry no planning data. A not-yet-started ticket moves to its working status. The call sets
    the whole catalogue: ``category_id``/``assignee_id``/``group_id`` None clear those.
    ``address`` (on-site jobs away from a site; None keeps it) is geocoded when it changes: if
    it cannot be located now, it is saved without a point and the planner lists "no location".
    """
    require_staff(actor, ticket)
    check_version(ticket, expected_version)
    _refuse_finished(ticket)
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
        _apply_catalog(
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
    _refuse_finished(ticket)
    if ticket.kind is None:
        raise ValidationError(
            _("Catalogue the ticket (remote or on-site) before assigning it."), field="kind"
        )
    errors = InputErrors()
    assignee = check_assignee(assignee_id, ticket.kind, errors, ticket)
    group = check_group(group_id, ticket.kind, errors)
    errors.raise_any()
    with transaction():
        if _apply_assignment(ticket, actor, assignee, group):
            _settle_status(ticket, actor, assignee is not None)
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
    _refuse_finished(ticket)
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
        _settle_status(ticket, agent, True)
        ticket.updated_at = utcnow()
    return ticket


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
            _apply_catalog(
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


def status_targets(ticket: Ticket) -> list[str]:
    """The statuses staff may move this ticket to by hand (the workflow, minus what the kind or
    the planning data rule out). Finished tickets offer only 'reopen'."""
    if ticket.merged_into_id is not None:
        return []
    if ticket.status in FINISHED:
        return ["reopen"]
    allowed = set(workflow.TRANSITIONS.get(ticket.status, ()))
    if ticket.kind == Kind.REMOTE:  # assigned ⇔ someone has it; assigning is the way there
        allowed -= {Status.TO_SCHEDULE, Status.SCHEDULED}
        allowed.discard(Status.TRIAGED if ticket.assignee_id is not None else Status.ASSIGNED)
    elif ticket.kind == Kind.ONSITE:
        allowed -= {Status.ASSIGNED, Status.TRIAGED}
        if ticket.appointment_start is None:
            allowed.discard(Status.SCHEDULED)
    else:  # not catalogued yet: only waiting, resolved or closed make sense by hand
        allowed -= {
            Status.TRIAGED,
            Status.ASSIGNED,
            Status.TO_SCHEDULE,
            Status.SCHEDULED,
            Status.IN_PROGRESS,
        }
    return [s.value for s in Status if s in allowed]

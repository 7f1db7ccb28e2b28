"""How a catalogue or an assignment is applied to one ticket: every change recorded on the
ticket's official record, the kind decision signalled (triage learns from it), and a
not-yet-started ticket moved to the status its kind and assignment call for. The use cases that
validate first and then call these are in :mod:`dispatch.tickets.dispatching` and
:mod:`dispatch.tickets.bulk`; none of these functions commits.
"""

from __future__ import annotations

from datetime import datetime, time
from typing import Any

from blinker import Signal
from flask_babel import gettext as _

from dispatch.errors import TransitionError
from dispatch.extensions import db
from dispatch.people.models import Group, User
from dispatch.tickets import workflow
from dispatch.tickets.changes import record, set_status
from dispatch.tickets.dispatch_input import TECHNICIAN_FIELDS
from dispatch.tickets.job_places import PLACE_ATTRS
from dispatch.tickets.models import Category, Status, TechnicianRule, Ticket, TicketTechnician
from dispatch.types import utcnow

#: Sent with the ticket (and ``actor``, ``kind``) when a dispatcher sets or changes its kind,
#: before the ticket changes and inside the use case's transaction (receivers must not commit).
kind_decided = Signal("a ticket's kind was decided")

#: Statuses before anyone works on the ticket: cataloguing and assigning may move them.
PRE_WORK = frozenset({Status.NEW, Status.TRIAGED, Status.ASSIGNED, Status.TO_SCHEDULE})
FINISHED = frozenset({Status.RESOLVED, Status.CLOSED})
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


def refuse_finished(ticket: Ticket) -> None:
    """TransitionError when ``ticket`` was merged, resolved or closed: no more cataloguing."""
    if ticket.merged_into_id is not None:
        raise TransitionError(
            _("%(n)s was merged into #%(t)s.", n=ticket.number, t=ticket.merged_into_id)
        )
    if ticket.status in FINISHED:
        raise TransitionError(_("%(n)s is resolved or closed; reopen it first.", n=ticket.number))


def settle_status(ticket: Ticket, actor: User, has_assignee: bool) -> None:
    """Put a not-yet-started ticket where its kind and assignment say it belongs."""
    target = workflow.working_status(ticket.kind, has_assignee)
    if ticket.status == Status.SCHEDULED and target != Status.TO_SCHEDULE:
        set_status(ticket, actor, Status.TO_SCHEDULE)  # no longer on-site: drop the plan first
    if ticket.status in PRE_WORK:
        set_status(ticket, actor, target)


def technician_change(
    ticket: Ticket, pairs: list[tuple[int, str]] | None
) -> tuple[dict[str, list[str]], dict[str, list[str]]]:
    """The technician rules that ``pairs`` change, old and new, as names by field."""
    if pairs is None:
        return {}, {}
    old = {(r.user_id, r.rule) for r in ticket.technicians}
    new = set(pairs)
    if old == new:
        return {}, {}
    ids = {i for i, _rule in old | new}
    names = dict(db.session.execute(db.select(User.id, User.name).where(User.id.in_(ids))).all())
    before, after = {}, {}
    for rule in TechnicianRule:
        was = sorted(names[i] for i, r in old if r == rule)
        now = sorted(names[i] for i, r in new if r == rule)
        if was != now:
            before[TECHNICIAN_FIELDS[rule]], after[TECHNICIAN_FIELDS[rule]] = was, now
    return before, after


def apply_assignment(
    ticket: Ticket, actor: User, assignee: User | None, group: Group | None
) -> bool:
    """Give ``ticket`` to ``assignee`` and ``group``, recorded; True if that changed anything."""
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


def apply_catalog(
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
    old_rules, new_rules = technician_change(ticket, planned.get("technicians"))
    old_fields.update(old_rules)
    new_fields.update(new_rules)
    for attr, value in {**planned, "due_at": due_at}.items():
        if attr == "technicians":
            continue
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
    if new_rules:
        ticket.technicians = [
            TicketTechnician(user_id=user_id, rule=rule) for user_id, rule in planned["technicians"]
        ]
    apply_assignment(ticket, actor, assignee, group)
    settle_status(ticket, actor, assignee is not None)
    ticket.updated_at = utcnow()
    return True

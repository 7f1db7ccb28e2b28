"""What the staff panel on a ticket page shows: the forms this user may use, prefilled with the
ticket's current values, the status buttons the workflow allows, and the latest events.

The panel partial (templates/tickets/_staff_panel.html) is included by the ticket page, which
only passes ``ticket``; it asks for its state through the ``desk_panel`` template function
(registered by the desk blueprint).

The dispatcher's folded forms (catalogue, assignment, merge, link) are seldom opened but were a
fifth of the page's cost, their lists of people, groups and categories most of it. On the ticket
page a fold that starts closed is drawn empty (``lazy``): the panel's script fetches its form
from the desk's fold address when it is opened, and without a script the fold links to the
desk's page of the ticket, where every form is drawn.
"""

from __future__ import annotations

from typing import Any

from flask import request
from sqlalchemy.orm import selectinload
from sqlalchemy.orm.attributes import instance_state
from wtforms import Form

from dispatch.desk.forms import (
    AssignForm,
    CatalogForm,
    ClaimForm,
    LinkForm,
    MergeForm,
    StatusForm,
    simple_form,
)
from dispatch.extensions import db
from dispatch.people.models import Role, User
from dispatch.tickets.access import can_act_as_staff, sees_as_staff
from dispatch.tickets.dispatching import CLAIM_ROLES, status_targets
from dispatch.tickets.history import load_named
from dispatch.tickets.job_places import address_unlocated
from dispatch.tickets.models import Kind, Ticket, TicketEvent

DISPATCH_ROLES = (Role.DISPATCHER, Role.ADMIN)
QUEUE_ROLES = tuple(CLAIM_ROLES)
STAFF_ROLES = (Role.AGENT, Role.TECHNICIAN, Role.DISPATCHER, Role.ADMIN)
LATEST_EVENTS = 8
FOLDS = ("catalog", "assign", "merge", "link")


def latest_events(ticket: Ticket, limit: int = LATEST_EVENTS) -> list[TicketEvent]:
    """The latest events with their actors (one query for all of them)."""
    return list(
        db.session.scalars(
            db.select(TicketEvent)
            .where(TicketEvent.ticket_id == ticket.id)
            .options(selectinload(TicketEvent.actor))
            .order_by(TicketEvent.id.desc())
            .limit(limit)
        )
    )


def can_claim(ticket: Ticket, user: User) -> bool:
    return (
        user.role in QUEUE_ROLES
        and ticket.kind == Kind.REMOTE
        and ticket.is_open
        and ticket.assignee_id is None
        and ticket.merged_into_id is None
        and sees_as_staff(user, ticket)  # the pool or their group's, not only as requester
    )


def folds(ticket: Ticket, user: User) -> list[str]:
    """The folded forms this user is offered on this ticket."""
    if user.role not in DISPATCH_ROLES:
        return []
    shown = ["catalog"]
    if ticket.kind:
        shown.append("assign")
    if not ticket.merged_into_id:
        shown.append("merge")
    return shown + ["link"]


def fold_form(ticket: Ticket, name: str) -> Form:
    """A fold's form, filled in with the ticket's current values."""
    if name == "catalog":
        return CatalogForm.for_ticket(ticket)
    if name == "assign":
        return AssignForm.for_ticket(ticket)
    if name == "merge":
        return simple_form(MergeForm, ticket, "merge")
    parent = f"#{ticket.parent_id}" if ticket.parent_id else ""
    return simple_form(LinkForm, ticket, "link", parent=parent)


def opens_closed(ticket: Ticket, name: str) -> bool:
    """Whether a fold starts closed (when its form has no errors): the catalogue of a ticket
    not yet catalogued starts open, since cataloguing is what it waits for."""
    return name != "catalog" or bool(ticket.kind)


def panel_state(
    ticket: Ticket,
    user: User,
    *,
    forms: dict[str, Form] | None = None,
    next_url: str | None = None,
    lazy: bool = False,
    **extra: Any,
) -> dict[str, Any]:
    """The panel's forms (given ones — the user's input with errors — win over fresh ones).
    Only what the user may do: status changes need them to work on the ticket, the claim
    button only that it is in their queue (:mod:`dispatch.tickets.access`). ``lazy``: the
    folds that start closed get no form (the page fetches it when one is opened)."""
    forms = dict(forms or {})
    dispatcher = user.role in DISPATCH_ROLES
    acts = can_act_as_staff(user, ticket)
    shown_folds = folds(ticket, user)
    for name in shown_folds:
        if name not in forms and not (lazy and opens_closed(ticket, name)):
            forms[name] = fold_form(ticket, name)
    if acts:
        forms.setdefault("status", simple_form(StatusForm, ticket, "status"))
    claim = can_claim(ticket, user)
    if claim:
        forms.setdefault("claim", simple_form(ClaimForm, ticket, "claim"))
    if next_url is None:
        next_url = request.path if request.method == "GET" else None
    for form in forms.values():
        if next_url and not form.next.data:
            form.next.data = next_url
    if "events" in instance_state(ticket).dict:
        # The ticket page loaded the whole record, with the actors and every name its events
        # use (kept while the page is drawn): its latest events cost no query.
        events = sorted(ticket.events, key=lambda e: e.id, reverse=True)[:LATEST_EVENTS]
        named = []
    else:
        events = latest_events(ticket)
        named = load_named(events)
    state = dict(
        ticket=ticket,
        forms=forms,
        dispatcher=dispatcher,
        folds=shown_folds,
        claim=claim,
        acts=acts,
        statuses=status_targets(ticket) if acts else [],
        events=events,
        named=named,  # kept loaded while the panel is drawn
        message=None,
        conflict=False,
        attempt=None,
        open=None,  # the fold to open (the desk's page of the ticket, from a fold's link)
        address_unlocated=dispatcher and address_unlocated(ticket),
    )
    state.update(extra)
    return state


def shown_panel(ticket: Ticket, user: User, **kwargs: Any) -> dict[str, Any] | None:
    """The panel's state, or None when the user has nothing to do on this ticket (a staff
    member who is only its requester, say): no staff controls are shown then."""
    if user.role not in STAFF_ROLES:
        return None
    state = panel_state(ticket, user, **kwargs)
    return state if state["acts"] or state["claim"] else None

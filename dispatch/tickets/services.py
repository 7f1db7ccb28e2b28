"""Ticket use cases. Each public function is one transaction: it commits or changes nothing.

Every change goes into the official record through ``record``; services never commit half a
change, and raise domain errors (dispatch.errors) that the web and the API translate.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from blinker import Signal
from flask_babel import gettext as _
from sqlalchemy.orm import joinedload

from dispatch.errors import Forbidden, NotFound, TransitionError, ValidationError
from dispatch.extensions import db
from dispatch.people.models import User
from dispatch.sites.models import Site
from dispatch.tickets import workflow
from dispatch.tickets.access import can_act_as_staff, get_visible_ticket, require_staff
from dispatch.tickets.attachments import store_uploads
from dispatch.tickets.changes import check_version, commit, record, set_status
from dispatch.tickets.fields import clean_fields
from dispatch.tickets.models import (
    Category,
    Comment,
    Level,
    Priority,
    Status,
    Ticket,
)
from dispatch.types import utcnow

#: Sent with the new ticket (and ``actor``, its requester) before it is flushed: receivers may
#: set its fields and record events, in the creating transaction (they must not commit).
ticket_created = Signal("a ticket was created")

SUBJECT_MAX = 200
DESCRIPTION_MAX = 20_000
COMMENT_MAX = 20_000
LOCATION_LIMITS = {"building": 80, "floor": 40, "room": 80}  # the columns' lengths

# ITIL-style matrix: (impact, urgency) → priority.
PRIORITY_MATRIX = {
    ("high", "high"): Priority.URGENT,
    ("high", "medium"): Priority.HIGH,
    ("medium", "high"): Priority.HIGH,
    ("high", "low"): Priority.NORMAL,
    ("low", "high"): Priority.NORMAL,
    ("medium", "medium"): Priority.NORMAL,
    ("medium", "low"): Priority.LOW,
    ("low", "medium"): Priority.LOW,
    ("low", "low"): Priority.LOW,
}


@dataclass
class NewTicket:
    """What a requester submits (web form, API, mail)."""

    subject: str
    description: str = ""
    site_id: int | None = None
    category_id: int | None = None
    building: str = ""
    floor: str = ""
    room: str = ""
    impact: str = Level.MEDIUM
    urgency: str = Level.MEDIUM
    fields: Mapping[str, Any] = field(default_factory=dict)
    latitude: float | None = None
    longitude: float | None = None
    channel: str = "web"
    parent_id: int | None = None
    #: The device it is about (checked by the receivers of ``ticket_created``, dispatch.assets).
    asset_id: int | None = None
    stops_work: bool | None = None


def _validate_new(data: NewTicket) -> tuple[Site | None, Category | None, dict[str, Any]]:
    errors: dict[str, list[str]] = {}
    subject = (data.subject or "").strip()
    if not subject:
        errors["subject"] = [_("Say in a few words what is wrong.")]
    elif len(subject) > SUBJECT_MAX:
        errors["subject"] = [_("At most %(n)d characters.", n=SUBJECT_MAX)]
    if len(data.description or "") > DESCRIPTION_MAX:
        errors["description"] = [_("At most %(n)d characters.", n=DESCRIPTION_MAX)]
    for name in ("impact", "urgency"):
        if getattr(data, name) not in set(Level):
            errors[name] = [_("Choose low, medium or high.")]
    for name, limit in LOCATION_LIMITS.items():
        if len(getattr(data, name) or "") > limit:
            errors[name] = [_("At most %(n)d characters.", n=limit)]
    if (data.latitude is None) != (data.longitude is None) or (
        data.latitude is not None
        and not (-90 <= data.latitude <= 90 and -180 <= data.longitude <= 180)
    ):
        errors["latitude"] = [_("A position needs a valid latitude and longitude.")]
    site = db.session.get(Site, data.site_id) if data.site_id is not None else None
    if data.site_id is not None and (site is None or not site.active):
        errors["site"] = [_("Unknown site %(id)s.", id=data.site_id)]
    category = (
        db.session.get(Category, data.category_id, options=[joinedload(Category.fields)])
        if data.category_id is not None
        else None
    )
    if data.category_id is not None and (category is None or not category.active):
        errors["category"] = [_("Unknown category %(id)s.", id=data.category_id)]
    cleaned: dict[str, Any] = {}
    if category is not None:
        try:
            cleaned = clean_fields(category.fields, data.fields or {})
        except ValidationError as exc:
            errors.update(exc.errors)
    elif data.fields:
        errors["fields"] = [_("Extra fields need a category.")]
    if errors:
        first = next(iter(errors))
        raise ValidationError(f"{first}: {errors[first][0]}", field=first, errors=errors)
    return site, category, cleaned


def create_ticket(requester: User, data: NewTicket, *, files: Iterable = ()) -> Ticket:
    """Record a new request and its attachments, with what the receivers of
    :data:`ticket_created` add (triage's suggestion), in one transaction."""
    site, category, cleaned = _validate_new(data)
    parent = None
    if data.parent_id is not None:
        parent = get_visible_ticket(requester, data.parent_id)
    ticket = Ticket(
        requester=requester,
        department_id=requester.department_id,
        site=site or requester.site,
        building=data.building.strip(),
        floor=data.floor.strip(),
        room=data.room.strip(),
        latitude=data.latitude,
        longitude=data.longitude,
        category=category,
        subject=data.subject.strip(),
        description=data.description or "",
        impact=data.impact,
        urgency=data.urgency,
        priority=PRIORITY_MATRIX[(data.impact, data.urgency)],
        fields=cleaned,
        channel=data.channel,
        stops_work=data.stops_work,
        status=Status.NEW,
        parent=parent,
        asset_id=data.asset_id,
        created_at=utcnow(),
    )
    try:
        # Nothing flushed until the receivers are done (with a parent, an autoflush would also
        # warn: the parent's `children` changed before the new ticket is in the session). The
        # ticket is then inserted once, with what the receivers set on it, and their events
        # come after "created" and are committed with it or not at all.
        with db.session.no_autoflush:
            db.session.add(ticket)
            record(
                ticket,
                requester,
                "created",
                channel=data.channel,
                subject=ticket.subject,
                site=site.name if site else None,
                category=category.name if category else None,
            )
            ticket_created.send(ticket, actor=requester)
        db.session.flush()  # the number is known from here on
        if parent is not None:
            record(parent, requester, "child_added", child=ticket.id)
            record(ticket, requester, "parent_set", parent=parent.id)
        store_uploads(ticket, requester, files)
    except Exception:
        db.session.rollback()
        raise
    commit()
    return ticket


def add_comment(
    ticket: Ticket, author: User, body: str, *, internal: bool = False, files: Iterable = ()
) -> Comment:
    """A public or internal comment; a requester's reply takes a waiting ticket back to work."""
    body = (body or "").strip()
    if not body:
        raise ValidationError(_("Write something first."), field="body")
    if len(body) > COMMENT_MAX:
        raise ValidationError(_("At most %(n)d characters.", n=COMMENT_MAX), field="body")
    if internal and not can_act_as_staff(author, ticket):
        raise Forbidden(_("Only staff who work on this ticket can write internal notes."))
    comment = Comment(
        ticket=ticket, author=author, body=body, internal=internal, created_at=utcnow()
    )
    db.session.add(comment)
    try:
        db.session.flush()
        record(ticket, author, "comment", internal=internal, comment=comment.id)
        if ticket.status == Status.WAITING and author.id == ticket.requester_id:
            set_status(
                ticket,
                author,
                workflow.working_status(ticket.kind, ticket.assignee_id is not None),
                reason="requester replied",
            )
        store_uploads(ticket, author, files, comment=comment)
        ticket.updated_at = utcnow()
    except Exception:
        db.session.rollback()
        raise
    commit()
    return comment


def change_status(
    ticket: Ticket, actor: User, target: str, *, expected_version: int | None = None, note: str = ""
) -> Ticket:
    """Move a ticket along the workflow (staff), optionally with a public note."""
    require_staff(actor, ticket)
    if target not in set(Status):
        raise ValidationError(_("Unknown status %(s)s.", s=target), field="status")
    check_version(ticket, expected_version)
    set_status(ticket, actor, target)
    if note.strip():
        db.session.add(Comment(ticket=ticket, author=actor, body=note.strip(), created_at=utcnow()))
        db.session.flush()
        record(ticket, actor, "comment", comment=ticket.comments[-1].id)
    commit()
    return ticket


def reopen(ticket: Ticket, actor: User, reason: str = "") -> Ticket:
    """Reopen a resolved (its requester, or staff who work on it) or closed (staff who work on
    it) ticket. Staff who are only its requester have the requester's say."""
    staff = can_act_as_staff(actor, ticket)
    if not staff and actor.id != ticket.requester_id:
        require_staff(actor, ticket)
    if ticket.status == Status.CLOSED and not staff:
        raise TransitionError(_("This request is closed; open a follow-up instead."))
    if ticket.status not in (Status.RESOLVED, Status.CLOSED):
        raise TransitionError(_("Only resolved or closed requests can be reopened."))
    set_status(
        ticket,
        actor,
        workflow.working_status(ticket.kind, ticket.assignee_id is not None),
        reason=reason.strip()[:300] or "reopened",
    )
    ticket.resolved_at = None
    ticket.closed_at = None
    commit()
    return ticket


def get_ticket(ticket_id: int) -> Ticket:
    ticket = db.session.get(Ticket, ticket_id)
    if ticket is None:
        raise NotFound(_("No such ticket."))
    return ticket

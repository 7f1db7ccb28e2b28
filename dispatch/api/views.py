"""JSON API v1, mounted at /api/v1. Authenticated by bearer tokens only (see api.auth).

The token acts as its user: every query goes through dispatch.tickets.access, so someone
else's ticket is a 404 here as on the pages, and triage is for dispatchers and admins only
(others get 404 too, so the endpoint does not reveal which tickets exist).
"""

from __future__ import annotations

from flask import Blueprint, current_app, jsonify, url_for
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import joinedload, selectinload

from dispatch.api import parsing as p
from dispatch.api import serializers as s
from dispatch.api.auth import api_user, authenticate, bearer_token
from dispatch.auth.services import client_ip
from dispatch.errors import NotFound, ValidationError
from dispatch.extensions import csrf, db, limiter
from dispatch.keyset import BadCursor, Key, fetch
from dispatch.people.models import ApiToken, Department, Role
from dispatch.sites.models import Site
from dispatch.tickets import access, dispatch_input, dispatching
from dispatch.tickets import services as tickets
from dispatch.tickets.models import Category, Kind, Level, Priority, Status, Ticket
from dispatch.tickets.search import search_clause

bp = Blueprint("api", __name__)
# Bearer tokens, never cookies, authenticate here: there is no ambient credential to forge.
csrf.exempt(bp)

MAX_PER_PAGE = 100
TRIAGE_ROLES = (Role.DISPATCHER, Role.ADMIN)

CREATE_KEYS = {
    "subject",
    "description",
    "site",
    "category",
    "building",
    "floor",
    "room",
    "impact",
    "urgency",
    "fields",
    "parent",
    "latitude",
    "longitude",
}
TRIAGE_KEYS = {
    "kind",
    "category",
    "priority",
    "assignee",
    "group",
    "duration_min",
    "skills",
    "access_from",
    "access_until",
    "appointment_start",
    "appointment_end",
    "due_at",
    "address",
    "version",
}
LIST_PARAMS = {"q", "status", "kind", "site", "department", "cursor", "per_page"}
#: Newest first; the id is unique, so the cursor of a page is the last id shown.
LIST_KEYS = [Key(Ticket.id, descending=True)]

_TO_ONE = (
    joinedload(Ticket.requester),
    joinedload(Ticket.site),
    joinedload(Ticket.department),
    joinedload(Ticket.category),
    joinedload(Ticket.assignee),
    joinedload(Ticket.group),
    joinedload(Ticket.parent),
)
_LOAD = (*_TO_ONE, selectinload(Ticket.children))


@bp.before_request
def _before():
    p.limit_body()
    return authenticate()


@bp.errorhandler(ValidationError)
def _invalid(err: ValidationError):
    """A 400 whose message names the field, whichever layer found the fault."""
    message = err.message
    if err.field and not message.startswith(f"{err.field}:"):
        message = f"{err.field}: {message}"
    body = {"error": message, "field": err.field, "status": err.status, "errors": err.errors}
    return jsonify(body), err.status


def _submit_limit() -> str:
    return current_app.config["SUBMIT_RATE_LIMIT"]


def _token_key() -> str:
    # Runs before authentication: key on the presented token (hashed), else the address.
    token = bearer_token()
    return "api-token:" + ApiToken.hash(token)[:32] if token else "api-ip:" + client_ip()


def _visible(ticket_id: int) -> Ticket:
    if ticket_id > p.MAX_ID:  # the URL converter takes any size; the column does not
        raise NotFound(_("No such ticket."))
    return access.get_visible_ticket(api_user(), ticket_id)


def _ticket_json(ticket: Ticket, status: int = 200, **headers):
    response = jsonify(s.ticket(ticket, api_user()))
    response.status_code = status
    response.headers.update(headers)
    return response


@bp.post("/tickets")
@limiter.limit(_submit_limit, key_func=_token_key)
def create_ticket():
    user = api_user()
    new = _new_ticket(p.read_object(CREATE_KEYS))
    if new.parent_id is not None:
        try:
            access.get_visible_ticket(user, new.parent_id)
        except NotFound:
            raise ValidationError(
                _("Unknown ticket %(id)s.", id=new.parent_id), field="parent"
            ) from None
    ticket = _with_relations(tickets.create_ticket(user, new).known_id)
    return _ticket_json(ticket, 201, Location=url_for("api.get_ticket", ticket_id=ticket.id))


def _with_relations(ticket_id: int) -> Ticket:
    """The ticket and everything its JSON shows, in one query (the commit expired them all:
    reloaded one by one they would cost a query each)."""
    query = (
        select(Ticket).where(Ticket.id == ticket_id).options(*_TO_ONE, joinedload(Ticket.children))
    )
    return db.session.scalars(query).unique().one()


def _new_ticket(data: dict) -> tickets.NewTicket:
    """The service's input from a create body (types checked here, meaning in the service)."""
    return tickets.NewTicket(
        subject=p.text(data, "subject", max_len=tickets.SUBJECT_MAX, required=True),
        description=p.text(data, "description", max_len=tickets.DESCRIPTION_MAX),
        site_id=p.identifier(data, "site"),
        category_id=p.identifier(data, "category"),
        # The column widths: longer values would be refused by PostgreSQL, not trimmed.
        building=p.text(data, "building", max_len=80),
        floor=p.text(data, "floor", max_len=40),
        room=p.text(data, "room", max_len=80),
        impact=p.choice(data, "impact", list(Level), default=Level.MEDIUM),
        urgency=p.choice(data, "urgency", list(Level), default=Level.MEDIUM),
        fields=p.scalar_map(data, "fields"),
        latitude=p.number(data, "latitude"),
        longitude=p.number(data, "longitude"),
        parent_id=p.identifier(data, "parent"),
        channel="api",
    )


@bp.get("/tickets/<int:ticket_id>")
def get_ticket(ticket_id: int):
    return _ticket_json(_visible(ticket_id))


@bp.get("/tickets")
def list_tickets():
    user = api_user()
    args = p.query(LIST_PARAMS)
    status = p.query_choice(args, "status", list(Status))
    kind = p.query_choice(args, "kind", list(Kind))
    site_id = p.query_int(args, "site", default=None, minimum=1, maximum=p.MAX_ID)
    department_id = p.query_int(args, "department", default=None, minimum=1, maximum=p.MAX_ID)
    per_page = p.query_int(args, "per_page", default=25, minimum=1, maximum=MAX_PER_PAGE)
    q = p.text(args, "q", max_len=200)
    if site_id is not None and db.session.get(Site, site_id) is None:
        raise ValidationError(_("Unknown site %(id)s.", id=site_id), field="site")
    if department_id is not None and db.session.get(Department, department_id) is None:
        raise ValidationError(_("Unknown department %(id)s.", id=department_id), field="department")

    query = access.visible_tickets(user)
    for column, value in (
        (Ticket.status, status),
        (Ticket.kind, kind),
        (Ticket.site_id, site_id),
        (Ticket.department_id, department_id),
    ):
        if value is not None:
            query = query.where(column == value)
    clause = search_clause(q) if q else None
    if clause is not None:
        query = query.where(clause)
    try:
        page = fetch(query.options(*_LOAD), LIST_KEYS, "api", args.get("cursor") or None, per_page)
    except BadCursor:
        raise ValidationError(
            _("Not a cursor of this list: use the next link of a page."), field="cursor"
        ) from None
    following = (
        url_for("api.list_tickets", **{**args, "cursor": page.next_cursor})
        if page.next_cursor
        else None
    )
    return jsonify(
        {
            "items": [s.ticket(t, user) for t in page.items],
            "per_page": per_page,
            "next_cursor": page.next_cursor,
            "next": following,
        }
    )


@bp.get("/tickets/<int:ticket_id>/events")
def ticket_events(ticket_id: int):
    user = api_user()
    ticket = _visible(ticket_id)
    staff = access.can_see_internal(user)
    events = [s.event(e) for e in ticket.events if staff or not e.internal]
    return jsonify({"ticket": ticket.id, "items": events})


@bp.post("/tickets/<int:ticket_id>/triage")
def triage_ticket(ticket_id: int):
    user = api_user()
    if user.role not in TRIAGE_ROLES:
        raise NotFound(_("No such ticket."))  # same answer as a missing ticket: reveals nothing
    ticket = _visible(ticket_id)
    data = p.read_object(TRIAGE_KEYS)
    ticket = dispatching.catalog(ticket, user, **_triage_args(ticket, data))
    return _ticket_json(ticket)


def _triage_args(ticket: Ticket, data: dict) -> dict:
    """The keyword arguments of ``catalog`` from a triage body. A key left out keeps the
    ticket's current value (an assignee or group who cannot carry the new kind is dropped);
    an explicit null clears it."""
    if "kind" not in data:
        raise ValidationError(_("This field is required."), field="kind")
    kind = p.choice(data, "kind", list(Kind))
    keep_assignee = (
        ticket.assignee is not None and ticket.assignee.role in dispatch_input.ASSIGNEE_ROLES[kind]
    )
    return dict(
        expected_version=p.integer(data, "version", minimum=1, maximum=p.MAX_ID),
        kind=kind,
        category_id=p.identifier(data, "category", default=ticket.category_id),
        priority=p.choice(data, "priority", list(Priority), default=ticket.priority),
        assignee_id=p.identifier(
            data, "assignee", default=ticket.assignee_id if keep_assignee else None
        ),
        group_id=p.identifier(
            data, "group", default=ticket.group_id if kind == Kind.REMOTE else None
        ),
        # Planning data: left out (or null), the service keeps the ticket's or the defaults.
        duration_min=p.integer(
            data, "duration_min", minimum=1, maximum=dispatch_input.DURATION_MAX
        ),
        skill_ids=p.id_list(data, "skills"),
        access_from=p.clock(data, "access_from"),
        access_until=p.clock(data, "access_until"),
        appointment_start=p.moment(data, "appointment_start"),
        appointment_end=p.moment(data, "appointment_end"),
        due_at=p.moment(data, "due_at", default=ticket.due_at),
        # Left out: kept; null or "": cleared; text: geocoded (saved even if not found).
        address=p.text(data, "address", max_len=p.DEFAULT_MAX_BODY, default=None)
        if data.get("address", "") is not None
        else "",
    )


@bp.get("/categories")
def list_categories():
    """The active categories and their extra fields: what ``fields`` may hold on create."""
    rows = db.session.scalars(
        select(Category)
        .where(Category.active)
        .options(selectinload(Category.fields))
        .order_by(Category.name)
    )
    return jsonify({"items": [s.category(c) for c in rows]})

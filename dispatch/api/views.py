"""JSON API v1, mounted at /api/v1. Authenticated by bearer tokens only (see api.auth).

The token acts as its user: every query goes through dispatch.tickets.access, so someone
else's ticket is a 404 here as on the pages, and triage is for dispatchers and admins only
(others get 404 too, so the endpoint does not reveal which tickets exist).
"""

from __future__ import annotations

from flask import Blueprint, current_app, jsonify, request, url_for
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import joinedload, selectinload
from sqlalchemy.orm.attributes import set_committed_value

from dispatch.api import parsing as p
from dispatch.api import serializers as s
from dispatch.api.auth import api_user, authenticate, bearer_token
from dispatch.api.bodies import NEW_TICKET, TICKET_FILTERS, TRIAGE
from dispatch.api.openapi import document
from dispatch.api.operations import describe
from dispatch.auth.services import client_ip
from dispatch.collation import name_order
from dispatch.errors import NotFound, ValidationError
from dispatch.extensions import csrf, db, limiter
from dispatch.keyset import BadCursor, Key, fetch
from dispatch.people.models import ApiToken, Department, Role
from dispatch.sites.models import Site
from dispatch.sla.status import Summaries, breached_clause
from dispatch.tickets import access, dispatch_input, dispatching
from dispatch.tickets import services as tickets
from dispatch.tickets.models import Category, Kind, Level, TechnicianRule, Ticket, TicketTechnician
from dispatch.tickets.search import search_clause
from dispatch.types import utcnow

bp = Blueprint("api", __name__)
# Bearer tokens, never cookies, authenticate here: there is no ambient credential to forge.
csrf.exempt(bp)

TRIAGE_ROLES = (Role.DISPATCHER, Role.ADMIN)

#: Newest first; the id is unique, so the cursor of a page is the last id shown.
LIST_KEYS = [Key(Ticket.id, descending=True)]

_PARENT = joinedload(Ticket.parent)
_TO_ONE = (
    joinedload(Ticket.requester),
    joinedload(Ticket.site),
    joinedload(Ticket.department),
    joinedload(Ticket.category),
    joinedload(Ticket.assignee),
    joinedload(Ticket.group),
    _PARENT,
    joinedload(Ticket.asset),
)
_TECHNICIANS = selectinload(Ticket.technicians).joinedload(TicketTechnician.user)
_LOAD = (*_TO_ONE, selectinload(Ticket.children), _TECHNICIANS)


@bp.before_request
def _before():
    p.limit_body()
    if request.endpoint == "api.openapi_document":
        return None  # the API's description is public, like its documentation
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
    response = jsonify(s.ticket(ticket, api_user(), Summaries(utcnow())))
    response.status_code = status
    response.headers.update(headers)
    return response


@bp.post("/tickets")
@limiter.limit(_submit_limit, key_func=_token_key)
@describe(
    "api",
    operation_id="createTicket",
    summary="Create a ticket",
    description="Raise a request as the token's user; its channel is `api`.",
    body=NEW_TICKET,
    status=201,
    schema="Ticket",
    answer="The new ticket.",
    errors=(400, 413, 415, 429),
    headers={"Location": "The new ticket's URL."},
    links={
        "GetTicket": ("getTicket", {"ticket_id": "$response.body#/id"}),
        "ListTicketEvents": ("listTicketEvents", {"ticket_id": "$response.body#/id"}),
        "TriageTicket": ("triageTicket", {"ticket_id": "$response.body#/id"}),
    },
)
def create_ticket():
    user = api_user()
    new = _new_ticket(NEW_TICKET.read())
    if new.parent_id is not None:
        try:
            access.get_visible_ticket(user, new.parent_id)
        except NotFound:
            raise ValidationError(
                _("Unknown ticket %(id)s.", id=new.parent_id), field="parent"
            ) from None
    ticket = _created(tickets.create_ticket(user, new).known_id, new.parent_id is not None)
    return _ticket_json(ticket, 201, Location=url_for("api.get_ticket", ticket_id=ticket.id))


def _created(ticket_id: int, has_parent: bool) -> Ticket:
    """The new ticket and everything its JSON shows, in one query (the commit expired them all:
    reloaded one by one they would cost a query each). A ticket made a moment ago has no
    sub-tickets and no technician rules yet, and its parent is joined only when it names one:
    each joined copy of the ticket table is some fifty more columns for the driver and the ORM
    to read."""
    options = [o for o in _TO_ONE if has_parent or o is not _PARENT]
    query = select(Ticket).where(Ticket.id == ticket_id).options(*options)
    ticket = db.session.scalars(query).one()
    set_committed_value(ticket, "children", [])
    set_committed_value(ticket, "technicians", [])
    return ticket


def _new_ticket(data: dict) -> tickets.NewTicket:
    """The service's input from a create body (types checked here, meaning in the service)."""
    field = NEW_TICKET.fields
    return tickets.NewTicket(
        subject=field["subject"].read(data),
        description=field["description"].read(data, ""),
        site_id=field["site"].read(data),
        category_id=field["category"].read(data),
        building=field["building"].read(data, ""),
        floor=field["floor"].read(data, ""),
        room=field["room"].read(data, ""),
        impact=field["impact"].read(data, Level.MEDIUM),
        urgency=field["urgency"].read(data, Level.MEDIUM),
        stops_work=field["stops_work"].read(data),
        fields=field["fields"].read(data),
        latitude=field["latitude"].read(data),
        longitude=field["longitude"].read(data),
        parent_id=field["parent"].read(data),
        asset_id=field["asset"].read(data),
        channel="api",
    )


@bp.get("/tickets/<int:ticket_id>")
@describe(
    "api",
    operation_id="getTicket",
    summary="Read a ticket",
    description="A ticket the token's user may see; any other is a 404.",
    status=200,
    schema="Ticket",
    answer="The ticket.",
    errors=(404,),
)
def get_ticket(ticket_id: int):
    return _ticket_json(_visible(ticket_id))


@bp.get("/tickets")
@describe(
    "api",
    operation_id="listTickets",
    summary="List tickets",
    description="The tickets the token's user may see, newest first, a page at a time.",
    query=TICKET_FILTERS,
    status=200,
    schema="TicketPage",
    answer="A page of tickets.",
    errors=(400,),
)
def list_tickets():
    user = api_user()
    args = TICKET_FILTERS.read()
    param = TICKET_FILTERS.params
    status = param["status"].read(args)
    kind = param["kind"].read(args)
    site_id = param["site"].read(args)
    department_id = param["department"].read(args)
    per_page = param["per_page"].read(args)
    q = param["q"].read(args)
    cursor = param["cursor"].read(args)
    breached = param["breached"].read(args)
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
    levels = Summaries(utcnow())
    if breached is not None:
        missed = breached_clause(levels.now)
        query = query.where(missed if breached == "true" else ~missed)
    try:
        page = fetch(query.options(*_LOAD), LIST_KEYS, "api", cursor, per_page)
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
            "items": [s.ticket(t, user, levels) for t in page.items],
            "per_page": per_page,
            "next_cursor": page.next_cursor,
            "next": following,
        }
    )


@bp.get("/tickets/<int:ticket_id>/events")
@describe(
    "api",
    operation_id="listTicketEvents",
    summary="A ticket's official record",
    description="Its events, oldest first; internal ones for staff only.",
    status=200,
    schema="TicketEvents",
    answer="The ticket's events.",
    errors=(404,),
)
def ticket_events(ticket_id: int):
    user = api_user()
    ticket = _visible(ticket_id)
    staff = access.sees_as_staff(user, ticket)
    events = [s.event(e) for e in ticket.events if staff or not e.internal]
    return jsonify({"ticket": ticket.id, "items": events})


@bp.post("/tickets/<int:ticket_id>/triage")
@describe(
    "api",
    operation_id="triageTicket",
    summary="Triage a ticket",
    description="Dispatchers and admins only (others get 404): decide the kind and catalogue "
    "data and move a ticket not yet started to its working status.",
    body=TRIAGE,
    status=200,
    schema="Ticket",
    answer="The ticket, triaged.",
    errors=(400, 404, 409, 413, 415),
    links={"GetTicket": ("getTicket", {"ticket_id": "$response.body#/id"})},
)
def triage_ticket(ticket_id: int):
    user = api_user()
    if user.role not in TRIAGE_ROLES:
        raise NotFound(_("No such ticket."))  # same answer as a missing ticket: reveals nothing
    ticket = _visible(ticket_id)
    access.require_staff(user, ticket)
    data = TRIAGE.read()
    ticket = dispatching.catalog(ticket, user, **_triage_args(ticket, data))
    return _ticket_json(ticket)


def _triage_args(ticket: Ticket, data: dict) -> dict:
    """The keyword arguments of ``catalog`` from a triage body. A key left out keeps the
    ticket's current value (an assignee or group who cannot carry the new kind is dropped);
    an explicit null clears it."""
    field = TRIAGE.fields
    kind = field["kind"].read(data)
    keep_assignee = (
        ticket.assignee is not None and ticket.assignee.role in dispatch_input.ASSIGNEE_ROLES[kind]
    )
    return dict(
        expected_version=field["version"].read(data),
        kind=kind,
        category_id=field["category"].read(data, ticket.category_id),
        priority=field["priority"].read(data, ticket.priority),
        assignee_id=field["assignee"].read(data, ticket.assignee_id if keep_assignee else None),
        group_id=field["group"].read(data, ticket.group_id if kind == Kind.REMOTE else None),
        # Planning data: left out (or null), the service keeps the ticket's or the defaults.
        duration_min=field["duration_min"].read(data),
        skill_ids=field["skills"].read(data),
        access_from=field["access_from"].read(data),
        access_until=field["access_until"].read(data),
        appointment_start=field["appointment_start"].read(data),
        appointment_end=field["appointment_end"].read(data),
        due_at=field["due_at"].read(data, ticket.due_at),
        technicians=_technicians(ticket, data),
        # Left out: kept; null or "": cleared; text: geocoded (saved even if not found).
        address=field["address"].read(data) if data.get("address", "") is not None else "",
    )


def _technicians(ticket: Ticket, data: dict) -> dict[str, list[int]]:
    """The technician rules of a triage body: a key left out keeps the ticket's, null clears."""
    field, rules = TRIAGE.fields, dispatch_input.current_technicians(ticket)
    for rule, key in dispatch_input.TECHNICIAN_FIELDS.items():
        if key not in data:
            continue
        if rule == TechnicianRule.PREFERRED:
            rules[rule] = [i for i in [field[key].read(data)] if i is not None]
        else:
            rules[rule] = field[key].read(data) or []
    return rules


@bp.get("/categories")
@describe(
    "api",
    operation_id="listCategories",
    summary="List categories",
    description="The active categories and their extra fields: what `fields` may hold.",
    status=200,
    schema="Categories",
    answer="The categories.",
)
def list_categories():
    """The active categories and their extra fields: what ``fields`` may hold on create."""
    rows = db.session.scalars(
        select(Category)
        .where(Category.active)
        .options(selectinload(Category.fields))
        .order_by(name_order(Category.name))
    )
    return jsonify({"items": [s.category(c) for c in rows]})


@bp.get("/openapi.json")
@describe(
    "api",
    operation_id="getOpenAPI",
    summary="This API's OpenAPI document",
    description="The OpenAPI 3.1 description of every operation; no token needed.",
    status=200,
    schema="OpenAPI",
    answer="The document.",
    public=True,
)
def openapi_document():
    return jsonify(document(current_app.url_map.iter_rules(), request.script_root + "/api/v1"))

"""Tickets, events and categories as JSON-ready dicts.

Names follow what a client sends when it creates a ticket (``site``, ``category``, ``building``
…), so that what goes in and what comes out read the same. Times are ISO 8601 in UTC ("Z").
"""

from __future__ import annotations

from datetime import UTC, datetime, time
from typing import Any

from dispatch.people.models import User
from dispatch.tickets.access import sees_as_staff
from dispatch.tickets.job_places import address_unlocated
from dispatch.tickets.models import Category, Kind, Level, Priority, Status, Ticket, TicketEvent
from dispatch.triage.services import ticket_reason


def iso(value: datetime | None) -> str | None:
    if value is None:
        return None
    return value.astimezone(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def clock(value: time | None) -> str | None:
    return value.strftime("%H:%M") if value is not None else None


def ref(obj: Any) -> dict[str, Any] | None:
    """A related record as {id, name}."""
    if obj is None:
        return None
    return {"id": obj.id, "name": obj.name}


def ticket_ref(ticket: Ticket | None) -> dict[str, Any] | None:
    # Only the number: a linked ticket the viewer may not open stays a 404 for them, and its
    # subject or status is not revealed here either.
    if ticket is None:
        return None
    return {"id": ticket.id, "number": ticket.number}


def ticket(t: Ticket, viewer: User) -> dict[str, Any]:
    staff = sees_as_staff(viewer, t)
    return {
        "id": t.id,
        "number": t.number,
        "subject": t.subject,
        "description": t.description,
        "status": t.status,
        "kind": t.kind,
        "priority": t.priority,
        "impact": t.impact,
        "urgency": t.urgency,
        "channel": t.channel,
        "stops_work": t.stops_work,
        # The triage suggestion is an internal aid (recorded as an internal event): staff only.
        "suggestion": {
            "kind": t.suggested_kind,
            "confidence": t.suggestion_confidence,
            "reason": ticket_reason(t),
        }
        if staff
        else None,
        "requester": {"id": t.requester.id, "name": t.requester.name, "email": t.requester.email},
        "department": ref(t.department),
        "site": ref(t.site),
        "building": t.building,
        "floor": t.floor,
        "room": t.room,
        "address": t.address or "",
        "latitude": t.latitude,
        "longitude": t.longitude,
        # An on-site job at its own address that could not be located: the planner lists it
        # as needing a location until a dispatcher places it on the map.
        "needs_location": address_unlocated(t),
        "category": ref(t.category),
        "fields": dict(t.fields or {}),
        "assignee": ref(t.assignee),
        "group": ref(t.group),
        "parent": ticket_ref(t.parent),
        "children": [ticket_ref(c) for c in t.children],
        "duration_min": t.duration_min,
        "access_from": clock(t.access_from),
        "access_until": clock(t.access_until),
        "appointment_start": iso(t.appointment_start),
        "appointment_end": iso(t.appointment_end),
        "due_at": iso(t.due_at),
        "created_at": iso(t.created_at),
        "updated_at": iso(t.updated_at),
        "resolved_at": iso(t.resolved_at),
        "closed_at": iso(t.closed_at),
        "version": t.version,
    }


def event(e: TicketEvent) -> dict[str, Any]:
    return {
        "id": e.id,
        "type": e.type,
        "created_at": iso(e.created_at),
        "actor": ref(e.actor),
        "internal": e.internal,
        "data": dict(e.data or {}),
    }


def category(c: Category) -> dict[str, Any]:
    return {
        "id": c.id,
        "name": c.name,
        "description": c.description,
        "default_kind": c.default_kind,
        "fields": [
            {
                "key": f.key,
                "label": f.label,
                "type": f.type,
                "required": f.required,
                "choices": list(f.choices or []),
                "help_text": f.help_text,
            }
            for f in c.fields
            if f.active
        ],
    }


# --- their JSON Schemas (the OpenAPI document's components) ------------------------------------
# Kept beside the functions above: a key added there and not here fails the API's schema test
# (every object is closed with additionalProperties: false).


def _obj(properties: dict[str, Any], description: str = "") -> dict[str, Any]:
    schema = {
        "type": "object",
        "properties": properties,
        "required": list(properties),
        "additionalProperties": False,
    }
    return {**schema, "description": description} if description else schema


def _null(schema: dict[str, Any]) -> dict[str, Any]:
    return {"anyOf": [schema, {"type": "null"}]}


def _enum(words) -> dict[str, Any]:
    return {"type": "string", "enum": [str(w) for w in words]}


_INT = {"type": "integer"}
_TEXT = {"type": "string"}
_TIME = {"type": "string", "format": "date-time", "description": "UTC, ISO 8601."}
_CLOCK = {"type": "string", "pattern": "^[0-9]{2}:[0-9]{2}$"}
_REF = _obj({"id": _INT, "name": _TEXT}, "A related record.")
_TICKET_REF = _obj({"id": _INT, "number": _TEXT}, "Another ticket, by number only.")

TICKET_SCHEMA = _obj(
    {
        "id": _INT,
        "number": {"type": "string", "examples": ["#42"]},
        "subject": _TEXT,
        "description": _TEXT,
        "status": _enum(Status),
        "kind": _null(_enum(Kind)),
        "priority": _enum(Priority),
        "impact": _enum(Level),
        "urgency": _enum(Level),
        "channel": _TEXT,
        "stops_work": {"type": ["boolean", "null"]},
        "suggestion": _null(
            _obj(
                {
                    "kind": _null(_enum(Kind)),
                    "confidence": _null({"type": "number"}),
                    "reason": _TEXT,
                },
                "The automatic triage hint: staff only (null for others).",
            )
        ),
        "requester": _obj({"id": _INT, "name": _TEXT, "email": _TEXT}),
        "department": _null(_REF),
        "site": _null(_REF),
        "building": _TEXT,
        "floor": _TEXT,
        "room": _TEXT,
        "address": _TEXT,
        "latitude": _null({"type": "number"}),
        "longitude": _null({"type": "number"}),
        "needs_location": {"type": "boolean"},
        "category": _null(_REF),
        "fields": {"type": "object"},
        "assignee": _null(_REF),
        "group": _null(_REF),
        "parent": _null(_TICKET_REF),
        "children": {"type": "array", "items": _TICKET_REF},
        "duration_min": _null(_INT),
        "access_from": _null(_CLOCK),
        "access_until": _null(_CLOCK),
        "appointment_start": _null(_TIME),
        "appointment_end": _null(_TIME),
        "due_at": _null(_TIME),
        "created_at": _TIME,
        "updated_at": _TIME,
        "resolved_at": _null(_TIME),
        "closed_at": _null(_TIME),
        "version": _INT,
    },
    "A ticket as the token's user may see it.",
)
TICKET_SCHEMA["examples"] = [
    {
        "id": 42,
        "number": "#42",
        "subject": "Printer jams on every page",
        "description": "",
        "status": "new",
        "kind": None,
        "priority": "high",
        "impact": "medium",
        "urgency": "high",
        "channel": "api",
        "stops_work": True,
        "suggestion": {"kind": "onsite", "confidence": 0.9, "reason": "Usually on-site."},
        "requester": {"id": 7, "name": "Ana Pop", "email": "ana.pop@example.com"},
        "department": {"id": 2, "name": "Finance"},
        "site": {"id": 1, "name": "Cluj Headquarters"},
        "building": "",
        "floor": "3",
        "room": "301",
        "address": "",
        "latitude": None,
        "longitude": None,
        "needs_location": False,
        "category": {"id": 3, "name": "Printers"},
        "fields": {"asset_tag": "PR-0042"},
        "assignee": None,
        "group": None,
        "parent": None,
        "children": [{"id": 43, "number": "#43"}],
        "duration_min": None,
        "access_from": None,
        "access_until": None,
        "appointment_start": None,
        "appointment_end": None,
        "due_at": None,
        "created_at": "2026-11-27T10:47:52Z",
        "updated_at": "2026-11-27T10:47:52Z",
        "resolved_at": None,
        "closed_at": None,
        "version": 1,
    }
]

EVENT_SCHEMA = _obj(
    {
        "id": _INT,
        "type": _TEXT,
        "created_at": _TIME,
        "actor": _null(_REF),
        "internal": {"type": "boolean"},
        "data": {"type": "object"},
    },
    "One line of a ticket's official record.",
)

CATEGORY_SCHEMA = _obj(
    {
        "id": _INT,
        "name": _TEXT,
        "description": _TEXT,
        "default_kind": _null(_enum(Kind)),
        "fields": {
            "type": "array",
            "items": _obj(
                {
                    "key": _TEXT,
                    "label": _TEXT,
                    "type": _TEXT,
                    "required": {"type": "boolean"},
                    "choices": {"type": "array", "items": _TEXT},
                    "help_text": _TEXT,
                }
            ),
        },
    },
    "An active category and its active extra fields.",
)

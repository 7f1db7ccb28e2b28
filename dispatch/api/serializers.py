"""Tickets, events and categories as JSON-ready dicts.

Names follow what a client sends when it creates a ticket (``site``, ``category``, ``building``
…), so that what goes in and what comes out read the same. Times are ISO 8601 in UTC ("Z").
"""

from __future__ import annotations

from datetime import UTC, datetime, time
from typing import Any

from dispatch.api.fields import nullable
from dispatch.people.models import User
from dispatch.sla.status import Summaries
from dispatch.tickets.access import sees_as_staff
from dispatch.tickets.job_places import address_unlocated
from dispatch.tickets.models import (
    Category,
    Kind,
    Level,
    Priority,
    Status,
    TechnicianRule,
    Ticket,
    TicketEvent,
)
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


def service_level(summary: dict[str, Any] | None) -> dict[str, Any] | None:
    if summary is None:
        return None
    return {
        "policy": ref(summary["policy"]),
        "first_response_due": iso(summary["first_response_due"]),
        "resolution_due": iso(summary["resolution_due"]),
        "paused_seconds": summary["paused_seconds"],
        "breached": summary["breached"],
    }


def ticket(t: Ticket, viewer: User, levels: Summaries) -> dict[str, Any]:
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
        "asset": {"id": t.asset.id, "tag": t.asset.tag} if t.asset else None,
        "assignee": ref(t.assignee),
        "group": ref(t.group),
        "parent": ticket_ref(t.parent),
        "children": [ticket_ref(c) for c in t.children],
        "duration_min": t.duration_min,
        # Whom the planner may send is the dispatchers' business: staff only.
        "technicians": technicians(t) if staff else None,
        "access_from": clock(t.access_from),
        "access_until": clock(t.access_until),
        "appointment_start": iso(t.appointment_start),
        "appointment_end": iso(t.appointment_end),
        "due_at": iso(t.due_at),
        "created_at": iso(t.created_at),
        "updated_at": iso(t.updated_at),
        "resolved_at": iso(t.resolved_at),
        "closed_at": iso(t.closed_at),
        # Targets are for the staff who work to them, as on the ticket page.
        "sla": service_level(levels.of(t)) if staff else None,
        "version": t.version,
    }


def technicians(t: Ticket) -> dict[str, Any]:
    """The technicians named on an on-site ticket, by rule."""
    named = {
        rule: [ref(r.user) for r in t.technicians if r.rule == rule] for rule in TechnicianRule
    }
    return {
        "required": named[TechnicianRule.REQUIRED],
        "prohibited": named[TechnicianRule.PROHIBITED],
        "preferred": next(iter(named[TechnicianRule.PREFERRED]), None),
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
        "names": c.texts("name"),
        "description": c.description,
        "default_kind": c.default_kind,
        "fields": [
            {
                "key": f.key,
                "label": f.label,
                "labels": f.texts("label"),
                "type": f.type,
                "required": f.required,
                "choices": list(f.choices or []),
                "choice_labels": f.texts("choices"),
                "help_text": f.help_text,
            }
            for f in c.fields
            if f.active
        ],
    }


# --- their JSON Schemas (the OpenAPI document's components) ------------------------------------
# Kept beside the functions above: a key added there and not here fails the API's schema test
# (every object is closed with additionalProperties: false).


def closed_object(properties: dict[str, Any], description: str = "") -> dict[str, Any]:
    schema = {
        "type": "object",
        "properties": properties,
        "required": list(properties),
        "additionalProperties": False,
    }
    return {**schema, "description": description} if description else schema


def _enum(words) -> dict[str, Any]:
    return {"type": "string", "enum": [str(w) for w in words]}


_INT = {"type": "integer"}
_TEXT = {"type": "string"}
TIME = {"type": "string", "format": "date-time", "description": "UTC, ISO 8601."}
_CLOCK = {"type": "string", "pattern": "^[0-9]{2}:[0-9]{2}$"}
REF = closed_object({"id": _INT, "name": _TEXT}, "A related record.")
_TICKET_REF = closed_object({"id": _INT, "number": _TEXT}, "Another ticket, by number only.")

TICKET_SCHEMA = closed_object(
    {
        "id": _INT,
        "number": {"type": "string", "examples": ["#42"]},
        "subject": _TEXT,
        "description": _TEXT,
        "status": _enum(Status),
        "kind": nullable(_enum(Kind)),
        "priority": _enum(Priority),
        "impact": _enum(Level),
        "urgency": _enum(Level),
        "channel": _TEXT,
        "stops_work": {"type": ["boolean", "null"]},
        "suggestion": nullable(
            closed_object(
                {
                    "kind": nullable(_enum(Kind)),
                    "confidence": nullable({"type": "number"}),
                    "reason": _TEXT,
                },
                "The automatic triage hint: staff only (null for others).",
            )
        ),
        "requester": closed_object({"id": _INT, "name": _TEXT, "email": _TEXT}),
        "department": nullable(REF),
        "site": nullable(REF),
        "building": _TEXT,
        "floor": _TEXT,
        "room": _TEXT,
        "address": _TEXT,
        "latitude": nullable({"type": "number"}),
        "longitude": nullable({"type": "number"}),
        "needs_location": {"type": "boolean"},
        "category": nullable(REF),
        "fields": {"type": "object"},
        "asset": nullable(closed_object({"id": _INT, "tag": _TEXT}, "The device, by its tag.")),
        "assignee": nullable(REF),
        "group": nullable(REF),
        "parent": nullable(_TICKET_REF),
        "children": {"type": "array", "items": _TICKET_REF},
        "duration_min": nullable(_INT),
        "technicians": nullable(
            closed_object(
                {
                    "required": {"type": "array", "items": REF},
                    "prohibited": {"type": "array", "items": REF},
                    "preferred": nullable(REF),
                },
                "Staff only (null for others): only the required technicians may make the visit"
                " (any when empty), never the prohibited ones; the preferred one is planned"
                " unless that costs too much.",
            )
        ),
        "access_from": nullable(_CLOCK),
        "access_until": nullable(_CLOCK),
        "appointment_start": nullable(TIME),
        "appointment_end": nullable(TIME),
        "due_at": nullable(TIME),
        "created_at": TIME,
        "updated_at": TIME,
        "resolved_at": nullable(TIME),
        "closed_at": nullable(TIME),
        "sla": nullable(
            closed_object(
                {
                    "policy": REF,
                    "first_response_due": TIME,
                    "resolution_due": nullable(TIME),
                    "paused_seconds": {"type": "integer", "minimum": 0},
                    "breached": {"type": "boolean"},
                },
                "The service level (staff only; null for others and when no policy applies):"
                " the deadlines in business time of the ticket's site, the business time paused"
                " while waiting on the requester, and whether a deadline was missed."
                " resolution_due is null while the clock is paused or once resolved in time.",
            )
        ),
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
        "asset": {"id": 12, "tag": "PR-0042"},
        "assignee": None,
        "group": None,
        "parent": None,
        "children": [{"id": 43, "number": "#43"}],
        "duration_min": None,
        "technicians": {"required": [], "prohibited": [], "preferred": None},
        "access_from": None,
        "access_until": None,
        "appointment_start": None,
        "appointment_end": None,
        "due_at": None,
        "created_at": "2026-11-27T10:47:52Z",
        "updated_at": "2026-11-27T10:47:52Z",
        "resolved_at": None,
        "closed_at": None,
        "sla": {
            "policy": {"id": 1, "name": "High priority"},
            "first_response_due": "2026-11-27T11:47:52Z",
            "resolution_due": "2026-11-27T14:47:52Z",
            "paused_seconds": 0,
            "breached": False,
        },
        "version": 1,
    }
]

EVENT_SCHEMA = closed_object(
    {
        "id": _INT,
        "type": _TEXT,
        "created_at": TIME,
        "actor": nullable(REF),
        "internal": {"type": "boolean"},
        "data": {"type": "object"},
    },
    "One line of a ticket's official record.",
)

_IN_LANGUAGES = {
    "type": "object",
    "additionalProperties": _TEXT,
    "description": "The same text in each language it was given in, by language code; the "
    "plain field is the company's language's.",
}

CATEGORY_SCHEMA = closed_object(
    {
        "id": _INT,
        "name": _TEXT,
        "names": _IN_LANGUAGES,
        "description": _TEXT,
        "default_kind": nullable(_enum(Kind)),
        "fields": {
            "type": "array",
            "items": closed_object(
                {
                    "key": _TEXT,
                    "label": _TEXT,
                    "labels": _IN_LANGUAGES,
                    "type": _TEXT,
                    "required": {"type": "boolean"},
                    "choices": {"type": "array", "items": _TEXT},
                    "choice_labels": {
                        "type": "object",
                        "additionalProperties": {"type": "array", "items": _TEXT},
                        "description": "The choices in each language, in the order of choices "
                        "(a value sent or stored is always one of choices).",
                    },
                    "help_text": _TEXT,
                }
            ),
        },
    },
    "An active category and its active extra fields.",
)

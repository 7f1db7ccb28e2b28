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
from dispatch.tickets.models import Category, Ticket, TicketEvent


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
        # The triage suggestion is an internal aid (recorded as an internal event): staff only.
        "suggestion": {
            "kind": t.suggested_kind,
            "confidence": t.suggestion_confidence,
            "reason": t.suggestion_reason,
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

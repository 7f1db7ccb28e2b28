"""Where an on-site job takes place when it is not at its site: its own address and point.

An address is cleaned (spacing collapsed, control characters refused, at most ``ADDRESS_MAX``
characters) and geocoded through :mod:`dispatch.sites.geocoding`, whose cache keeps every answer.
An address nobody can locate (unknown, or the geocoder unreachable) is still saved, without a
point: the planner lists the job as needing a location, and a dispatcher places it on the map
(:func:`set_point`).
"""

from __future__ import annotations

import unicodedata
from typing import Any

from flask_babel import gettext as _

from dispatch.errors import ValidationError
from dispatch.people.models import User
from dispatch.sites.geocoding import (
    Outcome,
    check_point,  # late, like lookup above
    lookup,
)
from dispatch.tickets.access import require_staff
from dispatch.tickets.changes import check_version, record, transaction
from dispatch.tickets.models import Kind, Status, Ticket
from dispatch.types import utcnow

ADDRESS_MAX = 300
PLACE_ATTRS = ("address", "latitude", "longitude")  # set only when a new address is given
#: Statuses in which a job still waits for (or has) a visit: a missing point matters then.
WAITING = frozenset({Status.TO_SCHEDULE, Status.SCHEDULED})


def clean_address(value: str | None) -> tuple[str | None, str | None]:
    """(the address as stored, or None when not given; an error message or None)."""
    if value is None:
        return None, None
    if not isinstance(value, str):
        return None, _("Must be a string.")
    if any(unicodedata.category(ch) in ("Cc", "Cs") and not ch.isspace() for ch in value):
        return None, _("The address may not contain control characters.")
    address = " ".join(value.split())
    if len(address) > ADDRESS_MAX:
        return None, _("At most %(n)d characters.", n=ADDRESS_MAX)
    return address, None


def locate(address: str) -> dict[str, Any]:
    """The point of a job address (cached); no point when it is empty, unknown or the
    geocoder cannot be reached — never an error."""
    found = lookup(address) if address else None
    if found is not None and found.outcome == Outcome.LOCATED and found.found is not None:
        return dict(address=address, latitude=found.found.latitude, longitude=found.found.longitude)
    return dict(address=address, latitude=None, longitude=None)


def address_unlocated(ticket: Ticket) -> bool:
    """An on-site job at its own address that has no point yet (the planner cannot place it)."""
    return (
        ticket.kind == Kind.ONSITE
        and bool(ticket.address)
        and (ticket.latitude is None or ticket.longitude is None)
    )


def set_point(
    ticket: Ticket,
    actor: User,
    *,
    expected_version: int | None,
    latitude: float | None,
    longitude: float | None,
) -> Ticket:
    """Place a job by hand (clicked or dragged on the map, or typed); both empty clears it.
    Recorded in the ticket's history; one transaction."""
    require_staff(actor, ticket)
    check_version(ticket, expected_version)
    if ticket.kind != Kind.ONSITE:
        raise ValidationError(_("Only on-site jobs have a point of their own."), field="latitude")

    check_point(latitude, longitude)
    new = (round(latitude, 6), round(longitude, 6)) if latitude is not None else (None, None)
    old = (ticket.latitude, ticket.longitude)
    if new == old:
        return ticket
    with transaction():
        record(
            ticket,
            actor,
            "fields",
            internal=True,
            old={"latitude": old[0], "longitude": old[1]},
            new={"latitude": new[0], "longitude": new[1]},
        )
        ticket.latitude, ticket.longitude = new
        ticket.updated_at = utcnow()
    return ticket

"""Where planning gets technicians, their shifts and travel times: one place, so that a test
(or another deployment) can replace a source without touching the problem builder.

Shifts come from :mod:`dispatch.technicians.shifts`, travel times from :mod:`dispatch.geo`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from flask import current_app

from dispatch import geo
from dispatch.collation import name_order
from dispatch.extensions import db
from dispatch.people.models import Role, User
from dispatch.technicians.shifts import shifts_for as technician_shifts
from dispatch.tickets.models import Ticket

from .models import Visit, VisitStatus


@dataclass(frozen=True)
class Shift:
    """One technician's working day, as :func:`shifts_for` gives it (the fields of
    :class:`dispatch.technicians.shifts.Shift`)."""

    technician_id: int
    name: str
    start_utc: datetime
    end_utc: datetime
    lunch_window_utc: tuple[datetime, datetime] | None
    lunch_minutes: int
    home: tuple[float, float] | None  # (lat, lon)
    skill_ids: frozenset[int]
    timezone: str


def technicians() -> list[User]:
    """Every active technician, by name."""
    return list(
        db.session.scalars(
            db.select(User)
            .where(User.role == Role.TECHNICIAN, User.active.is_(True))
            .order_by(name_order(User.name), User.id)
        )
    )


def shifts_for(day: date, technician_ids: list[int] | None = None) -> list:
    """The shifts worked on ``day`` (days off and absences are simply missing)."""
    return list(technician_shifts(day, technician_ids))


def last_technicians(asset_ids: set[int]) -> dict[int, int]:
    """Per device of ``asset_ids``: the technician of its latest visit done (on any ticket
    about it), where it has one."""
    if not asset_ids:
        return {}
    rows = db.session.execute(
        db.select(Ticket.asset_id, Visit.technician_id)
        .join(Visit, Visit.ticket_id == Ticket.id)
        .where(Ticket.asset_id.in_(asset_ids), Visit.status == VisitStatus.DONE)
        .order_by(Visit.done_at, Visit.id)
    )
    return {asset: tech for asset, tech in rows}  # the latest wins


def travel_matrix(points: list[tuple[float, float]]) -> list[list[int]]:
    """Travel seconds between ``points`` ((lat, lon)), with the configured speed and circuity."""
    config = current_app.config
    speed = float(config.get("TRAVEL_SPEED_KMH", 40))
    circuity = float(config.get("TRAVEL_CIRCUITY", 1.3))
    return geo.travel_matrix(
        points,
        speed_kmh=speed,
        circuity=circuity,
        osrm_url=config.get("OSRM_URL") or None,
        timeout=float(config.get("OSRM_TIMEOUT", 5)),
    )


def day_range(first: date, days: int) -> list[date]:
    """``days`` consecutive days from ``first``."""
    return [first + timedelta(days=k) for k in range(days)]

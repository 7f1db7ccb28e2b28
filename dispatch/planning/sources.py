"""Where planning gets technicians' shifts and travel times.

Shifts and travel times belong to other features (``dispatch.technicians.shifts`` and
``dispatch.geo``); this module calls them when they are installed and otherwise falls back to a
plain default (technicians work their site's opening hours with a 30-minute lunch, and travel is
great-circle distance × circuity ÷ speed), so that planning works on its own.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

from flask import current_app
from geopy.distance import great_circle

from dispatch.extensions import db
from dispatch.people.models import Role, User


@dataclass(frozen=True)
class Shift:
    """One technician's working day (the shape ``people.technicians.shifts_for`` returns)."""

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
    return list(db.session.scalars(
        db.select(User).where(User.role == Role.TECHNICIAN, User.active.is_(True))
        .order_by(User.name, User.id)))


def _default_shifts(day: date, technician_ids: list[int] | None) -> list[Shift]:
    shifts = []
    for user in technicians():
        if technician_ids is not None and user.id not in technician_ids:
            continue
        site = user.site
        if day.weekday() >= 5 or (site is not None and not site.is_open_on(day.weekday())):
            continue  # a day off
        zone = ZoneInfo(site.timezone if site else "UTC")
        opens, closes = (site.opens_at, site.closes_at) if site else (time(8), time(17))

        def at(t: time) -> datetime:
            return datetime.combine(day, t, zone).astimezone(timezone.utc)

        home = (site.latitude, site.longitude) if site is not None and site.has_location else None
        shifts.append(Shift(
            technician_id=user.id, name=user.name, start_utc=at(opens), end_utc=at(closes),
            lunch_window_utc=(at(time(12)), at(time(14))), lunch_minutes=30, home=home,
            skill_ids=frozenset(s.id for s in user.skills), timezone=zone.key))
    return shifts


def shifts_for(day: date, technician_ids: list[int] | None = None) -> list:
    """The shifts worked on ``day`` (days off and absences are simply missing)."""
    try:
        from dispatch.technicians.shifts import shifts_for as people_shifts
    except ModuleNotFoundError as exc:
        if not (exc.name or "").startswith("dispatch.technicians"):
            raise
        return _default_shifts(day, technician_ids)
    return list(people_shifts(day, technician_ids))


def _great_circle_matrix(points: list[tuple[float, float]], speed_kmh: float,
                         circuity: float) -> list[list[int]]:
    per_km = 3600.0 / speed_kmh
    return [[0 if i == j else int(round(great_circle(a, b).km * circuity * per_km))
             for j, b in enumerate(points)] for i, a in enumerate(points)]


def travel_matrix(points: list[tuple[float, float]]) -> list[list[int]]:
    """Travel seconds between ``points`` ((lat, lon)), with the configured speed and circuity."""
    config = current_app.config
    speed = float(config.get("TRAVEL_SPEED_KMH", 40))
    circuity = float(config.get("TRAVEL_CIRCUITY", 1.3))
    try:
        from dispatch import geo
    except ModuleNotFoundError as exc:
        if exc.name != "dispatch.geo":
            raise
        return _great_circle_matrix(points, speed, circuity)
    return geo.travel_matrix(points, speed_kmh=speed, circuity=circuity,
                             osrm_url=config.get("OSRM_URL") or None,
                             timeout=float(config.get("OSRM_TIMEOUT", 5)))


def day_range(first: date, days: int) -> list[date]:
    return [first + timedelta(days=k) for k in range(days)]

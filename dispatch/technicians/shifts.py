"""Technicians' shifts for a day, in UTC: what the planner builds its vehicles from."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from dispatch.collation import name_order
from dispatch.extensions import db
from dispatch.people.models import Role, User
from dispatch.technicians.models import DayOff, TechnicianProfile, WorkingHours


@dataclass(frozen=True)
class Shift:
    """One technician's working day.

    ``home`` is the technician's home base, or their site's point when they have none (None if
    neither is known). ``lunch_window_utc`` is None when the day has no lunch break; otherwise
    a break of ``lunch_minutes`` must start and end inside it.
    """

    technician_id: int
    name: str
    start_utc: dt.datetime
    end_utc: dt.datetime
    lunch_window_utc: tuple[dt.datetime, dt.datetime] | None
    lunch_minutes: int
    home: tuple[float, float] | None
    skill_ids: frozenset[int]
    timezone: str


def zone_of(user: User) -> str:
    """The technician's time zone: their site's, else UTC."""
    name = user.site.timezone if user.site is not None else "UTC"
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return "UTC"
    return name


def _utc(day: dt.date, at: dt.time, zone: ZoneInfo) -> dt.datetime:
    return dt.datetime.combine(day, at, tzinfo=zone).astimezone(dt.UTC)


def shifts_for(day: dt.date, technician_ids: list[int] | None = None) -> list[Shift]:
    """Shifts of the active technicians who work on ``day`` (all of them, or those in
    ``technician_ids``), ordered by name. A technician who is inactive, has the day off, or has
    no working hours on that weekday has no shift. Local times are read in the technician's
    site's time zone and converted to UTC (daylight-saving days included)."""
    query = (
        select(User)
        .where(User.role == Role.TECHNICIAN, User.active)
        .options(selectinload(User.skills), selectinload(User.site))
        .order_by(name_order(User.name), User.id)
    )
    if technician_ids is not None:
        if not technician_ids:
            return []
        query = query.where(User.id.in_(set(technician_ids)))
    users = list(db.session.scalars(query))
    ids = [u.id for u in users]
    if not ids:
        return []
    hours = {
        h.user_id: h
        for h in db.session.scalars(
            select(WorkingHours).where(
                WorkingHours.user_id.in_(ids), WorkingHours.weekday == day.weekday()
            )
        )
    }
    off = set(
        db.session.scalars(select(DayOff.user_id).where(DayOff.user_id.in_(ids), DayOff.day == day))
    )
    homes = {
        p.user_id: p.home
        for p in db.session.scalars(
            select(TechnicianProfile).where(TechnicianProfile.user_id.in_(ids))
        )
    }
    shifts = []
    for user in users:
        h = hours.get(user.id)
        if h is None or user.id in off:
            continue
        tz_name = zone_of(user)
        zone = ZoneInfo(tz_name)
        lunch = None
        if h.lunch_minutes and h.lunch_start is not None and h.lunch_end is not None:
            lunch = (_utc(day, h.lunch_start, zone), _utc(day, h.lunch_end, zone))
        home = homes.get(user.id)
        if home is None and user.site is not None and user.site.has_location:
            home = (user.site.latitude, user.site.longitude)
        shifts.append(
            Shift(
                technician_id=user.id,
                name=user.name,
                start_utc=_utc(day, h.start_time, zone),
                end_utc=_utc(day, h.end_time, zone),
                lunch_window_utc=lunch,
                lunch_minutes=h.lunch_minutes if lunch else 0,
                home=home,
                skill_ids=frozenset(s.id for s in user.skills),
                timezone=tz_name,
            )
        )
    return shifts

"""Technicians' planning data: home base, weekly hours with lunch, days off.

Each public function is one use case: it validates everything, then changes and commits once,
or raises dispatch.errors.ValidationError naming the form field at fault and changes nothing.
The planner reads the result through ``shifts_for`` (re-exported here).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass

from flask_babel import format_date
from flask_babel import gettext as _
from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError

from dispatch import geo
from dispatch.collation import name_order
from dispatch.errors import NotFound, ValidationError
from dispatch.extensions import db
from dispatch.people.models import Role, User
from dispatch.sites import geocoding
from dispatch.technicians.models import DayOff, TechnicianProfile, WorkingHours
from dispatch.technicians.shifts import Shift, shifts_for  # noqa: F401  (the planner's entry)

NOTES_MAX = 2000
REASON_MAX = 200
LUNCH_MAX_MIN = 240
DAYS_OFF_AT_ONCE = 62  # a two-month leave in one go

Errors = dict[str, list[str]]


def _raise_if(errors: Errors) -> None:
    if errors:
        first = next(iter(errors))
        raise ValidationError(errors[first][0], field=first, errors=errors)


def technicians(include_inactive: bool = False) -> list[User]:
    query = (
        select(User).where(User.role == Role.TECHNICIAN).order_by(name_order(User.name), User.id)
    )
    if not include_inactive:
        query = query.where(User.active)
    return list(db.session.scalars(query))


def get_technician(user_id: int) -> User:
    """The technician with this id; anyone else (or nobody) is NotFound."""
    user = db.session.get(User, user_id)
    if user is None or user.role != Role.TECHNICIAN:
        raise NotFound(_("No such technician."))
    return user


def profile_of(user: User) -> TechnicianProfile:
    """The technician's profile (a blank, unsaved one if they have none yet)."""
    return db.session.get(TechnicianProfile, user.id) or TechnicianProfile(
        user_id=user.id, home_address="", notes=""
    )


def week_of(user: User) -> dict[int, WorkingHours]:
    rows = db.session.scalars(select(WorkingHours).where(WorkingHours.user_id == user.id))
    return {h.weekday: h for h in rows}


def days_off_of(user: User, since: dt.date | None = None) -> list[DayOff]:
    query = select(DayOff).where(DayOff.user_id == user.id).order_by(DayOff.day)
    if since is not None:
        query = query.where(DayOff.day >= since)
    return list(db.session.scalars(query))


# --- home base ---------------------------------------------------------------------------------


def save_home(
    user: User,
    *,
    home_address: str,
    home_latitude: float | None,
    home_longitude: float | None,
    notes: str = "",
    locate: bool = False,
) -> geocoding.Lookup | None:
    """Save the technician's home base and notes. With ``locate`` and no point given, the
    address is looked up (cached; a geocoder that does not answer leaves the point empty and
    says so in the returned Lookup)."""
    errors: Errors = {}
    address = (home_address or "").strip()
    if len(address) > 300:
        errors["home_address"] = [_("At most %(n)d characters.", n=300)]
    notes = (notes or "").strip()
    if len(notes) > NOTES_MAX:
        errors["notes"] = [_("At most %(n)d characters.", n=NOTES_MAX)]
    if (home_latitude is None) != (home_longitude is None):
        missing = "home_longitude" if home_longitude is None else "home_latitude"
        errors[missing] = [_("Enter both latitude and longitude, or neither.")]
    elif home_latitude is not None:
        if not geo.is_valid_point(home_latitude, 0):
            errors["home_latitude"] = [_("Latitude is between -90 and 90.")]
        if not geo.is_valid_point(0, home_longitude):
            errors["home_longitude"] = [_("Longitude is between -180 and 180.")]
    _raise_if(errors)
    found = None
    if locate and home_latitude is None and address:
        found = geocoding.lookup(address)
        if found.found is not None:
            home_latitude, home_longitude = found.found.latitude, found.found.longitude
    profile = profile_of(user)
    db.session.add(profile)

    def apply() -> None:
        profile.home_address, profile.notes = address, notes
        profile.home_latitude, profile.home_longitude = home_latitude, home_longitude

    apply()
    try:
        db.session.commit()
    except IntegrityError:  # a cache row (or the profile) saved meanwhile by someone else
        db.session.rollback()
        profile = profile_of(user)
        db.session.add(profile)
        apply()
        db.session.commit()
    return found


# --- weekly hours ------------------------------------------------------------------------------


@dataclass(frozen=True)
class DayHours:
    """What the form says about one weekday; ``works`` False means a day off every week."""

    works: bool
    start_time: dt.time | None = None
    end_time: dt.time | None = None
    lunch_start: dt.time | None = None
    lunch_end: dt.time | None = None
    lunch_minutes: int | None = 0


def _minutes(a: dt.time, b: dt.time) -> int:
    return (b.hour * 60 + b.minute) - (a.hour * 60 + a.minute)


def _check_day(errors: Errors, i: int, d: DayHours) -> None:
    def err(name: str, message: str) -> None:
        errors.setdefault(f"d{i}-{name}", []).append(message)

    if d.start_time is None:
        err("start_time", _("Enter the start time."))
    if d.end_time is None:
        err("end_time", _("Enter the end time."))
    if d.start_time is None or d.end_time is None:
        return
    if d.end_time <= d.start_time:
        err("end_time", _("The working day must end after it starts."))
        return
    minutes = d.lunch_minutes or 0
    has_window = d.lunch_start is not None or d.lunch_end is not None
    if not 0 <= minutes <= LUNCH_MAX_MIN:
        err("lunch_minutes", _("Between 0 and %(n)d minutes.", n=LUNCH_MAX_MIN))
        return
    if not has_window:
        if minutes:
            err("lunch_start", _("Say between which times lunch is taken."))
        return
    if d.lunch_start is None or d.lunch_end is None:
        err("lunch_end", _("Give both ends of the lunch window."))
    elif d.lunch_end <= d.lunch_start:
        err("lunch_end", _("The lunch window must end after it starts."))
    elif d.lunch_start < d.start_time or d.lunch_end > d.end_time:
        err("lunch_start", _("Lunch must be inside the working hours."))
    elif minutes == 0:
        err("lunch_minutes", _("How long is the lunch break?"))
    elif minutes > _minutes(d.lunch_start, d.lunch_end):
        err("lunch_minutes", _("The break is longer than its window."))


def save_week(user: User, days: Mapping[int, DayHours]) -> list[WorkingHours]:
    """Replace the technician's weekly hours (weekday 0 = Monday … 6 = Sunday) at once."""
    errors: Errors = {}
    for weekday in days:
        if weekday not in range(7):
            errors.setdefault("days", []).append(_("Unknown weekday."))
    for weekday, d in sorted(days.items()):
        if weekday in range(7) and d.works:
            _check_day(errors, weekday, d)
    _raise_if(errors)
    db.session.execute(delete(WorkingHours).where(WorkingHours.user_id == user.id))
    rows = [
        WorkingHours(
            user_id=user.id,
            weekday=w,
            start_time=d.start_time,
            end_time=d.end_time,
            lunch_minutes=d.lunch_minutes or 0,
            lunch_start=d.lunch_start if d.lunch_minutes else None,
            lunch_end=d.lunch_end if d.lunch_minutes else None,
        )
        for w, d in sorted(days.items())
        if d.works
    ]
    db.session.add_all(rows)
    try:
        db.session.commit()
    except Exception:
        db.session.rollback()
        raise
    return rows


# --- days off ----------------------------------------------------------------------------------


def add_days_off(
    user: User, *, start: dt.date | None, until: dt.date | None = None, reason: str = ""
) -> list[DayOff]:
    """Mark ``start`` (to ``until``, inclusive) as days off. A day already marked is an error
    and nothing is saved."""
    errors: Errors = {}
    reason = (reason or "").strip()
    if len(reason) > REASON_MAX:
        errors["reason"] = [_("At most %(n)d characters.", n=REASON_MAX)]
    if start is None:
        errors["start"] = [_("Choose a day.")]
    elif until is not None and until < start:
        errors["until"] = [_("The last day cannot be before the first.")]
    elif until is not None and (until - start).days >= DAYS_OFF_AT_ONCE:
        errors["until"] = [_("At most %(n)d days at once.", n=DAYS_OFF_AT_ONCE)]
    _raise_if(errors)
    last = until or start
    wanted = [start + dt.timedelta(days=i) for i in range((last - start).days + 1)]
    rows = [DayOff(user_id=user.id, day=d, reason=reason) for d in wanted]
    db.session.add_all(rows)
    try:
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        taken = sorted(
            db.session.scalars(
                select(DayOff.day).where(DayOff.user_id == user.id, DayOff.day.in_(wanted))
            )
        )
        days = "; ".join(format_date(d, "long") for d in taken or [start])
        raise ValidationError(_("Already a day off: %(days)s.", days=days), field="start") from None
    return rows


def remove_day_off(user: User, day_off_id: int) -> None:
    row = db.session.get(DayOff, day_off_id)
    if row is None or row.user_id != user.id:
        raise NotFound(_("No such day off."))
    db.session.delete(row)
    db.session.commit()

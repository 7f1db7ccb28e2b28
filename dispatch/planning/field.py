"""The technician's side: their day's visits, en route → arrived → done, and a calendar feed."""
from __future__ import annotations

import secrets
from datetime import date, datetime, timedelta

from flask_babel import gettext as _

from dispatch.errors import NotFound, TransitionError, ValidationError
from dispatch.extensions import db
from dispatch.people.models import User
from dispatch.tickets.changes import commit, record, set_status
from dispatch.tickets.models import Status
from dispatch.types import utcnow

from .models import CalendarFeed, Notification, Visit, VisitStatus

#: What a technician sees: published visits and the ones they have started.
VISIBLE = (VisitStatus.PUBLISHED, VisitStatus.EN_ROUTE, VisitStatus.ARRIVED, VisitStatus.DONE)
#: action → (statuses it may follow, new status)
STEPS = {
    "en_route": ((VisitStatus.PUBLISHED,), VisitStatus.EN_ROUTE),
    "arrived": ((VisitStatus.PUBLISHED, VisitStatus.EN_ROUTE), VisitStatus.ARRIVED),
    "done": ((VisitStatus.ARRIVED,), VisitStatus.DONE),
}
NOTES_MAX = 5000
TIME_SPENT_MAX = 24 * 60
FEED_DAYS_BACK, FEED_DAYS_AHEAD = 14, 90


def day_visits(technician: User, day: date) -> list[Visit]:
    return list(db.session.scalars(db.select(Visit).where(
        Visit.technician_id == technician.id, Visit.day == day, Visit.status.in_(VISIBLE))
        .order_by(Visit.planned_start)))


def recent_notifications(user: User, limit: int = 5) -> list[Notification]:
    since = utcnow() - timedelta(days=7)
    return list(db.session.scalars(db.select(Notification).where(
        Notification.user_id == user.id, Notification.created_at >= since)
        .order_by(Notification.id.desc()).limit(limit)))


def get_own_visit(technician: User, visit_id: int) -> Visit:
    """The technician's own visit; anyone else's is NotFound (a 404, never a 403)."""
    visit = db.session.get(Visit, visit_id)
    if visit is None or visit.technician_id != technician.id or visit.status not in VISIBLE:
        raise NotFound(_("No such visit."))
    return visit


def advance(visit: Visit, technician: User, action: str, *, notes: str = "",
            time_spent_min: int | None = None) -> Visit:
    """Move a visit one step on; the ticket and its record follow, in one transaction."""
    if action not in STEPS:
        raise ValidationError(_("Unknown action."), field="action")
    allowed, target = STEPS[action]
    if visit.status not in allowed:
        raise TransitionError(_("This visit is %(s)s already.", s=visit.status))
    notes = (notes or "").strip()
    if len(notes) > NOTES_MAX:
        raise ValidationError(_("At most %(n)d characters.", n=NOTES_MAX), field="notes")
    if action == "done" and (time_spent_min is None or not 1 <= time_spent_min <= TIME_SPENT_MAX):
        raise ValidationError(_("Say how many minutes the work took (1 to %(n)d).",
                                n=TIME_SPENT_MAX), field="time_spent")
    ticket, now = visit.ticket, utcnow()
    try:
        data = {"status": str(target), "visit": visit.id}
        if action == "en_route":
            visit.en_route_at = now
        elif action == "arrived":
            visit.arrived_at = now
            if ticket.status in (Status.SCHEDULED, Status.TO_SCHEDULE):
                set_status(ticket, technician, Status.IN_PROGRESS, reason="technician arrived")
        else:
            visit.done_at, visit.notes, visit.time_spent_min = now, notes, time_spent_min
            data.update(time_spent_min=time_spent_min, notes=notes)
            if ticket.status != Status.RESOLVED:
                set_status(ticket, technician, Status.RESOLVED, reason="visit done")
        record(ticket, technician, "visit", internal=(action == "done" and bool(notes)), **data)
        visit.status = target
        ticket.updated_at = visit.updated_at = now
        db.session.flush()
    except Exception:
        db.session.rollback()
        raise
    commit()
    return visit


# --- the private calendar feed ---------------------------------------------------------------


def new_feed_token(technician: User) -> str:
    """A new secret feed address for the technician (the old one stops working)."""
    token = secrets.token_urlsafe(32)
    feed = db.session.scalar(db.select(CalendarFeed).where(CalendarFeed.user_id == technician.id))
    if feed is None:
        feed = CalendarFeed(user_id=technician.id)
        db.session.add(feed)
    feed.token_hash, feed.created_at = CalendarFeed.hash(token), utcnow()
    db.session.commit()
    return token


def revoke_feed(technician: User) -> None:
    db.session.execute(db.delete(CalendarFeed).where(CalendarFeed.user_id == technician.id))
    db.session.commit()


def has_feed(technician: User) -> bool:
    return db.session.scalar(db.select(CalendarFeed.id).where(
        CalendarFeed.user_id == technician.id)) is not None


def feed_owner(token: str) -> User:
    feed = db.session.scalar(db.select(CalendarFeed).where(
        CalendarFeed.token_hash == CalendarFeed.hash(token or "")))
    if feed is None or not feed.user.active:
        raise NotFound(_("No such calendar."))
    return feed.user


def calendar(technician: User, host: str) -> bytes:
    """The technician's visits as an iCalendar document."""
    from icalendar import Calendar, Event

    today = utcnow().date()
    visits = db.session.scalars(db.select(Visit).where(
        Visit.technician_id == technician.id, Visit.status.in_(VISIBLE),
        Visit.day >= today - timedelta(days=FEED_DAYS_BACK),
        Visit.day <= today + timedelta(days=FEED_DAYS_AHEAD)).order_by(Visit.planned_start))
    cal = Calendar()
    cal.add("prodid", "-//Dispatch//visits//EN")
    cal.add("version", "2.0")
    cal.add("x-wr-calname", _("Dispatch visits"))
    for visit in visits:
        ticket = visit.ticket
        event = Event()
        event.add("uid", f"visit-{visit.id}@{host}")
        event.add("dtstamp", visit.updated_at or datetime.now(visit.planned_start.tzinfo))
        event.add("dtstart", visit.planned_start)
        event.add("dtend", visit.planned_end)
        event.add("summary", f"{ticket.number} {ticket.subject}")
        place = ticket.location_text
        if ticket.site is not None and ticket.site.address:
            place = f"{place} — {ticket.site.address}, {ticket.site.city}".strip(" —,")
        if place:
            event.add("location", place)
        event.add("description", f"{ticket.requester.name} {ticket.requester.phone}".strip())
        event.add("status", "CANCELLED" if visit.status == VisitStatus.CANCELLED else "CONFIRMED")
        cal.add_component(event)
    return cal.to_ical()

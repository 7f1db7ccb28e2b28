"""The technician's private calendar feed: a secret address (only its hash is stored) that
serves their visits as iCalendar, for the phone's calendar app."""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta

from flask_babel import force_locale
from flask_babel import gettext as _
from icalendar import Calendar, Event

from dispatch.errors import NotFound
from dispatch.extensions import db
from dispatch.people.models import Role, User
from dispatch.people.services import language_of
from dispatch.planning.models import Visit, VisitStatus
from dispatch.types import utcnow, utctoday

from .models import CalendarFeed
from .services import VISIBLE

FEED_DAYS_BACK, FEED_DAYS_AHEAD = 14, 90


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
    """The technician's feed address stops working (commits)."""
    db.session.execute(db.delete(CalendarFeed).where(CalendarFeed.user_id == technician.id))
    db.session.commit()


def has_feed(technician: User) -> bool:
    """Whether the technician has a feed address."""
    return (
        db.session.scalar(db.select(CalendarFeed.id).where(CalendarFeed.user_id == technician.id))
        is not None
    )


def feed_owner(token: str) -> User:
    """The active technician whose feed ``token`` opens; NotFound otherwise. Checked on every
    request: a deactivated account, or one that is no longer a technician's, has no feed."""
    feed = db.session.scalar(
        db.select(CalendarFeed).where(CalendarFeed.token_hash == CalendarFeed.hash(token or ""))
    )
    if feed is None or not feed.user.active or feed.user.role != Role.TECHNICIAN:
        raise NotFound(_("No such calendar."))
    return feed.user


def calendar(technician: User, host: str) -> bytes:
    """The technician's visits as an iCalendar document, in their language (a calendar app
    fetches it with no session, and its own Accept-Language says nothing about them)."""
    with force_locale(language_of(technician)):
        return _calendar(technician, host)


def _calendar(technician: User, host: str) -> bytes:
    today = utctoday()
    visits = db.session.scalars(
        db.select(Visit)
        .where(
            Visit.technician_id == technician.id,
            Visit.status.in_(VISIBLE),
            Visit.day >= today - timedelta(days=FEED_DAYS_BACK),
            Visit.day <= today + timedelta(days=FEED_DAYS_AHEAD),
        )
        .order_by(Visit.planned_start)
    )
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
        event.add(
            "summary",
            _("Visit %(number)s: %(subject)s", number=ticket.number, subject=ticket.subject),
        )
        place = ticket.location_text
        if ticket.site is not None and ticket.site.address:
            place = f"{place} — {ticket.site.address}, {ticket.site.city}".strip(" —,")
        if place:
            event.add("location", place)
        event.add("description", f"{ticket.requester.name} {ticket.requester.phone}".strip())
        event.add("status", "CANCELLED" if visit.status == VisitStatus.CANCELLED else "CONFIRMED")
        cal.add_component(event)
    return cal.to_ical()

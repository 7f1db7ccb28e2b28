"""Notifications: add one for a user (in the caller's transaction), list, count and mark a
user's own."""

from __future__ import annotations

from datetime import timedelta

from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _

from dispatch.errors import NotFound
from dispatch.extensions import db
from dispatch.people.models import User
from dispatch.stored_text import Stored, render
from dispatch.types import utcnow

from .models import Notification

PAGE_SIZE = 100
RECENT_DAYS = 7


def notify(user: User | int, message: Stored, url: str = "") -> Notification:
    """Add a notification for ``user`` (not committed: the caller's use case commits).

    ``message`` is kept as data (dispatch.stored_text.said), shown in the language of whoever
    reads it, whatever the language of the moment it was made in."""
    with force_locale(current_app.config["DEFAULT_LOCALE"]):
        text = render(message)
    note = Notification(
        user_id=user if isinstance(user, int) else user.id,
        message=message if not isinstance(message, str) else None,
        text=text[:500],
        url=url[:300],
        created_at=utcnow(),
    )
    db.session.add(note)
    return note


def unread_count(user_id: int) -> int:
    """How many of the user's notifications are unread (the navbar's badge)."""
    return (
        db.session.scalar(
            db.select(db.func.count(Notification.id)).where(
                Notification.user_id == user_id, Notification.read_at.is_(None)
            )
        )
        or 0
    )


def recent(user: User, limit: int = 5) -> list[Notification]:
    """The user's latest notifications of the last week, newest first."""
    since = utcnow() - timedelta(days=RECENT_DAYS)
    return list(
        db.session.scalars(
            db.select(Notification)
            .where(Notification.user_id == user.id, Notification.created_at >= since)
            .order_by(Notification.id.desc())
            .limit(limit)
        )
    )


def own(user: User) -> list[Notification]:
    """The user's notifications, newest first (at most PAGE_SIZE)."""
    return list(
        db.session.scalars(
            db.select(Notification)
            .where(Notification.user_id == user.id)
            .order_by(Notification.created_at.desc(), Notification.id.desc())
            .limit(PAGE_SIZE)
        )
    )


def get_own(user: User, note_id: int) -> Notification:
    """One of the user's notifications; anyone else's is NotFound."""
    note = db.session.get(Notification, note_id)
    if note is None or note.user_id != user.id:
        raise NotFound(_("No such notification."))
    return note


def mark_read(note: Notification) -> None:
    """Mark one notification read (commits)."""
    if note.read_at is None:
        note.read_at = utcnow()
        db.session.commit()


def mark_all_read(user: User) -> None:
    """Mark every unread notification of the user read (commits)."""
    for note in db.session.scalars(
        db.select(Notification).where(
            Notification.user_id == user.id, Notification.read_at.is_(None)
        )
    ):
        note.read_at = utcnow()
    db.session.commit()

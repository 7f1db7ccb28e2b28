"""In-app notifications (/notifications): every signed-in user sees only their own.

The navbar shows the number of unread ones through ``unread_notifications()`` (a context
processor registered with the blueprint); someone else's notification is a 404.
"""
from __future__ import annotations

from flask import Blueprint, abort, redirect, render_template, url_for
from flask_login import current_user, login_required

from dispatch.extensions import db
from dispatch.types import utcnow

from .forms import ActionForm
from .models import Notification

bp = Blueprint("notifications", __name__)
PAGE_SIZE = 100


def unread_count(user_id: int) -> int:
    return db.session.scalar(db.select(db.func.count(Notification.id)).where(
        Notification.user_id == user_id, Notification.read_at.is_(None))) or 0


@bp.app_context_processor
def _unread():
    def unread_notifications() -> int:
        if not current_user.is_authenticated:
            return 0
        return unread_count(current_user.id)

    return {"unread_notifications": unread_notifications}


def _own(note_id: int | None = None):
    query = db.select(Notification).where(Notification.user_id == current_user.id)
    if note_id is not None:
        note = db.session.scalar(query.where(Notification.id == note_id))
        if note is None:
            abort(404)
        return note
    return list(db.session.scalars(query.order_by(Notification.created_at.desc(),
                                                  Notification.id.desc()).limit(PAGE_SIZE)))


@bp.get("/")
@login_required
def index():
    return render_template("planning/notifications.html", notes=_own(), form=ActionForm())


@bp.post("/<int:note_id>/read")
@login_required
def mark_read(note_id: int):
    note = _own(note_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    if note.read_at is None:
        note.read_at = utcnow()
        db.session.commit()
    return redirect(url_for(".index"))


@bp.post("/read-all")
@login_required
def mark_all_read():
    if not ActionForm().validate_on_submit():
        abort(400)
    for note in db.session.scalars(db.select(Notification).where(
            Notification.user_id == current_user.id, Notification.read_at.is_(None))):
        note.read_at = utcnow()
    db.session.commit()
    return redirect(url_for(".index"))

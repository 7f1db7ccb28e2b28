"""In-app notifications (/notifications): every signed-in user sees only their own.

The navbar shows the number of unread ones through ``unread_notifications()`` (a context
processor registered with the blueprint); someone else's notification is a 404.
"""

from __future__ import annotations

from flask import Blueprint, abort, redirect, render_template, url_for
from flask_login import current_user, login_required

from dispatch.errors import NotFound

from . import services
from .forms import ActionForm

bp = Blueprint("notifications", __name__)


@bp.app_context_processor
def _unread():
    def unread_notifications() -> int:
        if not current_user.is_authenticated:
            return 0
        return services.unread_count(current_user.id)

    return {"unread_notifications": unread_notifications}


@bp.get("/")
@login_required
def index():
    return render_template(
        "notifications/index.html", notes=services.own(current_user), form=ActionForm()
    )


@bp.post("/<int:note_id>/read")
@login_required
def mark_read(note_id: int):
    try:
        note = services.get_own(current_user, note_id)
    except NotFound:
        abort(404)
    if not ActionForm().validate_on_submit():
        abort(400)
    services.mark_read(note)
    return redirect(url_for(".index"))


@bp.post("/read-all")
@login_required
def mark_all_read():
    if not ActionForm().validate_on_submit():
        abort(400)
    services.mark_all_read(current_user)
    return redirect(url_for(".index"))

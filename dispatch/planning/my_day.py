"""The technician's day (/my-day): ordered stops, status buttons and a private calendar feed."""
from __future__ import annotations

from datetime import date, timedelta

from flask import (
    Blueprint,
    Response,
    abort,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user

from dispatch.errors import DispatchError
from dispatch.extensions import limiter, login_manager
from dispatch.people.models import Role
from dispatch.types import utctoday

from . import field
from . import problem as builder
from .forms import ActionForm, VisitStepForm


bp = Blueprint("technician", __name__)
PUBLIC = {"technician.feed"}


@bp.before_request
def _technicians_only():
    if request.endpoint in PUBLIC:
        return None
    if not current_user.is_authenticated:
        return login_manager.unauthorized()
    if current_user.role != Role.TECHNICIAN:
        abort(404)


def _day() -> date:
    try:
        return date.fromisoformat(request.args.get("day", ""))
    except ValueError:
        return utctoday()


@bp.get("/")
def my_day():
    day = _day()
    stops = [{"visit": v, "tz": builder.ticket_zone(v.ticket).key,
              "point": builder.ticket_point(v.ticket)} for v in field.day_visits(current_user, day)]
    return render_template("planning/my_day.html", day=day, stops=stops, step=VisitStepForm(),
                           action=ActionForm(), has_feed=field.has_feed(current_user),
                           timedelta1=timedelta(days=1),
                           notifications=field.recent_notifications(current_user))


@bp.post("/visits/<int:visit_id>/<action>")
def advance(visit_id: int, action: str):
    visit = field.get_own_visit(current_user, visit_id)
    form = VisitStepForm()
    if not form.validate_on_submit():
        flash(_("Check the form: %(e)s", e="; ".join(
            str(e) for errs in form.errors.values() for e in errs) or _("it expired")), "warning")
    else:
        try:
            field.advance(visit, current_user, action, notes=form.notes.data or "",
                          time_spent_min=form.time_spent.data)
            flash(_("%(n)s: saved.", n=visit.ticket.number), "success")
        except DispatchError as err:
            flash(err.message, "warning")
    return redirect(url_for(".my_day", day=visit.day.isoformat()) + f"#visit-{visit.id}")


@bp.post("/calendar")
def new_feed():
    if ActionForm().validate_on_submit():
        token = field.new_feed_token(current_user)
        flash(_("Your private calendar address (shown once; keep it secret): %(url)s",
                url=url_for(".feed", token=token, _external=True)), "info")
    return redirect(url_for(".my_day"))


@bp.post("/calendar/revoke")
def revoke_feed():
    if ActionForm().validate_on_submit():
        field.revoke_feed(current_user)
        flash(_("The calendar address no longer works."), "success")
    return redirect(url_for(".my_day"))


@bp.get("/calendar/<token>.ics")
@limiter.limit("60 per minute")
def feed(token: str):
    user = field.feed_owner(token)
    body = field.calendar(user, request.host.split(":")[0] or "dispatch")
    response = Response(body, mimetype="text/calendar")
    response.headers["Cache-Control"] = "private, max-age=300"
    return response

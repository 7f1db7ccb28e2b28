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
from dispatch.maintenance import visits as maintenance
from dispatch.notifications.services import recent as recent_notifications
from dispatch.people.models import Role
from dispatch.planning import problem as builder
from dispatch.types import utctoday
from dispatch.web import private_page

from . import calendar, services
from .forms import ActionForm, VisitStepForm

bp = Blueprint("my_day", __name__)
PUBLIC = {"my_day.feed"}


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
def index():
    day = _day()
    visits = services.day_visits(current_user, day)
    checklists = maintenance.for_tickets(v.ticket_id for v in visits)
    stops = [
        {
            "visit": v,
            "tz": builder.ticket_zone(v.ticket).key,
            "point": builder.ticket_point(v.ticket),
            "checklist": checklists.get(v.ticket_id),
        }
        for v in visits
    ]
    return render_template(
        "my_day/day.html",
        day=day,
        stops=stops,
        step=VisitStepForm(),
        action=ActionForm(),
        has_feed=calendar.has_feed(current_user),
        timedelta1=timedelta(days=1),
        notifications=recent_notifications(current_user),
    )


@bp.post("/visits/<int:visit_id>/<action>")
def advance(visit_id: int, action: str):
    visit = services.get_own_visit(current_user, visit_id)
    form = VisitStepForm()
    if not form.validate_on_submit():
        flash(
            _(
                "Check the form: %(e)s",
                e="; ".join(str(e) for errs in form.errors.values() for e in errs)
                or _("it expired"),
            ),
            "warning",
        )
    else:
        try:
            services.advance(
                visit,
                current_user,
                action,
                notes=form.notes.data or "",
                time_spent_min=form.time_spent.data,
            )
            flash(_("%(n)s: saved.", n=visit.ticket.number), "success")
        except DispatchError as err:
            flash(err.message, "warning")
    return redirect(url_for(".index", day=visit.day.isoformat()) + f"#visit-{visit.id}")


@bp.post("/visits/<int:visit_id>/checklist")
def checklist(visit_id: int):
    """The technician's ticks on a preventive visit's checklist."""
    visit = services.get_own_visit(current_user, visit_id)
    if ActionForm().validate_on_submit():
        ticked = [int(i) for i in request.form.getlist("item") if i.isdigit() and len(i) < 4]
        try:
            maintenance.tick_checklist(visit, current_user, ticked)
            flash(_("%(n)s: checklist saved.", n=visit.ticket.number), "success")
        except DispatchError as err:
            flash(err.message, "warning")
    return redirect(url_for(".index", day=visit.day.isoformat()) + f"#visit-{visit.id}")


@bp.post("/calendar")
def new_feed():
    """The new address is shown once, on a page that is not cached — never flashed: flashes
    travel in the session cookie."""
    if not ActionForm().validate_on_submit():
        return redirect(url_for(".index"))
    token = calendar.new_feed_token(current_user)
    url = url_for(".feed", token=token, _external=True)
    return private_page(render_template("my_day/feed_created.html", url=url))


@bp.post("/calendar/revoke")
def revoke_feed():
    if ActionForm().validate_on_submit():
        calendar.revoke_feed(current_user)
        flash(_("The calendar address no longer works."), "success")
    return redirect(url_for(".index"))


@bp.get("/calendar/<token>.ics")
@limiter.limit("60 per minute")
def feed(token: str):
    user = calendar.feed_owner(token)
    body = calendar.calendar(user, request.host.split(":")[0] or "dispatch")
    response = Response(body, mimetype="text/calendar")
    response.headers["Cache-Control"] = "private, max-age=300"
    return response

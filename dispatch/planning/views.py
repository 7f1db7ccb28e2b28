"""The planning board (/planning): dispatchers and admins only; everyone else gets 404."""
from __future__ import annotations

from flask import Blueprint, abort, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from dispatch.errors import DispatchError, ValidationError
from dispatch.extensions import db, login_manager
from dispatch.people.models import Role
from dispatch.sites.models import Site

from . import board, services, sources
from .forms import ActionForm, MoveForm, PlanForm, ReplanForm
from .models import VisitStatus
from .replan import replan_today
from .runs import _today, start_run
from .runs import status as run_status

bp = Blueprint("planning", __name__)
ROLES = (Role.DISPATCHER, Role.ADMIN)


@bp.before_request
def _dispatchers_only():
    if not current_user.is_authenticated:
        return login_manager.unauthorized()
    if current_user.role not in ROLES:
        abort(404)


def _plan_form() -> PlanForm:
    form = PlanForm()
    form.sites.choices = [(s.id, s.name) for s in db.session.scalars(
        db.select(Site).where(Site.active.is_(True)).order_by(Site.name))]
    if form.day.data is None and request.method == "GET":
        form.day.data = _today()
    return form


@bp.get("/")
def index():
    return render_template("planning/index.html", form=_plan_form(), replan=ReplanForm(),
                           runs=services.recent_runs())


@bp.post("/")
def start():
    form = _plan_form()
    if form.validate_on_submit():
        try:
            run = start_run(current_user, form.day.data, form.days.data, site_ids=form.sites.data,
                            region=form.region.data or "", time_limit=form.time_limit.data)
            return redirect(url_for(".show", run_id=run.id))
        except ValidationError as err:
            getattr(form, err.field or "day", form.day).errors.append(err.message)
        except DispatchError as err:
            flash(err.message, "warning")
    return render_template("planning/index.html", form=form, replan=ReplanForm(),
                           runs=services.recent_runs()), 400


@bp.post("/replan")
def replan():
    form = ReplanForm()
    if form.validate_on_submit():
        try:
            run = replan_today(current_user, form.ticket.data, form.time_limit.data)
            return redirect(url_for(".show", run_id=run.id))
        except DispatchError as err:
            flash(err.message, "warning")
    else:
        flash(_("Check the re-plan form: %(e)s", e="; ".join(
            str(e) for errs in form.errors.values() for e in errs)), "warning")
    return redirect(url_for(".index"))


@bp.get("/runs/<int:run_id>")
def show(run_id: int):
    run = services.get_run(run_id)
    move = MoveForm()
    move.technician.choices = [(u.id, u.name) for u in sources.technicians()]
    return render_template("planning/board.html", run=run, state=run_status(run),
                           rows=board.rows(run), map_data=board.map_data(run),
                           action=ActionForm(), move=move,
                           VisitStatus=VisitStatus)


@bp.get("/runs/<int:run_id>/status.json", endpoint="status")
def status_json(run_id: int):
    run = services.get_run(run_id)
    visits = {v.id: v.status for v in services.visits_of(run, (run.options or {}).get("kept", []))}
    return jsonify({**run_status(run), "visits": visits})


def _act(run_id: int, form, work, done: str):
    run = services.get_run(run_id)
    if not form.validate_on_submit():
        flash(_("The form expired or was incomplete; try again."), "warning")
    else:
        try:
            result = work(run)
            flash(done, "success")
            if result is not None and getattr(result, "id", run.id) != run.id:
                return redirect(url_for(".show", run_id=result.id))
        except DispatchError as err:
            flash(err.message, "warning")
    return redirect(url_for(".show", run_id=run.id))


@bp.post("/runs/<int:run_id>/visits/<int:visit_id>/pin")
def pin(run_id: int, visit_id: int):
    pinned = request.form.get("pinned", "1") == "1"
    return _act(run_id, ActionForm(),
                lambda run: services.set_pinned(run, visit_id, pinned) and None,
                _("Pinned: the next re-run keeps it.") if pinned else _("Released."))


@bp.post("/runs/<int:run_id>/visits/<int:visit_id>/move")
def move(run_id: int, visit_id: int):
    form = MoveForm()
    form.technician.choices = [(u.id, u.name) for u in sources.technicians()]
    return _act(run_id, form, lambda run: services.move_visit(
        run, visit_id, form.technician.data, form.day.data, form.start.data) and None,
        _("Moved and pinned. Re-run to fit the other visits around it."))


@bp.post("/runs/<int:run_id>/visits/<int:visit_id>/remove")
def remove(run_id: int, visit_id: int):
    return _act(run_id, ActionForm(), lambda run: services.remove_visit(run, visit_id),
                _("Removed from the plan."))


@bp.post("/runs/<int:run_id>/rerun")
def rerun(run_id: int):
    return _act(run_id, ActionForm(), lambda run: services.rerun(run, current_user),
                _("Re-planning, keeping the pinned visits…"))


@bp.post("/runs/<int:run_id>/publish")
def publish(run_id: int):
    return _act(run_id, ActionForm(), lambda run: services.publish(run, current_user) and None,
                _("Published: the tickets are scheduled and the technicians told."))

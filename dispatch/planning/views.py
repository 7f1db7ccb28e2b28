"""The planning board (/planning): dispatchers and admins only; everyone else gets 404."""

from __future__ import annotations

from datetime import date, datetime, time
from zoneinfo import ZoneInfo

from flask import Blueprint, abort, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import format_date
from flask_babel import gettext as _
from flask_login import current_user
from flask_wtf.csrf import CSRFError

from dispatch import labels
from dispatch.collation import name_order
from dispatch.errors import DispatchError, ValidationError, page_message
from dispatch.extensions import db, login_manager
from dispatch.people.models import Role
from dispatch.sites.models import Site
from dispatch.tickets.models import Ticket
from dispatch.types import utctoday

from . import board, booking, services, sources
from . import problem as builder
from .engine_reasons import say
from .forms import ActionForm, BookForm, MoveForm, PlanForm, ReplanForm
from .models import PlanRun, RunStatus, Visit, VisitStatus
from .replan import replan_today
from .runs import start_run
from .runs import status as run_status
from .visit_html import visit_blocks, visit_rows

bp = Blueprint("planning", __name__)
bp.add_app_template_global(say, "plan_text")
bp.add_app_template_global(visit_rows, "visit_rows")
bp.add_app_template_global(visit_blocks, "visit_blocks")
ROLES = (Role.DISPATCHER, Role.ADMIN)


@bp.before_request
def _dispatchers_only():
    if not current_user.is_authenticated:
        return login_manager.unauthorized()
    if current_user.role not in ROLES:
        abort(404)


def _plan_form() -> PlanForm:
    form = PlanForm()
    form.sites.choices = [
        (s.id, s.name)
        for s in db.session.scalars(
            db.select(Site).where(Site.active.is_(True)).order_by(name_order(Site.name))
        )
    ]
    if form.day.data is None and request.method == "GET":
        form.day.data = utctoday()
    return form


@bp.get("/")
def index():
    return render_template(
        "planning/index.html", form=_plan_form(), replan=ReplanForm(), runs=services.recent_runs()
    )


@bp.post("/")
def start():
    form = _plan_form()
    if form.validate_on_submit():
        try:
            run = start_run(
                current_user,
                form.day.data,
                form.days.data,
                site_ids=form.sites.data,
                region=form.region.data or "",
                time_limit=form.time_limit.data,
            )
            if run.status == RunStatus.FAILED:  # the job queue is down: say so at once
                flash(say(run.message_data or run.message), "warning")
            return redirect(url_for(".show", run_id=run.id))
        except ValidationError as err:
            getattr(form, err.field or "day", form.day).errors.append(err.message)
        except DispatchError as err:
            flash(err.message, "warning")
    return render_template(
        "planning/index.html", form=form, replan=ReplanForm(), runs=services.recent_runs()
    ), 400


@bp.post("/replan")
def replan():
    form = ReplanForm()
    if form.validate_on_submit():
        try:
            run = replan_today(current_user, form.ticket.data, form.time_limit.data)
            if run.status == RunStatus.FAILED:
                flash(say(run.message_data or run.message), "warning")
            return redirect(url_for(".show", run_id=run.id))
        except DispatchError as err:
            flash(err.message, "warning")
    else:
        flash(
            _(
                "Check the re-plan form: %(e)s",
                e="; ".join(str(e) for errs in form.errors.values() for e in errs),
            ),
            "warning",
        )
    return redirect(url_for(".index"))


def _wants_json() -> bool:
    """The board's script asks for JSON (fetch with ``Accept: application/json``)."""
    return (
        request.accept_mimetypes.best_match(("text/html", "application/json")) == "application/json"
        and "text/html" not in request.accept_mimetypes.values()
    )


@bp.errorhandler(CSRFError)
def _csrf_error(err: CSRFError):
    if _wants_json():
        return jsonify(
            {"error": _("The page expired: reload it and try again."), "status": 400}
        ), 400
    return render_template("error.html", code=400, message=page_message(err)), 400


def _move_form() -> MoveForm:
    form = MoveForm()
    form.technician.choices = [(u.id, u.name) for u in sources.technicians()]
    return form


def _board(run: PlanRun) -> dict:
    """What the board's templates need (the page, and the parts a drag refreshes)."""
    visits = board.board_visits(run)
    line = board.timeline(run, visits)
    move = _move_form()
    return {
        "run": run,
        "line": line,
        "rows": line.rows,
        "map_data": board.map_data(run, line.colours, visits),
        "action": ActionForm(),
        "move": move,
        "VisitStatus": VisitStatus,
    }


@bp.get("/runs/<int:run_id>")
def show(run_id: int):
    run = services.get_run(run_id)
    parts = _board(run)
    return render_template(
        "planning/board.html",
        state=run_status(run),
        technician_options=board.technician_options(parts["move"].technician.choices),
        unplanned=board.unplanned(run),
        missing_sites=board.sites_needing_location(run),
        **parts,
    )


@bp.get("/runs/<int:run_id>/status.json", endpoint="status")
def status_json(run_id: int):
    run = services.get_run(run_id)
    # The labels the page shows (the script writes them as they are), in the page's language.
    kept = (run.options or {}).get("kept", [])
    visits = {
        v.id: str(labels.VISIT_STATUS.get(v.status, v.status))
        for v in services.visits_of(run, kept)
    }
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
    return _act(
        run_id,
        ActionForm(),
        lambda run: services.set_pinned(run, visit_id, pinned) and None,
        _("Pinned: the next re-run keeps it.") if pinned else _("Released."),
    )


def _site_start(run: PlanRun, visit_id: int, form: MoveForm) -> tuple[date, time]:
    """The form's day and start on the site's clock. The timeline sends the start on the
    technician's clock (its rows are drawn in their time zone): convert it."""
    day, start = form.day.data, form.start.data
    visit = db.session.get(Visit, visit_id)
    if form.clock.data != "technician" or visit is None:
        return day, start
    if not run.first_day <= day <= run.last_day:
        return day, start  # move_visit refuses it (converting it could overflow the calendar)
    shifts = sources.shifts_for(day, [form.technician.data])
    if not shifts:
        return day, start  # move_visit says that they do not work that day
    moment = datetime.combine(day, start, ZoneInfo(shifts[0].timezone))
    local = moment.astimezone(builder.ticket_zone(visit.ticket))
    if local.date() != day:
        raise ValidationError(_("That time is on another day at the site."), field="start")
    return day, local.time().replace(second=0, microsecond=0)


def _moved(run: PlanRun, visit_id: int, form: MoveForm):
    return services.move_visit(
        run,
        visit_id,
        form.technician.data,
        *_site_start(run, visit_id, form),
        seen=form.seen.data or None,
    )


# One rule for both methods: with a GET rule and a POST rule of the same path, werkzeug answers
# 405 rather than 404 to a POST whose id no rule accepts (a number beyond the key's range).
@bp.route("/runs/<int:run_id>/visits/<int:visit_id>/move", methods=["GET", "POST"])
def move(run_id: int, visit_id: int):
    if request.method == "GET":
        return _move_page(run_id, visit_id)
    form = _move_form()
    done = _("Moved and pinned. Re-run to fit the other visits around it.")
    if _wants_json():
        return _move_json(run_id, visit_id, form, done)
    return _act(run_id, form, lambda run: _moved(run, visit_id, form) and None, done)


def _move_page(run_id: int, visit_id: int):
    """One visit's move form, filled in: where the board's Move leads without a script."""
    run = services.get_run(run_id)
    visit = db.session.get(Visit, visit_id)
    if visit is None or visit.plan_run_id != run.id or run.status != RunStatus.DONE:
        abort(404)
    move = _move_form()
    return render_template(
        "planning/move.html",
        run=run,
        visit=visit,
        start=board.site_start(visit),
        move=move,
        options=board.technician_options(move.technician.choices, visit.technician_id),
    )


def _move_json(run_id: int, visit_id: int, form: MoveForm, done: str):
    """The timeline's drag and drop: the same checks as the form; the refreshed parts of the
    board, or the reason it was refused (the script puts the visit back; when someone else
    moved it meanwhile, the answer also has the board as it is now, which the script shows)."""
    try:
        run = services.get_run(run_id)
        if not form.validate_on_submit():
            problems = "; ".join(str(e) for errs in form.errors.values() for e in errs)
            raise ValidationError(_("Check the move: %(e)s", e=problems))
        visit = _moved(run, visit_id, form)
    except DispatchError as err:
        db.session.rollback()
        answer = {"error": err.message, "field": err.field, "status": err.status}
        if isinstance(err, services.VisitMoved):
            answer.update(_board_parts(run))  # show the dispatcher where it is now
        return jsonify(answer), err.status
    return jsonify({"message": done, "visit": visit.id, **_board_parts(run)})


def _board_parts(run: PlanRun) -> dict:
    """The parts of the board the timeline's script replaces after a drop."""
    parts = _board(run)
    return {
        "timeline": render_template("planning/_timeline.html", **parts),
        "visits": render_template("planning/_visits.html", **parts),
        "map": parts["map_data"],
    }


@bp.post("/runs/<int:run_id>/visits/<int:visit_id>/remove")
def remove(run_id: int, visit_id: int):
    return _act(
        run_id,
        ActionForm(),
        lambda run: services.remove_visit(run, visit_id),
        _("Removed from the plan."),
    )


@bp.post("/runs/<int:run_id>/rerun")
def rerun(run_id: int):
    return _act(
        run_id,
        ActionForm(),
        lambda run: services.rerun(run, current_user),
        _("Re-planning, keeping the pinned visits…"),
    )


@bp.post("/runs/<int:run_id>/again")
def again(run_id: int):
    return _act(
        run_id,
        ActionForm(),
        lambda run: services.plan_again(run, current_user),
        _("Planning again…"),
    )


@bp.post("/runs/<int:run_id>/publish")
def publish(run_id: int):
    return _act(
        run_id,
        ActionForm(),
        lambda run: services.publish(run, current_user) and None,
        _("Published: the tickets are scheduled and the technicians told."),
    )


def _ticket(ticket_id: int) -> Ticket:
    ticket = db.session.get(Ticket, ticket_id)
    if ticket is None:
        abort(404)
    return ticket


@bp.get("/tickets/<int:ticket_id>/slots")
def slots(ticket_id: int):
    """The best slots for one ticket's visit, each with its button to book it. Computed while
    the page is made: the engine takes milliseconds (see :mod:`.booking`)."""
    ticket = _ticket(ticket_id)
    found, problem = booking.Found([], []), None
    try:
        found = booking.find_slots(ticket)
    except DispatchError as err:
        problem = err.message
    return render_template(
        "planning/slots.html", ticket=ticket, found=found, problem=problem, form=BookForm()
    )


@bp.post("/tickets/<int:ticket_id>/slots/book")
def book(ticket_id: int):
    ticket = _ticket(ticket_id)
    form = BookForm()
    again = redirect(url_for(".slots", ticket_id=ticket.id))
    if not form.validate_on_submit():
        flash(_("Choose one of the slots shown."), "warning")
        return again
    try:
        start = datetime.fromisoformat(form.start.data)
        if start.tzinfo is None:
            raise ValueError(form.start.data)
    except ValueError:
        flash(_("Choose one of the slots shown."), "warning")
        return again
    try:
        visit = booking.book_slot(
            ticket, current_user, form.technician.data, form.day.data, start, form.stamp.data
        )
    except DispatchError as err:
        db.session.rollback()
        flash(err.message, "warning")
        return again
    flash(
        _(
            "Booked and pinned: %(n)s with %(name)s on %(day)s.",
            n=ticket.number,
            name=visit.technician.name,
            day=format_date(visit.day, "EEEE d MMMM"),
        ),
        "success",
    )
    return redirect(url_for("desk.ticket", ticket_id=ticket.id))

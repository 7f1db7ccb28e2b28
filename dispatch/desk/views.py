"""Staff pages: the dispatcher's inbox and export, the agent's queue, the technician's jobs, and
the actions of the staff panel on a ticket page. Views parse, call a service, then redirect or
re-show the panel with the user's input, the errors and, on a conflict, the current state."""

from __future__ import annotations

from datetime import date

from flask import (
    Blueprint,
    Response,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user

from dispatch.auth.services import roles_required, safe_next
from dispatch.desk import queries
from dispatch.desk.forms import (
    AssignForm,
    BulkForm,
    CatalogForm,
    ClaimForm,
    InboxFilterForm,
    LinkForm,
    MergeForm,
    PointForm,
    StatusForm,
    ticket_ref,
    to_utc,
)
from dispatch.desk.panel import (
    DISPATCH_ROLES,
    FOLDS,
    QUEUE_ROLES,
    STAFF_ROLES,
    fold_form,
    folds,
    panel_state,
    shown_panel,
)
from dispatch.errors import Conflict, DispatchError, Forbidden, NotFound, ValidationError
from dispatch.extensions import db, limiter
from dispatch.people.models import Role
from dispatch.sla import status as sla_status
from dispatch.tickets import dispatching, job_places, services
from dispatch.tickets.access import get_staff_ticket, get_visible_ticket
from dispatch.tickets.event_text import describe
from dispatch.tickets.models import Kind, TechnicianRule
from dispatch.types import utcnow

bp = Blueprint("desk", __name__)
# The staff panel's latest events read as the ticket history's sentences.
bp.add_app_template_global(describe, "describe_event")


@bp.app_context_processor
def _panel_helper():
    def desk_panel(ticket):
        if not current_user.is_authenticated:
            return None
        return shown_panel(ticket, current_user, lazy=True)

    return {"desk_panel": desk_panel}


# --- lists --------------------------------------------------------------------------------------


def _inbox_filters() -> tuple[InboxFilterForm, dict]:
    form = InboxFilterForm(request.args).fill_choices()
    form.validate()  # a bad value only drops that filter
    values = {
        name: form[name].data
        for name in (
            "site",
            "department",
            "category",
            "kind",
            "status",
            "priority",
            "age",
            "sla",
            "sort",
            "dir",
        )
    }
    values["q"] = (form.q.data or "").strip()[:200]
    return form, values


def _say_if_reset(page) -> None:
    if page.extra.get("reset"):
        flash(_("That page link is not valid for this list: here is its first page."), "warning")


@bp.get("/inbox")
@roles_required(*DISPATCH_ROLES)
def inbox():
    filters, values = _inbox_filters()
    page = queries.ticket_page(
        queries.inbox_query(current_user, values),
        queries.inbox_keys(values),
        queries.inbox_order(values),
        request.args.get("cursor", ""),
        current_app.config["TICKETS_PER_PAGE"],
    )
    _say_if_reset(page)
    bulk = BulkForm(formdata=None, next=request.full_path).fill_choices()
    due = sla_status.due_left(page.items, utcnow())
    return render_template(
        "desk/inbox.html", filters=filters, values=values, page=page, bulk=bulk, due=due
    )


@bp.get("/export.csv")
@roles_required(*DISPATCH_ROLES)
@limiter.limit("10 per minute")
def export():
    _, values = _inbox_filters()
    text = queries.export_csv(queries.inbox_query(current_user, values))
    name = f"tickets-{date.today().isoformat()}.csv"
    return Response(
        "\ufeff" + text,
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


@bp.get("/queue")
@roles_required(*QUEUE_ROLES)
def queue():
    tab = request.args.get("tab", "mine")
    tab = tab if tab in queries.QUEUE_TABS else "mine"
    sort = "due" if request.args.get("sort") == "due" else ""
    keys = queries.QUEUE_DUE_KEYS if sort else queries.QUEUE_KEYS
    page = queries.ticket_page(
        queries.queue_query(current_user, tab, keys),
        keys,
        f"queue:{tab}:{sort}",
        request.args.get("cursor", ""),
        current_app.config["TICKETS_PER_PAGE"],
    )
    _say_if_reset(page)
    return render_template(
        "desk/queue.html",
        tab=tab,
        sort=sort,
        page=page,
        due=sla_status.due_left(page.items, utcnow()),
        counts=queries.queue_counts(current_user),
        cap=queries.COUNT_CAP,
        claim_form=ClaimForm(formdata=None),
    )


@bp.get("/jobs")
@roles_required(Role.TECHNICIAN)
def jobs():
    tickets = db.session.scalars(
        queries.with_row_data(queries.jobs_query(current_user)).limit(500)
    ).all()
    return render_template("desk/jobs.html", tickets=tickets)


# --- the staff panel ----------------------------------------------------------------------------


@bp.get("/tickets/<int:ticket_id>")
@roles_required(*STAFF_ROLES)
def ticket(ticket_id: int):
    ticket = get_visible_ticket(current_user, ticket_id)
    opened = request.args.get("open")
    state = shown_panel(ticket, current_user, next_url="", open=opened if opened in FOLDS else None)
    if state is None:  # seen only as its requester, or another group's: no staff actions
        raise Forbidden(
            _("You can see %(n)s but do not work on it: open it as a request.", n=ticket.number)
        )
    return render_template("desk/ticket.html", ticket=ticket, desk_panel_state=state)


@bp.get("/tickets/<int:ticket_id>/folds/<name>")
@roles_required(*DISPATCH_ROLES)
def fold(ticket_id: int, name: str):
    """One folded form of the panel, alone: the ticket page fetches it when the fold is opened.
    The same checks as the form it posts to; ``next`` is where that form returns."""
    ticket = get_staff_ticket(current_user, ticket_id)
    if name not in folds(ticket, current_user):
        raise NotFound(_("This ticket has no such form."))
    form = fold_form(ticket, name)
    form.next.data = safe_next(request.args.get("next")) or ""
    tz = ticket.site.timezone if ticket.site else None
    return render_template("desk/fold.html", ticket=ticket, name=name, form=form, tz=tz)


def _summary(form) -> list[tuple[str, str]]:
    """What the user tried to save, in words, to show beside the other person's change."""
    shown = []
    for f in form:
        if f.short_name in ("version", "next", "csrf_token") or f.data in (None, "", []):
            continue
        choices = dict((str(k), v) for k, v in _flat_choices(f))
        values = f.data if isinstance(f.data, list) else [f.data]
        shown.append(
            (
                str(f.label.text) or f.short_name,
                ", ".join(str(choices.get(str(v), v)) for v in values),
            )
        )
    return shown


def _flat_choices(field):
    return [(c.value, c.label) for c in getattr(field, "choices", None) or []]


def _act(ticket_id: int, key: str, form, run, done: str, get_ticket=get_staff_ticket):
    """Validate the form, run the service; on failure re-show the panel, never overwrite.
    The ticket must be one the user works on (claiming: one they see; the service decides)."""
    ticket = get_ticket(current_user, ticket_id)
    message, status, forms = _("Check the fields marked below."), 400, {key: form}
    if form.validate_on_submit():
        try:
            run(ticket, form)
            flash(done, "success")
            return redirect(safe_next(form.next.data) or url_for("tickets.detail", id=ticket.id))
        except Forbidden:
            db.session.rollback()
            raise  # an error page, not the panel: there is nothing here they may do
        except Conflict as err:
            db.session.rollback()
            return render_template(
                "desk/ticket.html",
                ticket=ticket,
                desk_panel_state=panel_state(
                    ticket,
                    current_user,
                    next_url=form.next.data or "",
                    message=err.message,
                    conflict=True,
                    attempt=_summary(form),
                ),
            ), 409
        except DispatchError as err:
            db.session.rollback()
            message, status = err.message, err.status
            for name, errors in getattr(err, "errors", {}).items():
                if name in form._fields:
                    form[name].errors = list(form[name].errors) + list(errors)
    return render_template(
        "desk/ticket.html",
        ticket=ticket,
        desk_panel_state=panel_state(
            ticket, current_user, forms=forms, next_url=form.next.data or "", message=message
        ),
    ), status


def _run_catalog(ticket, form):
    tz = ticket.site.timezone if ticket.site else None
    dispatching.catalog(
        ticket,
        current_user,
        expected_version=form.expected_version,
        kind=form.kind.data,
        category_id=form.category.data,
        priority=form.priority.data,
        duration_min=form.duration_min.data,
        skill_ids=form.skills.data or None,
        access_from=form.access_from.data,
        access_until=form.access_until.data,
        appointment_start=to_utc(form.appointment_start.data, tz),
        appointment_end=to_utc(form.appointment_end.data, tz),
        due_at=to_utc(form.due_at.data, tz),
        assignee_id=form.assignee.data,
        group_id=form.group.data,
        address=form.address.data if form.address.raw_data else None,
        technicians={
            TechnicianRule.REQUIRED: form.required_technicians.data or [],
            TechnicianRule.PROHIBITED: form.prohibited_technicians.data or [],
            TechnicianRule.PREFERRED: [p for p in [form.preferred_technician.data] if p],
        },
    )


@bp.post("/tickets/<int:ticket_id>/catalog")
@roles_required(*DISPATCH_ROLES)
def catalog(ticket_id: int):
    form = CatalogForm(prefix="catalog").fill_choices()
    return _act(ticket_id, "catalog", form, _run_catalog, _("Ticket catalogued."))


@bp.post("/tickets/<int:ticket_id>/assign")
@roles_required(*DISPATCH_ROLES)
def assign(ticket_id: int):
    form = AssignForm(prefix="assign").fill_choices(None)
    return _act(
        ticket_id,
        "assign",
        form,
        lambda t, f: dispatching.assign(
            t,
            current_user,
            expected_version=f.expected_version,
            assignee_id=f.assignee.data,
            group_id=f.group.data,
        ),
        _("Assignment saved."),
    )


@bp.post("/tickets/<int:ticket_id>/claim")
@roles_required(*QUEUE_ROLES)
def claim(ticket_id: int):
    form = ClaimForm(prefix="claim")
    return _act(
        ticket_id,
        "claim",
        form,
        lambda t, f: dispatching.claim(t, current_user, f.expected_version),
        _("The ticket is yours."),
        get_ticket=get_visible_ticket,
    )


def _run_status(ticket, form):
    services.check_version(ticket, form.expected_version)
    target = form.target.data
    if target not in dispatching.status_targets(ticket):
        raise ValidationError(
            _("This ticket cannot move there from its current status."), field="target"
        )
    if target == "reopen":
        services.reopen(ticket, current_user, form.note.data or "")
    else:
        services.change_status(
            ticket,
            current_user,
            target,
            expected_version=form.expected_version,
            note=form.note.data or "",
        )


@bp.post("/tickets/<int:ticket_id>/status")
@roles_required(*STAFF_ROLES)
def status(ticket_id: int):
    form = StatusForm(prefix="status")
    return _act(ticket_id, "status", form, _run_status, _("Status changed."))


def _other(form_field) -> object:
    """The ticket a '#N' field names, as this user sees it; an unknown one is a field error."""
    number = ticket_ref(form_field.data)
    try:
        return get_visible_ticket(current_user, number) if number else None
    except NotFound:
        raise ValidationError(
            _("No ticket #%(n)s.", n=number), field=form_field.short_name
        ) from None


@bp.post("/tickets/<int:ticket_id>/merge")
@roles_required(*DISPATCH_ROLES)
def merge(ticket_id: int):
    form = MergeForm(prefix="merge")
    return _act(
        ticket_id,
        "merge",
        form,
        lambda t, f: dispatching.merge(
            t, _other(f.target), current_user, expected_version=f.expected_version
        ),
        _("Merged; this ticket is closed."),
    )


@bp.post("/tickets/<int:ticket_id>/link")
@roles_required(*DISPATCH_ROLES)
def link(ticket_id: int):
    form = LinkForm(prefix="link")
    return _act(
        ticket_id,
        "link",
        form,
        lambda t, f: dispatching.link_parent(
            t, _other(f.parent), current_user, expected_version=f.expected_version
        ),
        _("Link saved."),
    )


def _selected() -> tuple[list[int], dict[int, int]]:
    """The inbox's checkboxes send 'id:version' (the version the dispatcher saw)."""
    ids, versions = [], {}
    for raw in request.form.getlist("ticket")[: dispatching.BULK_MAX + 1]:
        number, _sep, version = raw.partition(":")
        if number.isdigit() and len(number) < 12:
            ids.append(int(number))
            if version.isdigit() and len(version) < 12:
                versions[int(number)] = int(version)
    return ids, versions


@bp.post("/bulk")
@roles_required(*DISPATCH_ROLES)
def bulk():
    form = BulkForm().fill_choices()
    back = safe_next(form.next.data) or url_for("desk.inbox")
    if not form.validate_on_submit():
        problems = "; ".join(str(e) for errors in form.errors.values() for e in errors)
        flash(_("Nothing was changed: %(m)s", m=problems), "danger")
        return redirect(back)
    ids, versions = _selected()
    try:
        done = dispatching.bulk_catalog(
            ids,
            current_user,
            kind=form.kind.data,
            category_id=form.category.data,
            priority=form.priority.data or None,
            expected_versions=versions,
            address=form.address.data or None,
        )
    except DispatchError as err:
        db.session.rollback()
        flash(_("Nothing was changed: %(m)s", m=err.message), "danger")
        return redirect(back)
    flash(
        ngettext("%(num)d ticket catalogued.", "%(num)d tickets catalogued.", len(done)), "success"
    )
    lost = [t.number for t in done if job_places.address_unlocated(t)]
    if lost:
        flash(
            _(
                "The address could not be located, so the planner cannot place %(tickets)s yet: "
                "open each ticket and set its point on the map.",
                tickets=", ".join(lost),
            ),
            "warning",
        )
    return redirect(back)


@bp.route("/tickets/<int:ticket_id>/point", methods=["GET", "POST"])
@roles_required(*DISPATCH_ROLES)
def job_point(ticket_id: int):
    """Place an on-site job on the map: click or drag the marker (or type the numbers)."""
    ticket = get_staff_ticket(current_user, ticket_id)
    if ticket.kind != Kind.ONSITE:
        raise NotFound(_("Only on-site jobs have a point of their own."))
    form, message, status = PointForm(prefix="point"), None, 200
    if request.method == "GET":
        form = PointForm.for_ticket(ticket)
    elif form.validate_on_submit():
        try:
            job_places.set_point(
                ticket,
                current_user,
                expected_version=form.expected_version,
                latitude=form.latitude.data,
                longitude=form.longitude.data,
            )
        except Conflict as err:
            db.session.rollback()
            form, message, status = PointForm.for_ticket(ticket), err.message, 409
        except ValidationError as err:
            db.session.rollback()
            for name, errors in err.errors.items():
                if name in form._fields:
                    form[name].errors = list(form[name].errors) + list(errors)
            message, status = err.message, 400
        else:
            flash(_("The job's point was saved."), "success")
            return redirect(url_for("tickets.detail", id=ticket.id))
    else:
        status = 400
    site = ticket.site
    center = (site.latitude, site.longitude) if site is not None and site.has_location else None
    return render_template(
        "desk/point.html", ticket=ticket, form=form, message=message, center=center
    ), status

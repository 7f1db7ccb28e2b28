"""Ticket pages. Views stay thin: parse, call a service, render or redirect."""

from __future__ import annotations

import math

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    send_file,
    url_for,
)
from flask_babel import format_decimal
from flask_babel import gettext as _
from flask_limiter.util import get_remote_address
from flask_login import current_user, login_required
from werkzeug.exceptions import RequestedRangeNotSatisfiable

from dispatch.errors import Conflict, TransitionError, ValidationError
from dispatch.extensions import db, limiter
from dispatch.tickets import queries, services, workflow
from dispatch.tickets.access import get_visible_ticket, sees_as_staff
from dispatch.tickets.attachments import open_attachment, served_inline
from dispatch.tickets.forms import CommentForm, ReopenForm, RequestForm
from dispatch.tickets.models import Attachment
from dispatch.tickets.page import detail_context, extra_errors_for, request_context
from dispatch.web import page_number

bp = Blueprint("tickets", __name__)

# Where each role lands after signing in.
HOME = {
    "employee": "tickets.mine",
    "agent": "desk.queue",
    "technician": "desk.jobs",
    "dispatcher": "desk.inbox",
    "admin": "desk.inbox",
}


def _per_user() -> str:
    # Per person, not per address: a whole office may share one NAT address.
    return f"user:{current_user.id}" if current_user.is_authenticated else get_remote_address()


submit_limit = limiter.shared_limit(
    lambda: current_app.config["SUBMIT_RATE_LIMIT"],
    scope="submit",
    key_func=_per_user,
    methods=["POST"],
)
comment_limit = limiter.limit(
    lambda: current_app.config.get("COMMENT_RATE_LIMIT", "120 per hour"),
    key_func=_per_user,
    methods=["POST"],
)


@bp.get("/")
@login_required
def home():
    endpoint = HOME.get(current_user.role, "tickets.mine")
    if endpoint not in current_app.view_functions:  # a blueprint still being written
        endpoint = "tickets.mine"
    return redirect(url_for(endpoint))


@bp.route("/tickets/new", methods=["GET", "POST"])
@login_required
@submit_limit
def new():
    return _request_page(RequestForm(data=_defaults()))


@bp.route("/tickets/<int:id>/follow-up", methods=["GET", "POST"])
@login_required
@submit_limit
def follow_up(id: int):
    parent = get_visible_ticket(current_user, id)
    return _request_page(RequestForm(data=_defaults(parent)), parent)


def _defaults(parent=None) -> dict:
    if parent is None:
        return {"site": str(current_user.site_id or "")}
    return {
        "site": str(parent.site_id or ""),
        "category": str(parent.category_id or ""),
        "building": parent.building,
        "floor": parent.floor,
        "room": parent.room,
        "asset": str(parent.asset_id or ""),
        "subject": (_("Follow-up to %(n)s: ", n=parent.number) + parent.subject)[:200],
    }


def _request_page(form: RequestForm, parent=None):
    sites, categories = queries.active_sites(), queries.active_categories()
    form.set_choices(
        sites, categories, site_required=any(s.id == current_user.site_id for s in sites)
    )
    status, extra_errors = 200, {}
    if form.validate_on_submit():
        try:
            data = form.to_new_ticket(request.form, parent.id if parent else None)
            ticket = services.create_ticket(current_user, data, files=form.attachments.data or [])
        except ValidationError as exc:
            extra_errors = form.add_errors(exc.errors or {"form": [exc.message]})
            # An id the form never offered is a bad request; a missing subject is not.
            status = 400 if {"site", "category", "asset"} & set(exc.errors) else 200
        else:
            flash(
                _(
                    "Thank you. Your request is %(n)s; we will keep you posted here.",
                    n=ticket.number,
                ),
                "success",
            )
            return redirect(url_for(".detail", id=ticket.known_id))
    elif form.is_submitted():
        extra_errors = extra_errors_for(form, categories, request.form)
    ctx = request_context(
        form, categories, parent, extra_errors, request.form, request.args, current_user
    )
    return render_template("tickets/request_form.html", **ctx), status


@bp.get("/tickets/nearest-site")
@login_required
def nearest_site():
    lat, lon = request.args.get("lat", type=float), request.args.get("lon", type=float)
    if (
        lat is None
        or lon is None
        or not (math.isfinite(lat) and math.isfinite(lon))
        or not (-90 <= lat <= 90 and -180 <= lon <= 180)
    ):
        return jsonify(error=_("A position needs a valid latitude and longitude."), status=400), 400
    found = queries.nearest_site(lat, lon)
    # "km" is the number; "distance" the same as the page's language writes it ("2,3").
    site = (
        None
        if found is None
        else {
            "id": found.site.id,
            "name": found.site.name,
            "km": round(found.km, 1),
            "distance": format_decimal(round(found.km, 1), "#,##0.0"),
        }
    )
    return jsonify(site=site)


@bp.get("/tickets/mine")
@login_required
def mine():
    show = request.args.get("show", "all")
    show = show if show in queries.SHOW else "all"
    page = db.paginate(
        queries.my_requests(current_user, show),
        page=page_number(),
        per_page=current_app.config["TICKETS_PER_PAGE"],
        error_out=False,
    )
    return render_template("tickets/mine.html", page=page, show=show, next_step=workflow.next_step)


@bp.get("/tickets/<int:id>")
@login_required
def detail(id: int):
    return _detail_page(get_visible_ticket(current_user, id))


def _detail_page(ticket, comment_form=None, status: int = 200):
    ctx = detail_context(ticket, current_user, comment_form or CommentForm(), ReopenForm())
    return render_template("tickets/detail.html", **ctx), status


@bp.post("/tickets/<int:id>/comment")
@login_required
@comment_limit
def comment(id: int):
    ticket = get_visible_ticket(current_user, id)
    form = CommentForm()
    if not form.validate_on_submit():
        return _detail_page(ticket, form, 400)
    try:
        note = services.add_comment(
            ticket,
            current_user,
            form.body.data,
            internal=form.internal.data,
            files=form.attachments.data or [],
        )
    except ValidationError as exc:
        form.body.errors = list(form.body.errors) + [exc.message]
        return _detail_page(ticket, form, 400)
    except Conflict as exc:  # shown with the current state; the text they wrote is kept
        flash(exc.message, "warning")
        return _detail_page(get_visible_ticket(current_user, id), form, 409)
    flash(
        _("Your internal note is added.") if note.internal else _("Your comment is added."),
        "success",
    )
    return redirect(url_for(".detail", id=id, _anchor=f"c{note.id}"))


@bp.post("/tickets/<int:id>/reopen")
@login_required
def reopen(id: int):
    ticket = get_visible_ticket(current_user, id)
    form = ReopenForm()
    if not form.validate_on_submit():
        flash(" ".join(form.reason.errors) or _("Could not reopen."), "danger")
    else:
        try:
            services.reopen(ticket, current_user, form.reason.data or "")
        except (TransitionError, Conflict) as exc:
            flash(exc.message, "warning")
        else:
            flash(_("Request %(n)s is reopened.", n=ticket.number), "success")
    return redirect(url_for(".detail", id=id))


@bp.get("/attachments/<int:id>")
@login_required
def attachment(id: int):
    att = db.session.get(Attachment, id)
    if att is None:
        abort(404)
    ticket = get_visible_ticket(current_user, att.ticket_id)  # someone else's file: 404 too
    if att.comment is not None and att.comment.internal and not sees_as_staff(current_user, ticket):
        abort(404)
    return _download(att)


def _download(att: Attachment):
    content = open_attachment(att)
    inline = served_inline(att)
    # Anything a browser could run (HTML, SVG, scripts …) is only ever a download.
    response = send_file(
        content,
        mimetype=att.content_type if inline else "application/octet-stream",
        as_attachment=not inline,
        download_name=att.original_name,
        etag=att.sha256,
        last_modified=att.created_at,
        max_age=0,
        conditional=False,
    )
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response.cache_control.private = True
    # send_file learns no length from a file object (a file in the database has no path); the
    # row knows it, and with it ranges and conditional requests work for either storage.
    response.content_length = att.size
    try:
        return response.make_conditional(request, accept_ranges=True, complete_length=att.size)
    except RequestedRangeNotSatisfiable:
        content.close()
        raise

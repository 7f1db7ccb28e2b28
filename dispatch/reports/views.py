"""The reports page and its exports (CSV, XLSX), for dispatchers and admins, and for site
managers within their sites (see dispatch.reports.access)."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from flask import Blueprint, Response, abort, current_app, flash, render_template, request
from flask_babel import gettext as _
from flask_login import current_user, login_required

from dispatch.desk.panel import DISPATCH_ROLES
from dispatch.errors import ValidationError
from dispatch.extensions import limiter
from dispatch.reports import exports, present
from dispatch.reports.access import managed_sites, readable, report_for, report_sites, restrict
from dispatch.reports.catalog import Inputs, compute
from dispatch.reports.forms import ReportFilterForm
from dispatch.types import utcnow

bp = Blueprint("reports", __name__)


def _site_manager_menu(user) -> list[tuple[str, str]]:
    """A site manager's menu gains Reports (dispatchers and admins have it already)."""
    if user.role in DISPATCH_ROLES or not managed_sites(user):
        return []
    return [("reports.index", _("Reports"))]


@bp.record_once
def _add_menu(state) -> None:
    state.app.extensions.setdefault("dispatch_nav", []).append(_site_manager_menu)


def _viewer_zone() -> str:
    return current_user.site.timezone if current_user.site else "UTC"


def _scope(sites):
    """The filters and the scope they make, within the reader's ``sites``; a bad value is said
    and the defaults are used."""
    form = ReportFilterForm(request.args).fill_choices(sites)
    form.validate()  # a bad value only drops that filter
    today = utcnow().astimezone(ZoneInfo(_viewer_zone())).date()
    try:
        return form, restrict(form.scope(_viewer_zone(), today), sites)
    except ValidationError as exc:
        flash(_("The period is not valid: %(why)s", why=exc.message), "warning")
        form = ReportFilterForm(formdata=None).fill_choices(sites)
        return form, restrict(form.scope(_viewer_zone(), today), sites)


def inputs() -> Inputs:
    return Inputs(float(current_app.config.get("TRAVEL_SPEED_KMH", 40)), utcnow())


@bp.get("/")
@login_required
def index():
    sites = report_sites(current_user)
    form, scope = _scope(sites)
    shown = [present.shown(r, compute(r.name, scope, inputs())) for r in readable(sites)]
    return render_template("reports/index.html", form=form, shown=shown, query=request.args)


@bp.get("/<name>.<fmt>")
@login_required
@limiter.limit("30 per minute")
def export(name: str, fmt: str):
    sites = report_sites(current_user)
    report = report_for(name, sites)
    if fmt not in exports.FORMATS:
        abort(404)
    _, scope = _scope(sites)
    body, mimetype = exports.FORMATS[fmt](report, compute(name, scope, inputs()))
    filename = f"{name}-{scope.start.date().isoformat()}.{fmt}"
    return Response(
        body,
        mimetype=mimetype,
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )

"""The reports page and its exports (CSV, XLSX), for dispatchers and admins."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from flask import Blueprint, Response, abort, current_app, flash, render_template, request
from flask_babel import gettext as _
from flask_login import current_user

from dispatch.auth.services import roles_required
from dispatch.desk.panel import DISPATCH_ROLES
from dispatch.errors import ValidationError
from dispatch.extensions import limiter
from dispatch.reports import exports, present
from dispatch.reports.catalog import REPORTS, Inputs, compute
from dispatch.reports.forms import ReportFilterForm
from dispatch.types import utcnow

bp = Blueprint("reports", __name__)


def _viewer_zone() -> str:
    return current_user.site.timezone if current_user.site else "UTC"


def _scope():
    """The filters and the scope they make; a bad value is said and the defaults are used."""
    form = ReportFilterForm(request.args).fill_choices()
    form.validate()  # a bad value only drops that filter
    today = utcnow().astimezone(ZoneInfo(_viewer_zone())).date()
    try:
        return form, form.scope(_viewer_zone(), today)
    except ValidationError as exc:
        flash(_("The period is not valid: %(why)s", why=exc.message), "warning")
        form = ReportFilterForm(formdata=None).fill_choices()
        return form, form.scope(_viewer_zone(), today)


def inputs() -> Inputs:
    return Inputs(float(current_app.config.get("TRAVEL_SPEED_KMH", 40)), utcnow())


@bp.get("/")
@roles_required(*DISPATCH_ROLES)
def index():
    form, scope = _scope()
    shown = [present.shown(r, compute(r.name, scope, inputs())) for r in REPORTS.values()]
    return render_template("reports/index.html", form=form, shown=shown, query=request.args)


@bp.get("/<name>.<fmt>")
@roles_required(*DISPATCH_ROLES)
@limiter.limit("30 per minute")
def export(name: str, fmt: str):
    if name not in REPORTS or fmt not in exports.FORMATS:
        abort(404)
    _, scope = _scope()
    report = REPORTS[name]
    body, mimetype = exports.FORMATS[fmt](report, compute(name, scope, inputs()))
    filename = f"{name}-{scope.start.date().isoformat()}.{fmt}"
    return Response(
        body,
        mimetype=mimetype,
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )

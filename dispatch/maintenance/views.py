"""Maintenance pages (dispatchers and admins): the plans, the plan editor, a site's calendar,
and skipping a visit. Views stay thin: parse, call a service, render or redirect."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy.orm import selectinload

from dispatch.assets.models import AssetType
from dispatch.auth.services import roles_required
from dispatch.collation import name_order
from dispatch.errors import Conflict, ValidationError
from dispatch.extensions import db
from dispatch.people.models import Skill
from dispatch.sites.models import Site
from dispatch.types import utcnow

from . import calendar, plans, visits
from .forms import ActionForm, PlanForm, SkipForm
from .models import MaintenancePlan

bp = Blueprint("maintenance", __name__)
EDITORS = plans.EDITORS


def _sites() -> list[Site]:
    return list(
        db.session.scalars(db.select(Site).where(Site.active).order_by(name_order(Site.name)))
    )


@bp.get("/")
@roles_required(*EDITORS)
def index():
    rows = db.session.scalars(
        db.select(MaintenancePlan)
        .options(selectinload(MaintenancePlan.asset), selectinload(MaintenancePlan.asset_type))
        .order_by(name_order(MaintenancePlan.name), MaintenancePlan.id)
    ).all()
    sites = {s.id: s.name for s in _sites()}
    return render_template("maintenance/plans.html", plans=rows, sites=sites, action=ActionForm())


@bp.route("/new", methods=["GET", "POST"])
@roles_required(*EDITORS)
def new():
    return _editor(None, PlanForm(starts_on=utcnow().date().isoformat()))


@bp.route("/<int:plan_id>/edit", methods=["GET", "POST"])
@roles_required(*EDITORS)
def edit(plan_id: int):
    plan = plans.get_plan(current_user, plan_id)
    data = plans.current_input(plan)
    form = PlanForm(
        data={
            **data.__dict__,
            "asset_type": str(data.asset_type_id or ""),
            "sites": [str(i) for i in data.site_ids],
            "skills": [str(i) for i in data.skill_ids],
            "starts_on": data.starts_on.isoformat() if data.starts_on else "",
            "version": str(plan.version),
        }
    )
    return _editor(plan, form)


def _editor(plan: MaintenancePlan | None, form: PlanForm):
    types = db.session.scalars(db.select(AssetType).order_by(name_order(AssetType.name))).all()
    skills = db.session.scalars(
        db.select(Skill).where(Skill.active).order_by(name_order(Skill.name))
    ).all()
    form.set_choices(types, _sites(), skills)
    status = 200
    if form.validate_on_submit():
        version = int(form.version.data) if (form.version.data or "").isdigit() else None
        try:
            saved = plans.save_plan(plan, current_user, form.to_input(), expected_version=version)
        except ValidationError as exc:
            _attach(form, exc.errors or {"form": [exc.message]})
            status = 400
        except Conflict as exc:
            flash(exc.message, "warning")
            return redirect(url_for(".edit", plan_id=plan.id))
        else:
            flash(_("Maintenance plan %(name)s is saved.", name=saved.name), "success")
            return redirect(url_for(".index"))
    elif form.is_submitted():
        status = 400
    return render_template("maintenance/plan_form.html", form=form, plan=plan), status


def _attach(form: PlanForm, errors: dict[str, list[str]]) -> None:
    names = {"asset_type": "asset_type", "sites": "sites", "skills": "skills"}
    for name, messages in errors.items():
        field = form._fields.get(names.get(name, name))
        if field is not None and name not in ("csrf_token", "version"):
            field.errors = list(field.errors) + list(messages)
        else:
            form.form_errors.extend(messages)


@bp.post("/<int:plan_id>/active")
@roles_required(*EDITORS)
def set_active(plan_id: int):
    plan = plans.get_plan(current_user, plan_id)
    if ActionForm().validate_on_submit():
        active = request.form.get("active") == "1"
        try:
            plans.set_active(plan, current_user, active)
        except ValidationError as exc:
            flash(exc.message, "warning")
        else:
            text = _("%(name)s is active.") if active else _("%(name)s is paused.")
            flash(text % {"name": plan.name}, "success")
    return redirect(url_for(".index"))


@bp.get("/calendar")
@roles_required(*EDITORS)
def month():
    sites = _sites()
    chosen = request.args.get("site", type=int)
    site = next((s for s in sites if s.id == chosen), sites[0] if sites else None)
    now = utcnow()
    first = calendar.month_bounds(request.args.get("month"), now.date())
    found = calendar.entries(site.id, first, now) if site else []
    return render_template(
        "maintenance/calendar.html",
        sites=sites,
        site=site,
        first=first,
        previous=(first.replace(day=1) - calendar.timedelta(days=1)).strftime("%Y-%m"),
        following=(first + calendar.timedelta(days=32)).strftime("%Y-%m"),
        weeks=calendar.weeks(first, found),
        entries=found,
        counts=calendar.counts(found),
        skip=SkipForm(),
    )


@bp.post("/visits/<int:occurrence_id>/skip")
@roles_required(*EDITORS)
def skip(occurrence_id: int):
    occurrence = visits.get_occurrence(current_user, occurrence_id)
    form = SkipForm()
    if form.validate_on_submit():
        try:
            visits.skip_occurrence(occurrence, current_user, form.reason.data or "")
        except ValidationError as exc:
            flash(exc.message, "warning")
        else:
            flash(_("The visit is skipped."), "success")
    else:
        flash(
            _("Say why it is skipped (at most %(n)d characters).", n=visits.REASON_MAX), "warning"
        )
    return redirect(
        url_for(".month", site=occurrence.asset.site_id, month=occurrence.due_on.strftime("%Y-%m"))
    )

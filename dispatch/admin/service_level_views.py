"""Admin pages for service levels: policies and closure days (part of the admin blueprint, so
its administrators-only guard covers them)."""

from __future__ import annotations

from functools import partial

from flask import flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from dispatch.admin import service_levels as admin
from dispatch.admin.pages import bp, form_page, submit
from dispatch.admin.service_level_forms import ClosureDayForm, PolicyForm
from dispatch.collation import name_order
from dispatch.extensions import db
from dispatch.sla.models import ClosureDay, SlaPolicy
from dispatch.sla.policies import wanted


@bp.get("/service-levels")
def sla_policies():
    rows = db.session.scalars(
        select(SlaPolicy).order_by(SlaPolicy.active.desc(), name_order(SlaPolicy.name))
    ).all()
    return render_template("sla/policies.html", policies=rows, wanted=wanted)


@bp.route("/service-levels/new", methods=["GET", "POST"])
def sla_policies_new():
    form = PolicyForm()
    if submit(form, partial(admin.save_policy, None, current_user)):
        return redirect(url_for(".sla_policies"))
    return form_page(form, _("New service level"), url_for(".sla_policies"))


@bp.route("/service-levels/<int:policy_id>", methods=["GET", "POST"])
def sla_policies_edit(policy_id: int):
    policy = db.get_or_404(SlaPolicy, policy_id)
    form = PolicyForm(policy=policy)
    if submit(form, partial(admin.save_policy, policy, current_user)):
        return redirect(url_for(".sla_policies"))
    return form_page(form, _("Service level: %(name)s", name=policy.name), url_for(".sla_policies"))


@bp.route("/closure-days", methods=["GET", "POST"])
def sla_closure_days():
    form = ClosureDayForm()
    if submit(form, partial(admin.add_closure_day, current_user)):
        return redirect(url_for(".sla_closure_days"))
    rows = db.session.scalars(select(ClosureDay).order_by(ClosureDay.day.desc())).all()
    return render_template("sla/closure_days.html", form=form, days=rows)


@bp.post("/closure-days/<int:day_id>/delete")
def sla_closure_days_delete(day_id: int):
    admin.remove_closure_day(db.get_or_404(ClosureDay, day_id), current_user)
    flash(_("Deleted."), "success")
    return redirect(url_for(".sla_closure_days"))

"""Admin page for reports: the monthly summary's recipients, and site managers (part of the
admin blueprint, so its administrators-only guard covers it)."""

from __future__ import annotations

from functools import partial

from flask import flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from dispatch.admin import report_access as admin
from dispatch.admin.pages import bp, submit
from dispatch.admin.report_access_forms import ReportSettingsForm, SiteManagerForm
from dispatch.extensions import db
from dispatch.people.models import User
from dispatch.reports.access import settings
from dispatch.reports.models import SiteManager
from dispatch.sites.models import Site


def _page(settings_form: ReportSettingsForm, grant_form: SiteManagerForm) -> str:
    grants = db.session.scalars(
        select(SiteManager)
        .join(User, User.id == SiteManager.user_id)
        .join(Site, Site.id == SiteManager.site_id)
        .order_by(User.email, Site.name)
    ).all()
    return render_template(
        "admin/report_access.html", form=settings_form, grant_form=grant_form, grants=grants
    )


@bp.route("/reports", methods=["GET", "POST"])
def report_access():
    row = settings()
    form = ReportSettingsForm(
        summary_recipients="\n".join(row.recipients),
        site_managers_allowed=row.site_managers_allowed,
    )
    if submit(form, partial(admin.save_settings, current_user)):
        return redirect(url_for(".report_access"))
    return _page(form, SiteManagerForm(formdata=None))


@bp.post("/reports/site-managers")
def report_access_grant():
    form = SiteManagerForm()
    if submit(form, partial(admin.grant, current_user)):
        return redirect(url_for(".report_access"))
    row = settings()
    settings_form = ReportSettingsForm(
        formdata=None,
        summary_recipients="\n".join(row.recipients),
        site_managers_allowed=row.site_managers_allowed,
    )
    return _page(settings_form, form)


@bp.post("/reports/site-managers/<int:grant_id>/delete")
def report_access_revoke(grant_id: int):
    admin.revoke(current_user, db.get_or_404(SiteManager, grant_id))
    flash(_("Deleted."), "success")
    return redirect(url_for(".report_access"))

"""The directory page (/admin/directory), read-only: how sign-in with the company directory and
single sign-on are set up (never a password or secret) and what the last sync did. Part of the
admin blueprint."""

from __future__ import annotations

from flask import current_app, render_template

from dispatch.admin.pages import bp
from dispatch.directory.oidc_settings import from_config as oidc_settings
from dispatch.directory.settings import from_config
from dispatch.directory.sync import directory_accounts, last_sync


@bp.get("/directory", endpoint="directory")
def directory_page():
    return render_template(
        "admin/directory.html",
        settings=from_config(current_app.config),
        last=last_sync(),
        accounts=directory_accounts(),
        sso=oidc_settings(current_app.config),
        sso_accounts=directory_accounts("oidc"),
    )

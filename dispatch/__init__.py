"""Dispatch: help desk and field-service dispatch for companies with several sites."""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any

from flask import Flask

#: The environment variable naming the instance folder (an absolute path), read before any
#: setting because instance/config.py is found there. Default: instance/ beside the package.
INSTANCE_PATH_VARIABLE = "DISPATCH_INSTANCE_PATH"


def create_app(test_config: Mapping[str, Any] | None = None) -> Flask:
    """Build the application: defaults, then instance/config.py, then FLASK_* environment
    variables, then ``test_config``. Runs no migrations and makes no network calls.

    The instance folder is ``DISPATCH_INSTANCE_PATH`` when set (e.g. /var/lib/dispatch, so that
    the code's folder can stay read-only, or one folder per web process on one machine)."""
    # Templates and static files sit at the top level of the project, beside the package.
    app = Flask(
        __name__,
        instance_path=os.environ.get(INSTANCE_PATH_VARIABLE) or None,
        instance_relative_config=True,
        template_folder="../templates",
        static_folder="../static",
    )
    app.config.from_object("dispatch.config.Config")
    app.config.from_pyfile("config.py", silent=True)
    app.config.from_prefixed_env()
    if test_config:
        app.config.from_mapping(test_config)

    from dispatch.config import finalize

    finalize(app)

    from dispatch import extensions, logs, models  # noqa: F401  (every table known to metadata)

    logs.init_app(app)  # first: its request id is there for every later hook
    extensions.init_app(app)

    from dispatch import errors, web

    errors.init_app(app)
    web.init_app(app)
    _register_blueprints(app)
    _connect_signals()

    from dispatch import cli, proxy

    cli.init_app(app)
    # Last, so that it wraps everything: every layer sees the client the proxies reported.
    proxy.init_app(app)
    return app


def _connect_signals() -> None:
    """Let higher layers react to lower ones (connecting twice is harmless: the receivers are
    the same functions)."""
    from dispatch.assets.requests import form_choices, link_new_ticket
    from dispatch.auth.passwords import reset_requested
    from dispatch.directory.links import password_link_wanted
    from dispatch.mail.outbound import queue_password_link, queue_welcomes
    from dispatch.people.csv_import import people_imported
    from dispatch.sla import tracking  # noqa: F401  (its listener keeps the due times current)
    from dispatch.tickets.cataloguing import kind_decided
    from dispatch.tickets.page import request_form_shown
    from dispatch.tickets.services import ticket_created
    from dispatch.triage.services import record_kind_decision, suggest_for_new_ticket

    ticket_created.connect(suggest_for_new_ticket)
    kind_decided.connect(record_kind_decision)
    reset_requested.connect(queue_password_link)
    password_link_wanted.connect(queue_password_link)
    people_imported.connect(queue_welcomes)
    ticket_created.connect(link_new_ticket)
    request_form_shown.connect(form_choices)


def _register_blueprints(app: Flask) -> None:
    from dispatch.admin import bp as admin_bp
    from dispatch.admin.site_locations import bp as sites_bp
    from dispatch.api import bp as api_bp
    from dispatch.assets import bp as assets_bp
    from dispatch.auth import bp as auth_bp
    from dispatch.desk import bp as desk_bp
    from dispatch.health import bp as health_bp
    from dispatch.mail import bp as mail_bp
    from dispatch.maintenance.views import bp as maintenance_bp
    from dispatch.my_day import bp as my_day_bp
    from dispatch.notifications import bp as notifications_bp
    from dispatch.planning.views import bp as planning_bp
    from dispatch.reports.views import bp as reports_bp
    from dispatch.sla.views import bp as sla_bp
    from dispatch.technicians.views import bp as technicians_bp
    from dispatch.tickets import bp as tickets_bp
    from dispatch.triage import bp as triage_bp
    from dispatch.vendor import bp as vendor_bp

    app.register_blueprint(auth_bp)
    app.register_blueprint(tickets_bp)
    app.register_blueprint(desk_bp, url_prefix="/desk")
    app.register_blueprint(triage_bp, url_prefix="/triage")
    app.register_blueprint(admin_bp, url_prefix="/admin")
    app.register_blueprint(mail_bp, url_prefix="/mail")
    app.register_blueprint(planning_bp, url_prefix="/planning")
    app.register_blueprint(my_day_bp, url_prefix="/my-day")
    app.register_blueprint(api_bp, url_prefix="/api/v1")
    app.register_blueprint(vendor_bp, url_prefix="/vendor")
    app.register_blueprint(sites_bp, url_prefix="/sites")
    app.register_blueprint(technicians_bp, url_prefix="/technicians")
    app.register_blueprint(notifications_bp, url_prefix="/notifications")
    app.register_blueprint(reports_bp, url_prefix="/reports")
    app.register_blueprint(health_bp)
    app.register_blueprint(sla_bp)
    app.register_blueprint(assets_bp)
    app.register_blueprint(maintenance_bp, url_prefix="/maintenance")

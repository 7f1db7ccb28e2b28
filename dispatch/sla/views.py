"""The service-level blueprint: the ticket page's account of a ticket's service level (a
template function, as the desk's panel is) and the ``flask sla check`` command."""

from __future__ import annotations

import click
from flask import Blueprint
from flask_login import current_user

from dispatch.sla import display, warnings
from dispatch.sla.status import standing
from dispatch.tickets.access import sees_as_staff
from dispatch.types import utcnow

bp = Blueprint("sla", __name__, cli_group="sla")
bp.add_app_template_filter(display.duration, "business_duration")
bp.add_app_template_global(display.minutes, "sla_minutes")
bp.add_app_template_global(display.criteria, "sla_criteria")


@bp.app_context_processor
def _standing_helper():
    def sla_standing(ticket):
        """Staff only: the requester sees the status, not the targets."""
        if not current_user.is_authenticated or not sees_as_staff(current_user, ticket):
            return None
        return standing(ticket, utcnow())

    return {"sla_standing": sla_standing}


@bp.cli.command("check")
def check_command():
    """Send the service-level warnings that are due (each once; run it from cron)."""
    sent = warnings.check()
    click.echo(f"{sent} warning(s) sent")

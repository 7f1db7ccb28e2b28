"""Admin use cases for reports: the monthly summary's recipients, whether site managers may
read reports, and who manages which site. Each is one transaction on the record of
administration."""

from __future__ import annotations

from typing import Any

from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from dispatch.admin.services import raise_if
from dispatch.audit.record import Target, record_admin_event
from dispatch.errors import ValidationError
from dispatch.extensions import db
from dispatch.people.models import User
from dispatch.people.services import normalise_email
from dispatch.reports.models import ReportSettings, SiteManager
from dispatch.sites.models import Site

#: More addresses than this is a mailing list's job.
RECIPIENTS_MAX = 50


def settings_snapshot(row: ReportSettings) -> dict[str, Any]:
    return {
        "summary_recipients": row.recipients,
        "site_managers_allowed": row.site_managers_allowed,
    }


def save_settings(
    actor: User, *, summary_recipients: str, site_managers_allowed: bool
) -> ReportSettings:
    """Set who receives the monthly summary (one address a line) and whether site managers'
    grants are in force."""
    addresses, errors = [], {}
    for line in (summary_recipients or "").splitlines():
        if not line.strip():
            continue
        try:
            address = normalise_email(line)
        except ValidationError as exc:
            errors.setdefault("summary_recipients", []).append(f"{line.strip()}: {exc.message}")
            continue
        if address not in addresses:
            addresses.append(address)
    if len(addresses) > RECIPIENTS_MAX:
        errors.setdefault("summary_recipients", []).append(
            _("At most %(n)d addresses.", n=RECIPIENTS_MAX)
        )
    raise_if(errors)
    row = db.session.get(ReportSettings, 1)
    if row is None:
        row = ReportSettings(id=1, summary_recipients="", site_managers_allowed=False)
        db.session.add(row)
    before = settings_snapshot(row)
    row.summary_recipients = "\n".join(addresses)
    row.site_managers_allowed = bool(site_managers_allowed)
    target = Target("report_settings", 1, "Reports")
    record_admin_event(actor, "changed", target, before, settings_snapshot(row))
    db.session.commit()
    return row


def grant_snapshot(row: SiteManager) -> dict[str, Any]:
    return {"user": row.user.email, "site": row.site.name}


def _target(row: SiteManager) -> Target:
    return Target("site_manager", row.id, f"{row.user.email} · {row.site.name}"[:255])


def grant(actor: User, *, email: str, site_id: int | None) -> SiteManager:
    """Let the person with ``email`` read the reports of the site ``site_id``."""
    errors: dict[str, list[str]] = {}
    user = db.session.scalar(
        select(User).where(func.lower(User.email) == (email or "").strip().lower())
    )
    if user is None or not user.active:
        errors["email"] = [_("No active user has this address.")]
    site = db.session.get(Site, site_id) if site_id is not None else None
    if site is None:
        errors["site_id"] = [_("Unknown choice.")]
    raise_if(errors)
    row = SiteManager(user=user, site=site)
    db.session.add(row)
    try:
        db.session.flush()
    except IntegrityError:
        db.session.rollback()
        raise ValidationError(_("This person already manages this site."), field="email") from None
    record_admin_event(actor, "created", _target(row), None, grant_snapshot(row))
    db.session.commit()
    return row


def revoke(actor: User, row: SiteManager) -> None:
    record_admin_event(actor, "deleted", _target(row), grant_snapshot(row), None)
    db.session.delete(row)
    db.session.commit()

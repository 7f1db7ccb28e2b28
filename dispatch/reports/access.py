"""Who reads which reports: dispatchers and admins every site's; a site manager — a person an
admin named for some sites, while the company allows site managers — only their sites', and
only the reports that are counted per ticket (not technicians' utilisation, which is about
people, across sites)."""

from __future__ import annotations

import dataclasses

from flask_babel import gettext as _
from sqlalchemy import select

from dispatch.desk.panel import DISPATCH_ROLES
from dispatch.errors import NotFound
from dispatch.extensions import db
from dispatch.people.models import User
from dispatch.reports.catalog import REPORTS, Report
from dispatch.reports.models import ReportSettings, SiteManager
from dispatch.reports.scope import Scope

#: Reports a site manager does not read.
NOT_PER_SITE = frozenset({"utilisation"})


def settings() -> ReportSettings:
    """The company's report settings (defaults until an admin saves them)."""
    return db.session.get(ReportSettings, 1) or ReportSettings(
        id=1, summary_recipients="", site_managers_allowed=False
    )


def managed_sites(user: User) -> frozenset[int]:
    """The sites whose reports ``user`` reads as a site manager (none while not allowed)."""
    if not user.is_authenticated or not user.active or not settings().site_managers_allowed:
        return frozenset()
    query = select(SiteManager.site_id).where(SiteManager.user_id == user.id)
    return frozenset(db.session.scalars(query))


def report_sites(user: User) -> frozenset[int] | None:
    """The sites ``user`` may read reports of: None for all of them (dispatchers, admins);
    NotFound for someone who may read none (the page does not reveal that it exists)."""
    if user.role in DISPATCH_ROLES:
        return None
    sites = managed_sites(user)
    if not sites:
        raise NotFound(_("No such page."))
    return sites


def readable(sites: frozenset[int] | None) -> list[Report]:
    return [r for r in REPORTS.values() if sites is None or r.name not in NOT_PER_SITE]


def report_for(name: str, sites: frozenset[int] | None) -> Report:
    if name not in {r.name for r in readable(sites)}:
        raise NotFound(_("No such report."))
    return REPORTS[name]


def restrict(scope: Scope, sites: frozenset[int] | None) -> Scope:
    """``scope`` within ``sites``: asking for another site's figures is refused (as if it did
    not exist), asking for none gives all of one's sites together."""
    if sites is None:
        return scope
    if scope.site_id is not None and scope.site_id not in sites:
        raise NotFound(_("No such site."))
    return dataclasses.replace(scope, site_ids=sites)

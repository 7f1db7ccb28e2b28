"""Service levels in reports: business times to the first response and to the resolution per
policy (median and 90th percentile), the share of deadlines met, and the breaches.

Business seconds are those each ticket's clock keeps (``Ticket.sla_first_response_seconds``,
``sla_resolution_seconds``), counted in its calendar when its record last changed; here they are
only added up, by the database.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import and_, case, func, literal, or_, select

from dispatch.extensions import db
from dispatch.reports.scope import Scope, done_at, hours, in_period, share
from dispatch.reports.stats import median_and_p90
from dispatch.sites.models import Site
from dispatch.sla.models import SlaPolicy
from dispatch.tickets.models import Ticket

#: The breaches listed at most (the most recent first); the counts are in ``sla_met``.
BREACHES_SHOWN = 500
FIRST_RESPONSE, RESOLUTION, BOTH = "first_response", "resolution", "both"


def _created(scope: Scope) -> list:
    return [
        in_period(Ticket.created_at, scope),
        Ticket.sla_policy_id.is_not(None),
        *scope.ticket_filters(),
    ]


def response_times(scope: Scope) -> list[dict[str, Any]]:
    """Per policy, of the requests created in the period under it: how many, and the median
    and 90th percentile of the business hours to the first response and to the finish."""
    names = dict(db.session.execute(select(SlaPolicy.id, SlaPolicy.name)).all())
    counts = dict(
        db.session.execute(
            select(Ticket.sla_policy_id, func.count())
            .where(*_created(scope))
            .group_by(Ticket.sla_policy_id)
        ).all()
    )
    first = median_and_p90(
        Ticket.sla_policy_id,
        Ticket.sla_first_response_seconds,
        [*_created(scope), Ticket.sla_first_response_seconds.is_not(None)],
    )
    resolved = median_and_p90(
        Ticket.sla_policy_id,
        Ticket.sla_resolution_seconds,
        [*_created(scope), Ticket.sla_resolution_seconds.is_not(None)],
    )
    rows = []
    for policy_id in sorted(counts, key=lambda i: names.get(i, "")):
        fr = first.get(policy_id, (0, None, None))
        res = resolved.get(policy_id, (0, None, None))
        rows.append(
            {
                "policy": names.get(policy_id, ""),
                "requests": counts[policy_id],
                "first_response_median_hours": hours(fr[1]),
                "first_response_p90_hours": hours(fr[2]),
                "resolution_median_hours": hours(res[1]),
                "resolution_p90_hours": hours(res[2]),
            }
        )
    return rows


def missed(now: datetime):
    """Whether each deadline was missed by ``now``: the first response came (or the request
    was finished without one, or ``now`` is) after its due time; the resolution's due time
    passed before the finish (it is kept only while running or once missed)."""
    first = Ticket.sla_first_response_due < func.coalesce(
        Ticket.sla_first_response_at, done_at(), now
    )
    resolution = and_(
        Ticket.sla_resolution_due.is_not(None),
        Ticket.sla_resolution_due < func.coalesce(done_at(), now),
    )
    return first, resolution


def met_counts(scope: Scope, *, now: datetime) -> list[tuple[str, int, int, int, int]]:
    """Per policy, of the requests created in the period under it: (policy, first responses
    decided — met or missed by now —, of them met, resolutions decided, of them met)."""
    fr_missed, res_missed = missed(now)
    fr_decided = or_(
        Ticket.sla_first_response_at.is_not(None),
        done_at().is_not(None),
        Ticket.sla_first_response_due < now,
    )
    res_decided = or_(done_at().is_not(None), res_missed)

    def counted(condition):
        return func.sum(case((condition, 1), else_=0))

    query = (
        select(
            SlaPolicy.name,
            counted(fr_decided),
            counted(and_(fr_decided, ~fr_missed)),
            counted(res_decided),
            counted(and_(res_decided, ~res_missed)),
        )
        .join(SlaPolicy, SlaPolicy.id == Ticket.sla_policy_id)
        .where(*_created(scope))
        .group_by(SlaPolicy.name)
        .order_by(SlaPolicy.name)
    )
    return [(name, *(int(n or 0) for n in counts)) for name, *counts in db.session.execute(query)]


def met(scope: Scope, *, now: datetime) -> list[dict[str, Any]]:
    """Per policy: the deadlines decided and the share met (see :func:`met_counts`)."""
    return [
        {
            "policy": name,
            "first_response_decided": frd,
            "first_response_met": share(frm, frd),
            "resolution_decided": rd,
            "resolution_met": share(rm, rd),
        }
        for name, frd, frm, rd, rm in met_counts(scope, now=now)
    ]


def breaches(scope: Scope, *, now: datetime) -> list[dict[str, Any]]:
    """The requests created in the period whose first response or resolution deadline was
    missed by ``now``, the most recent first (at most BREACHES_SHOWN)."""
    fr_missed, res_missed = missed(now)
    which = case(
        (and_(fr_missed, res_missed), literal(BOTH)),
        (fr_missed, literal(FIRST_RESPONSE)),
        else_=literal(RESOLUTION),
    )
    query = (
        select(Ticket.id, Ticket.subject, SlaPolicy.name, func.coalesce(Site.name, ""), which)
        .join(SlaPolicy, SlaPolicy.id == Ticket.sla_policy_id)
        .outerjoin(Site, Site.id == Ticket.site_id)
        .where(*_created(scope), or_(fr_missed, res_missed))
        .order_by(Ticket.created_at.desc(), Ticket.id.desc())
        .limit(BREACHES_SHOWN)
    )
    return [
        {"ticket": number, "subject": subject, "policy": policy, "site": site, "missed": missed}
        for number, subject, policy, site, missed in db.session.execute(query)
    ]

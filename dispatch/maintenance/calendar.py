"""What a site's maintenance calendar shows for a month: every occurrence by its due date with
its state, and the dates the active plans will still bring (not made yet: beyond the lead time).
"""

from __future__ import annotations

import calendar as months
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import or_, select
from sqlalchemy.orm import selectinload

from dispatch.assets.models import Asset, AssetStatus
from dispatch.extensions import db
from dispatch.tickets.models import Status

from . import recurrence
from .generate import is_done, plan_assets
from .models import MaintenanceOccurrence, MaintenancePlan, OccurrenceStatus

STATES = ("due", "planned", "done", "overdue", "skipped")
PLANNED = (Status.SCHEDULED, Status.IN_PROGRESS)


@dataclass(frozen=True)
class Entry:
    day: date
    state: str
    plan: MaintenancePlan
    asset: Asset
    occurrence: MaintenanceOccurrence | None  # None: a date to come, not made yet


def state_of(occurrence: MaintenanceOccurrence, now: datetime) -> str:
    if occurrence.status == OccurrenceStatus.SKIPPED:
        return "skipped"
    if is_done(occurrence):
        return "done"
    if occurrence.window_end <= now:
        return "overdue"
    if occurrence.ticket is not None and occurrence.ticket.status in PLANNED:
        return "planned"
    return "due"


def month_bounds(month: str | None, today: date) -> date:
    """The first day of ``month`` (YYYY-MM), or of today's month for anything else."""
    try:
        first = datetime.strptime(month or "", "%Y-%m").date()
    except ValueError:
        return today.replace(day=1)
    return first if 2000 <= first.year <= 2200 else today.replace(day=1)


def entries(site_id: int, first: date, now: datetime) -> list[Entry]:
    """The month from ``first``: made occurrences and the plans' dates still to come."""
    last = first.replace(day=months.monthrange(first.year, first.month)[1])
    made = list(
        db.session.scalars(
            select(MaintenanceOccurrence)
            .join(Asset, Asset.id == MaintenanceOccurrence.asset_id)
            .where(
                Asset.site_id == site_id,
                MaintenanceOccurrence.due_on >= first,
                MaintenanceOccurrence.due_on <= last,
            )
            .options(
                selectinload(MaintenanceOccurrence.plan),
                selectinload(MaintenanceOccurrence.asset),
                selectinload(MaintenanceOccurrence.ticket),
            )
        )
    )
    found = [Entry(o.due_on, state_of(o, now), o.plan, o.asset, o) for o in made]
    taken = {(o.plan_id, o.asset_id, o.due_on) for o in made}
    today = now.date()
    for plan in _site_plans(site_id):
        # A plan counted from the last visit has only its next date, made with the visit.
        if plan.from_last_done:
            continue
        rule = recurrence.parse(plan.rule, plan.starts_on)
        dates = recurrence.due_dates(rule, max(first, plan.starts_on, today), last)
        for asset in plan_assets(plan):
            if asset.site_id != site_id:
                continue
            for day in dates:
                if (plan.id, asset.id, day) not in taken:
                    found.append(Entry(day, "due", plan, asset, None))
    return sorted(found, key=lambda e: (e.day, e.asset.tag, e.plan.name))


def _site_plans(site_id: int) -> list[MaintenancePlan]:
    on_asset = select(Asset.id).where(Asset.site_id == site_id, Asset.status != AssetStatus.RETIRED)
    return list(
        db.session.scalars(
            select(MaintenancePlan)
            .where(
                MaintenancePlan.active.is_(True),
                or_(
                    MaintenancePlan.asset_id.in_(on_asset),
                    MaintenancePlan.asset_type_id.is_not(None),
                ),
            )
            .order_by(MaintenancePlan.id)
        )
    )


def weeks(first: date, found: list[Entry]) -> list[list[tuple[date, list[Entry]]]]:
    """The month as weeks, Monday first, each day with its entries (days of the months
    around it fill the first and last week, without entries)."""
    by_day: dict[date, list[Entry]] = defaultdict(list)
    for entry in found:
        by_day[entry.day].append(entry)
    start = first - timedelta(days=first.weekday())
    last = first.replace(day=months.monthrange(first.year, first.month)[1])
    rows, day = [], start
    while day <= last:
        rows.append(
            [(day + timedelta(days=k), by_day.get(day + timedelta(days=k), [])) for k in range(7)]
        )
        day += timedelta(days=7)
    return rows


def counts(found: list[Entry]) -> dict[str, int]:
    totals = dict.fromkeys(STATES, 0)
    for entry in found:
        totals[entry.state] += 1
    return totals

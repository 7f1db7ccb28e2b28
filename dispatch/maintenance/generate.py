"""Making the due occurrences of the plans into on-site tickets, ahead of time.

Each occurrence is its own small transaction that first inserts the occurrence row: its unique
key (plan, asset, due date) is the claim. Two runs at once (two workers, cron beside RQ) both
try; the database lets one in and the other meets the key, rolls its transaction back (the
occurrence and its ticket both) and moves on, so every visit is made exactly once whatever the
number of runs.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from dispatch.assets.models import Asset, AssetStatus
from dispatch.audit.record import record_admin_event
from dispatch.extensions import db
from dispatch.people.models import Role, User
from dispatch.sla.calendars import closure_days, site_calendar
from dispatch.tickets.changes import record, set_status
from dispatch.tickets.models import PREVENTIVE, Kind, Level, Priority, Status, Ticket
from dispatch.types import utcnow, utctoday

from . import recurrence
from .models import MaintenanceOccurrence, MaintenancePlan, OccurrenceStatus
from .plans import snapshot, target

log = logging.getLogger(__name__)
FINISHED = (Status.RESOLVED, Status.CLOSED)
DEFAULT_ZONE = "UTC"


@dataclass
class Report:
    made: int = 0
    existing: int = 0  # made by an earlier or a concurrent run
    skipped: int = 0  # occurrences of retired assets
    stopped_plans: int = 0
    tickets: list[int] = field(default_factory=list)

    def as_dict(self) -> dict:
        return {
            "made": self.made,
            "existing": self.existing,
            "skipped": self.skipped,
            "stopped_plans": self.stopped_plans,
        }


def plan_assets(plan: MaintenancePlan) -> list[Asset]:
    """The assets a plan covers now (retired ones are not)."""
    if plan.asset_id is not None:
        assets = [plan.asset] if plan.asset is not None else []
    else:
        query = select(Asset).where(Asset.type_id == plan.asset_type_id)
        if plan.site_ids:
            query = query.where(Asset.site_id.in_(plan.site_ids))
        assets = list(db.session.scalars(query.order_by(Asset.id)))
    return [a for a in assets if a.status != AssetStatus.RETIRED]


def is_done(occurrence: MaintenanceOccurrence) -> bool:
    ticket = occurrence.ticket
    return (
        occurrence.status == OccurrenceStatus.OPEN
        and ticket is not None
        and ticket.status in FINISHED
    )


def done_on(occurrence: MaintenanceOccurrence) -> date | None:
    """The local day its visit was finished, or None."""
    if not is_done(occurrence):
        return None
    ticket = occurrence.ticket
    finished = ticket.resolved_at or ticket.closed_at
    zone = occurrence.asset.site.tz if occurrence.asset.site else None
    return finished.astimezone(zone).date() if zone else finished.date()


def due_dates(
    plan: MaintenancePlan, history: list[MaintenanceOccurrence], today: date
) -> list[date]:
    """The due dates of ``plan`` for one asset to make now, given the asset's occurrences."""
    rule = recurrence.parse(plan.rule, plan.starts_on)
    horizon = today + timedelta(days=plan.lead_days)
    if not plan.from_last_done:
        # Dates whose window may still be open are made too: a run missed for a few days
        # (a stopped worker) does not lose a visit.
        earliest = max(plan.starts_on, today - timedelta(days=plan.window_days))
        return recurrence.due_dates(rule, earliest, horizon)
    live = [o for o in history if o.status == OccurrenceStatus.OPEN]
    if any(not is_done(o) for o in live):
        return []  # the next date counts from this visit, once it is done
    finished = [d for d in (done_on(o) for o in live) if d is not None]
    if not finished:
        due = recurrence.first_on_or_after(rule, max(plan.starts_on, today))
    else:
        last = max(finished)
        due = recurrence.next_after(recurrence.parse(plan.rule, last), last)
    return [due] if due is not None and due <= horizon else []


def requester_for(plan: MaintenancePlan) -> User | None:
    """Who the visits are filed by: the plan's author, else an active admin."""
    if plan.created_by is not None and plan.created_by.active:
        return plan.created_by
    return db.session.scalar(
        select(User).where(User.role == Role.ADMIN, User.active.is_(True)).order_by(User.id)
    )


def make_occurrence(
    plan: MaintenancePlan, asset: Asset, due: date, requester: User, closed: frozenset[date]
) -> Ticket | None:
    """Claim (plan, asset, due) and file its ticket, committed; None when it was made already."""
    calendar = site_calendar(asset.site, closed, DEFAULT_ZONE)
    start, end = recurrence.window(calendar, due, plan.window_days)
    try:
        occurrence = MaintenanceOccurrence(
            plan=plan, asset=asset, due_on=due, window_start=start, window_end=end
        )
        db.session.add(occurrence)
        db.session.flush()  # the claim: a second run stops here
        ticket = Ticket(
            requester=requester,
            site=asset.site,
            building=asset.building,
            floor=asset.floor,
            room=asset.room,
            subject=f"{plan.name} · {asset.tag}"[:200],
            description="\n".join(f"☐ {item}" for item in plan.checklist or []),
            impact=Level.LOW,
            urgency=Level.LOW,
            priority=Priority.LOW,
            channel=PREVENTIVE,
            kind=Kind.ONSITE,
            status=Status.TO_SCHEDULE,
            asset=asset,
            duration_min=plan.duration_min,
            skills=list(plan.skills),
            appointment_start=start,
            appointment_end=end,
            due_at=end,
            created_at=utcnow(),
        )
        db.session.add(ticket)
        record(
            ticket,
            None,
            "created",
            channel=PREVENTIVE,
            subject=ticket.subject,
            site=asset.site.name if asset.site else None,
            category=None,
            plan=plan.name,
            due_on=due.isoformat(),
        )
        db.session.flush()
        occurrence.ticket = ticket
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        return None
    return ticket


def stop_retired(report: Report) -> None:
    """A retired asset stops its plans: its open visits are skipped (their tickets closed),
    and a plan on that one asset is paused. One transaction."""
    open_visits = db.session.scalars(
        select(MaintenanceOccurrence)
        .join(Asset, Asset.id == MaintenanceOccurrence.asset_id)
        .where(
            MaintenanceOccurrence.status == OccurrenceStatus.OPEN,
            Asset.status == AssetStatus.RETIRED,
        )
    )
    for occurrence in open_visits:
        if is_done(occurrence):
            continue
        skip(occurrence, None, "asset retired")
        report.skipped += 1
    plans = db.session.scalars(
        select(MaintenancePlan)
        .join(Asset, Asset.id == MaintenancePlan.asset_id)
        .where(MaintenancePlan.active.is_(True), Asset.status == AssetStatus.RETIRED)
    )
    for plan in plans:
        before = snapshot(plan)
        plan.active = False
        db.session.flush()
        record_admin_event(None, "changed", target(plan), before, snapshot(plan))
        report.stopped_plans += 1
    db.session.commit()


def skip(occurrence: MaintenanceOccurrence, actor: User | None, reason: str) -> None:
    """Record the occurrence as skipped and close its ticket (not committed)."""
    occurrence.status = OccurrenceStatus.SKIPPED
    occurrence.skip_reason = reason[:300]
    ticket = occurrence.ticket
    if ticket is not None and ticket.status not in FINISHED:
        set_status(ticket, actor, Status.CLOSED, reason=f"maintenance skipped: {reason}"[:300])


def generate(today: date | None = None) -> Report:
    """Make every due occurrence of the active plans (each exactly once); what was done."""
    today = today or utctoday()
    report = Report()
    stop_retired(report)
    closed = closure_days()
    plans = list(
        db.session.scalars(
            select(MaintenancePlan)
            .where(MaintenancePlan.active.is_(True))
            .order_by(MaintenancePlan.id)
        )
    )
    for plan in plans:
        requester = requester_for(plan)
        if requester is None:
            log.warning("maintenance plan %s: nobody to file its visits", plan.id)
            continue
        history: dict[int, list[MaintenanceOccurrence]] = defaultdict(list)
        for occurrence in db.session.scalars(
            select(MaintenanceOccurrence).where(MaintenanceOccurrence.plan_id == plan.id)
        ):
            history[occurrence.asset_id].append(occurrence)
        for asset in plan_assets(plan):
            made = {o.due_on for o in history[asset.id]}
            for due in due_dates(plan, history[asset.id], today):
                if due in made:
                    continue
                ticket = make_occurrence(plan, asset, due, requester, closed)
                if ticket is None:
                    report.existing += 1
                else:
                    report.made += 1
                    report.tickets.append(ticket.id)
    log.info("maintenance: %s", report.as_dict())
    return report

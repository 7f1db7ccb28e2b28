"""Reviewing a proposed plan (pin, move, remove, re-run) and publishing it in one transaction."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime, time
from typing import Any

from flask_babel import format_date
from flask_babel import gettext as _
from sqlalchemy.orm import selectinload

from dispatch.errors import Conflict, NotFound, TransitionError, ValidationError
from dispatch.extensions import db
from dispatch.notifications.services import notify
from dispatch.people.models import Role, User
from dispatch.stored_text import day, said, said_plural
from dispatch.tickets.changes import commit, record, set_status
from dispatch.tickets.models import Status, Ticket
from dispatch.types import utcnow, utctoday

from . import problem as builder
from . import sources
from .models import PlanRun, RunStatus, Visit, VisitStatus
from .replan import replan_today
from .runs import give_up_lost, start_run
from .solve import pin_of

#: Ticket statuses a plan may (re)schedule.
SCHEDULABLE = frozenset({Status.TO_SCHEDULE, Status.SCHEDULED})


def get_run(run_id: int) -> PlanRun:
    run = db.session.get(PlanRun, run_id)
    if run is None:
        raise NotFound(_("No such plan."))
    return run


def recent_runs(limit: int = 20) -> list[PlanRun]:
    """The latest runs, newest first; runs whose worker died are failed first (one commit)."""
    give_up_lost()
    return list(db.session.scalars(db.select(PlanRun).order_by(PlanRun.id.desc()).limit(limit)))


def _draft(run: PlanRun) -> None:
    if run.status != RunStatus.DONE:
        raise TransitionError(
            _("Only a proposed plan can be changed or published (this one is %(s)s).", s=run.status)
        )


def _claim(run: PlanRun) -> None:
    """``_draft`` that also holds for the rest of this transaction: a conditional UPDATE of the
    run's row, so a move racing a publish (or two publishes) cannot both pass the check — the
    later one finds the run no longer a proposal (PostgreSQL waits on the row lock, then
    re-reads it; SQLite has one writer at a time)."""
    _draft(run)
    claimed = db.session.execute(
        db.update(PlanRun)
        .where(PlanRun.id == run.id, PlanRun.status == RunStatus.DONE)
        .values(status=RunStatus.DONE)
        .execution_options(synchronize_session=False)
    )
    if claimed.rowcount != 1:
        db.session.rollback()
        raise TransitionError(_("This plan was published or replaced meanwhile; reload it."))


def _visit(run: PlanRun, visit_id: int) -> Visit:
    """The visit as stored now: read again after ``_claim`` even if this request loaded it
    before, so a change or a removal committed meanwhile is seen (not a stale copy)."""
    visit = db.session.get(Visit, visit_id, populate_existing=True)
    if visit is None or visit.plan_run_id != run.id:
        raise NotFound(_("No such visit in this plan."))
    return visit


def _reorder(run: PlanRun, technician_id: int, day: date) -> None:
    same = sorted(
        (v for v in run.visits if v.technician_id == technician_id and v.day == day),
        key=lambda v: v.planned_start,
    )
    for k, v in enumerate(same, start=1):
        v.order = k


def set_pinned(run: PlanRun, visit_id: int, pinned: bool) -> Visit:
    """Keep (or release) a visit on its technician and time in the next re-run."""
    _claim(run)
    visit = _visit(run, visit_id)
    visit.pinned = bool(pinned)
    db.session.commit()
    return visit


class VisitMoved(Conflict):
    """The visit is no longer where the dispatcher's board showed it."""


def move_visit(
    run: PlanRun, visit_id: int, technician_id: int, day: date, start: time, seen: str | None = None
) -> Visit:
    """Put a visit on another technician, day or time (site-local), pinned there. ``seen``:
    the visit's :attr:`Visit.stamp` on the dispatcher's board, if the move comes from one;
    when someone else moved it since, the move is refused (two dispatchers on one plan)."""
    _claim(run)
    visit = _visit(run, visit_id)
    if seen and seen != visit.stamp:
        db.session.rollback()
        raise VisitMoved(
            _(
                "Someone else moved this visit meanwhile; the board now shows "
                "where it is. Move it again if you still want to."
            )
        )
    tech = db.session.get(User, technician_id)
    if tech is None or tech.role != Role.TECHNICIAN or not tech.active:
        raise ValidationError(_("Choose a technician."), field="technician")
    if not run.first_day <= day <= run.last_day:
        raise ValidationError(
            _(
                "Choose a day of this plan (%(a)s to %(b)s).",
                a=run.first_day.isoformat(),
                b=run.last_day.isoformat(),
            ),
            field="day",
        )
    if not sources.shifts_for(day, [technician_id]):
        raise ValidationError(
            _("%(name)s has no shift on %(day)s.", name=tech.name, day=format_date(day, "long")),
            field="technician",
        )
    old = (visit.technician_id, visit.day)
    begin = datetime.combine(day, start, builder.ticket_zone(visit.ticket))
    length = visit.planned_end - visit.planned_start
    visit.technician_id, visit.day, visit.pinned = technician_id, day, True
    visit.planned_start = begin.astimezone(visit.planned_start.tzinfo)
    visit.planned_end = visit.planned_start + length
    db.session.flush()
    db.session.expire(visit, ["technician"])
    _reorder(run, *old)
    _reorder(run, technician_id, day)
    db.session.commit()
    return visit


def remove_visit(run: PlanRun, visit_id: int) -> None:
    """Take a visit out of the proposed plan; re-runs leave its ticket out too."""
    _claim(run)
    visit = _visit(run, visit_id)
    key = (visit.technician_id, visit.day)
    options = dict(run.options or {})
    options["removed"] = sorted(set(options.get("removed", [])) | {visit.ticket_id})
    run.options = options
    result = dict(run.result or {})
    result["unassigned"] = list(result.get("unassigned", [])) + [
        {
            "ticket_id": visit.ticket_id,
            "number": visit.ticket.number,
            "subject": visit.ticket.subject,
            "reason": builder.removed_reason(),
        }
    ]
    run.result = result
    run.visits.remove(visit)
    _reorder(run, *key)
    db.session.commit()


def rerun(run: PlanRun, actor: User, time_limit: int | None = None) -> PlanRun:
    """Plan the same days again, keeping the pinned visits; this plan is superseded once the
    new one is ready."""
    _draft(run)
    options = {
        "pins": [pin_of(v) for v in run.visits if v.pinned],
        "removed": list((run.options or {}).get("removed", [])),
    }
    return start_run(
        actor,
        run.first_day,
        run.days,
        site_ids=run.site_ids,
        region=run.region,
        time_limit=time_limit or run.time_limit,
        kind="rerun",
        parent=run,
        options=options,
    )


def plan_again(run: PlanRun, actor: User, time_limit: int | None = None) -> PlanRun:
    """Start a failed run again (its worker died, the job queue was down, the engine failed):
    the same days, places and options — a re-plan of today is made afresh from the day as it
    is now. The new run is queued like any other; the failed one stays on record."""
    if run.status != RunStatus.FAILED:
        raise TransitionError(
            _("Only a failed plan can be planned again (this one is %(s)s).", s=run.status)
        )
    limit = time_limit or run.time_limit
    if run.kind == "replan":
        if run.first_day != utctoday():
            raise ValidationError(
                _("This re-plan was for %(day)s: re-plan today instead.", day=run.first_day),
                field="date",
            )
        return replan_today(actor, run.urgent_ticket_id, limit)
    parent = db.session.get(PlanRun, run.parent_id) if run.parent_id is not None else None
    return start_run(
        actor,
        run.first_day,
        run.days,
        site_ids=run.site_ids,
        region=run.region,
        time_limit=limit,
        kind=run.kind,
        parent=parent,
        options=dict(run.options or {}),
    )


def _cancel_overlapping(run: PlanRun, actor: User, replanned: set[int]) -> None:
    """Cancel the not-yet-started published visits of other plans on this plan's days."""
    old = db.session.scalars(
        db.select(Visit).where(
            Visit.plan_run_id != run.id,
            Visit.day >= run.first_day,
            Visit.day <= run.last_day,
            Visit.status == VisitStatus.PUBLISHED,
        )
    ).all()
    for visit in old:
        visit.status = VisitStatus.CANCELLED
        ticket = visit.ticket
        if visit.ticket_id not in replanned and ticket.status == Status.SCHEDULED:
            record(ticket, actor, "visit", status="cancelled", plan=run.id)
            set_status(ticket, actor, Status.TO_SCHEDULE, reason="re-planned")


def supersede_others(run: PlanRun) -> None:
    """Proposals for the same days are stale now; a published plan ends when nothing of it is
    still to be done."""
    others = db.session.scalars(
        db.select(PlanRun).where(
            PlanRun.id != run.id,
            PlanRun.status.in_((RunStatus.DONE, RunStatus.PUBLISHED)),
            PlanRun.first_day <= run.last_day,
        )
    ).all()
    pending = (VisitStatus.PUBLISHED, VisitStatus.EN_ROUTE, VisitStatus.ARRIVED)
    for other in others:
        if other.last_day < run.first_day:
            continue
        if other.status == RunStatus.DONE or not any(v.status in pending for v in other.visits):
            other.status = RunStatus.SUPERSEDED


def publish(run: PlanRun, actor: User | None, *, on_visit=None) -> PlanRun:
    """Schedule every ticket of the plan on its technician, record it, tell the technicians and
    requesters. All or nothing: one transaction. ``on_visit`` is a test hook."""
    _claim(run)
    visits = [v for v in run.visits if v.status == VisitStatus.PLANNED]
    try:
        for visit in visits:
            ticket: Ticket = visit.ticket
            if ticket.status not in SCHEDULABLE or not ticket.is_open:
                raise Conflict(
                    _(
                        "%(n)s changed meanwhile (it is now %(s)s). Re-run the plan "
                        "before publishing it.",
                        n=ticket.number,
                        s=ticket.status,
                    )
                )
        _cancel_overlapping(run, actor, {v.ticket_id for v in visits})
        per_tech: dict[int, int] = {}
        for visit in visits:
            schedule(visit, actor, run, "plan published")
            per_tech[visit.technician_id] = per_tech.get(visit.technician_id, 0) + 1
            if on_visit is not None:
                on_visit(visit)
        for tech_id, count in sorted(per_tech.items()):
            notify(tech_id, _planned_for_you(count, run.first_day, run.last_day))
        run.status, run.published_at = RunStatus.PUBLISHED, utcnow()
        run.published_by_id = actor.id if actor else None
        db.session.flush()
        supersede_others(run)
    except Exception:
        db.session.rollback()
        raise
    commit()
    return run


def schedule(visit: Visit, actor: User | None, run: PlanRun, reason: str) -> None:
    """Publish one visit: its ticket assigned to the technician and scheduled, the visit on the
    ticket's record, the requester told. Part of the caller's transaction."""
    ticket = visit.ticket
    if ticket.assignee_id != visit.technician_id:
        record(
            ticket,
            actor,
            "assigned",
            old=ticket.assignee.name if ticket.assignee else None,
            new=visit.technician.name,
            assignee=visit.technician_id,
            group=None,
        )
        ticket.assignee_id = visit.technician_id
    if ticket.status != Status.SCHEDULED:
        set_status(ticket, actor, Status.SCHEDULED, reason=reason, plan=run.id)
    record(
        ticket,
        actor,
        "visit",
        status="scheduled",
        plan=run.id,
        technician=visit.technician.name,
        start=visit.planned_start.isoformat(),
        end=visit.planned_end.isoformat(),
    )
    ticket.updated_at = utcnow()
    visit.status = VisitStatus.PUBLISHED
    notify(
        ticket.requester_id,
        said(
            "A technician visit for %(n)s is planned on %(d)s.", n=ticket.number, d=day(visit.day)
        ),
    )


def visits_of(run: PlanRun, kept_ids: Iterable[int] = ()) -> list[Visit]:
    """The run's visits plus the started ones a re-plan kept, for the board: with their
    tickets, the tickets' sites and the technicians, loaded together (a day of 200 visits is
    a handful of queries, not several per visit)."""
    load = (
        selectinload(Visit.ticket).selectinload(Ticket.site),
        selectinload(Visit.technician),
    )
    visits = list(
        db.session.scalars(db.select(Visit).where(Visit.plan_run_id == run.id).options(*load))
    )
    kept = list(kept_ids)
    if kept:
        visits += db.session.scalars(db.select(Visit).where(Visit.id.in_(kept)).options(*load))
    return sorted(visits, key=lambda v: (v.technician_id, v.day, v.planned_start))


def _planned_for_you(count: int, first: date, last: date) -> dict[str, Any]:
    """The technician's notice of a published plan: one day is named once."""
    if first == last:
        return said_plural(
            "%(num)d visit was planned for you on %(d)s.",
            "%(num)d visits were planned for you on %(d)s.",
            count,
            d=day(first),
        )
    return said_plural(
        "%(num)d visit was planned for you from %(a)s to %(b)s.",
        "%(num)d visits were planned for you from %(a)s to %(b)s.",
        count,
        a=day(first),
        b=day(last),
    )

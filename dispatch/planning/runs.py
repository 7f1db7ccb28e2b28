"""Planning runs: start one (with its day locks), run the engine in the background, store the plan.

Background work: RQ on Redis when ``RQ_REDIS_URL`` is set (``rq worker planning``), otherwise a
thread of the web process. Either way the engine has a time limit, every failure ends the run as
``failed`` with a message, and a run that stops answering is failed by the status check.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterable
from datetime import date, timedelta
from typing import Any

from flask import Flask, current_app
from flask_babel import gettext as _
from sqlalchemy.exc import IntegrityError

from dispatch import labels
from dispatch.errors import Conflict, ValidationError
from dispatch.extensions import db
from dispatch.people.models import User
from dispatch.routing import Solution, dump_solution
from dispatch.types import utcnow, utctoday

from . import problem as builder
from .local_reasons import local_reason
from .models import PlanLock, PlanRun, RunStatus, Visit
from .solve import P_READ, P_SOLVE, P_STORE, commit_progress, describe_moves, solve_run
from .sources import day_range

log = logging.getLogger(__name__)

MAX_DAYS = 14
MAX_TIME_LIMIT = 600
#: Extra seconds a run may take beyond its time limit before it counts as dead.
GRACE_SECONDS = 300


def _time_limit(value: int | None) -> int:
    limit = int(value if value is not None else current_app.config.get("PLANNING_TIME_LIMIT", 20))
    if not 1 <= limit <= MAX_TIME_LIMIT:
        raise ValidationError(
            _("The time limit must be between 1 and %(n)d seconds.", n=MAX_TIME_LIMIT),
            field="time_limit",
        )
    return limit


def start_run(
    actor: User | None,
    first_day: date,
    days: int = 1,
    *,
    site_ids: Iterable[int] = (),
    region: str = "",
    time_limit: int | None = None,
    kind: str = "plan",
    parent: PlanRun | None = None,
    urgent_ticket_id: int | None = None,
    options: dict[str, Any] | None = None,
    background: bool = True,
) -> PlanRun:
    """Queue a planning run for ``days`` days from ``first_day``; one commit.

    Refuses a day in the past, and days someone else is planning right now (Conflict).
    """
    if first_day < utctoday():
        raise ValidationError(
            _("%(day)s is in the past: plans start today or later.", day=first_day.isoformat()),
            field="date",
        )
    if not 1 <= int(days) <= MAX_DAYS:
        raise ValidationError(_("Plan between 1 and %(n)d days at once.", n=MAX_DAYS), field="days")
    run = PlanRun(
        created_by=actor,
        first_day=first_day,
        days=int(days),
        site_ids=sorted({int(s) for s in site_ids}),
        region=(region or "").strip(),
        kind=kind,
        parent_id=parent.id if parent else None,
        urgent_ticket_id=urgent_ticket_id,
        time_limit=_time_limit(time_limit),
        options=options or {},
        status=RunStatus.QUEUED,
        message=_("Waiting for the planner…"),
        created_at=utcnow(),
    )
    for attempt in range(2):
        db.session.add(run)
        try:
            db.session.flush()
            for day in day_range(first_day, run.days):
                db.session.add(PlanLock(day=day, plan_run_id=run.id, created_at=utcnow()))
            db.session.commit()
            break
        except IntegrityError:
            db.session.rollback()
            if attempt or not _clear_stale_locks(first_day, run.days):
                raise Conflict(_holder_message(first_day, run.days)) from None
    if background:
        launch(run)
    return run


def _holder_message(first_day: date, days: int) -> str:
    lock = db.session.scalar(
        db.select(PlanLock)
        .where(PlanLock.day.in_(day_range(first_day, days)))
        .order_by(PlanLock.day)
    )
    if lock is None:  # released meanwhile: trying again will work
        return _("Someone else was planning these days; try again.")
    holder = lock.plan_run.created_by
    return _(
        "%(name)s is already planning %(day)s (since %(time)s UTC). Wait for that plan "
        "and review it on the board.",
        name=holder.name if holder else _("the system"),
        day=lock.day.isoformat(),
        time=lock.created_at.strftime("%H:%M"),
    )


def _clear_stale_locks(first_day: date, days: int) -> bool:
    """Release locks held by runs that ended or stopped answering; True if any was released."""
    stale = False
    locks = db.session.scalars(
        db.select(PlanLock).where(PlanLock.day.in_(day_range(first_day, days)))
    ).all()
    for lock in locks:
        if not lock.plan_run.is_active or _is_dead(lock.plan_run):
            _fail(lock.plan_run, _("The planner stopped answering; the run was abandoned."))
            stale = True
    if stale:
        db.session.commit()
    return stale


def _is_dead(run: PlanRun) -> bool:
    deadline = run.created_at + timedelta(seconds=2 * run.time_limit + GRACE_SECONDS)
    return run.is_active and utcnow() > deadline


def _release(run: PlanRun) -> None:
    db.session.execute(db.delete(PlanLock).where(PlanLock.plan_run_id == run.id))


def _fail(run: PlanRun, message: str) -> None:
    if run.is_active:
        run.status, run.message, run.finished_at = RunStatus.FAILED, message[:500], utcnow()
    _release(run)


def launch(run: PlanRun) -> None:
    """Hand the run to RQ, or to a thread of this process."""
    url = current_app.config.get("RQ_REDIS_URL")
    if url:
        try:
            from redis import Redis
            from rq import Queue

            queue = Queue(
                current_app.config.get("RQ_PLANNING_QUEUE", "planning"),
                connection=Redis.from_url(url),
            )
            queue.enqueue(
                "dispatch.worker.plan_run", run.id, job_timeout=2 * run.time_limit + GRACE_SECONDS
            )
        except Exception as exc:  # Redis down: tell the dispatcher now, never a silent queue
            log.exception("could not queue planning run %s", run.id)
            _fail(run, _("The planning queue is unreachable (%(e)s).", e=type(exc).__name__))
            db.session.commit()
        return
    app = current_app._get_current_object()
    threading.Thread(
        target=_thread_main, args=(app, run.id), daemon=True, name=f"plan-run-{run.id}"
    ).start()


def _thread_main(app: Flask, run_id: int) -> None:
    with app.app_context():
        try:
            execute(run_id)
        finally:
            db.session.remove()


def status(run: PlanRun) -> dict[str, Any]:
    """Where the run is, for the progress bar; fails a run that stopped answering."""
    if _is_dead(run):
        _fail(run, _("The planner stopped answering; the run was abandoned."))
        db.session.commit()
    progress = run.progress
    if run.status == RunStatus.RUNNING and run.solving_since is not None:
        elapsed = (utcnow() - run.solving_since).total_seconds()
        share = min(1.0, elapsed / max(1, run.time_limit))
        progress = max(progress, int(P_SOLVE + (P_STORE - P_SOLVE) * share))
    return {
        "id": run.id,
        "status": run.status,
        "progress": progress,
        "message": run.message,
        "active": run.is_active,
        "status_label": str(labels.RUN_STATUS.get(run.status, run.status)),
    }


def execute(run_id: int) -> None:
    """Build, solve and store one run (in the background). Never raises, never hangs."""
    run = db.session.get(PlanRun, run_id)
    if run is None or run.status != RunStatus.QUEUED:
        return
    run.status = RunStatus.RUNNING
    try:
        commit_progress(run, P_READ, _("Reading jobs, shifts and travel times…"))
        built, solution, message = solve_run(run)
        run.progress = P_STORE
        store(run, built, solution)
        if run.kind == "replan":
            run.result = {
                **run.result,
                "moves": describe_moves(run),
                "tried": (run.options or {}).get("tried", []),
            }
        run.status, run.progress, run.finished_at = RunStatus.DONE, 100, utcnow()
        run.message = message[:500]
        _release(run)
        if run.parent_id is not None:
            parent = db.session.get(PlanRun, run.parent_id)
            if parent is not None and parent.status == RunStatus.DONE:
                parent.status = RunStatus.SUPERSEDED
        db.session.commit()
    except Exception as exc:
        log.exception("planning run %s failed", run_id)
        db.session.rollback()
        run = db.session.get(PlanRun, run_id)
        _fail(run, _("Planning failed: %(e)s", e=str(exc) or type(exc).__name__))
        db.session.commit()


def store(run: PlanRun, built: builder.Built, solution: Solution) -> None:
    """Turn the engine's routes into visits and keep the plan, reasons and notes."""
    pinned = {p["ticket_id"] for p in run.options.get("pins", [])}
    routes, visits = [], 0
    for route in solution.routes:
        who = built.vehicles[route.vehicle]
        steps, order, last_travel = [], 0, 0
        for step in route.steps:
            if step.type != "job":
                if step.type == "break":
                    begin = built.moment(step.arrival + step.waiting_time)
                    steps.append(
                        {"type": "break", "start": begin.isoformat(), "minutes": step.service // 60}
                    )
                continue
            start = built.moment(step.arrival + step.waiting_time)
            order += 1
            db.session.add(
                Visit(
                    plan_run=run,
                    ticket_id=step.id,
                    technician_id=who["technician_id"],
                    day=date.fromisoformat(who["day"]),
                    planned_start=start,
                    planned_end=start + timedelta(seconds=step.setup + step.service),
                    order=order,
                    travel_seconds=step.duration - last_travel,
                    pinned=step.id in pinned,
                )
            )
            last_travel = step.duration
            visits += 1
        routes.append(
            {"vehicle": route.vehicle, **who, "travel_seconds": route.duration, "breaks": steps}
        )
    jobs = built.jobs
    unassigned = [
        {
            **jobs.get(u.id, {"ticket_id": u.id, "number": f"#{u.id}"}),
            "reason": local_reason(u.reason, built.epoch, built.zones[u.id])
            if u.id in built.zones
            else u.reason,
        }
        for u in solution.unassigned
    ]
    removed = run.options.get("removed", [])
    unassigned += built.unplannable + [
        {"ticket_id": t, "number": f"#{t}", "reason": _("removed from the plan by the dispatcher")}
        for t in removed
    ]
    run.result = {
        "routes": routes,
        "unassigned": unassigned,
        "notes": built.notes,
        "moves": [],
        "summary": {
            "visits": visits,
            "unassigned": len(unassigned),
            "travel_minutes": round(solution.travel / 60),
            "solving_ms": solution.solving_ms,
        },
        "plan": dump_solution(built.problem, solution),
    }

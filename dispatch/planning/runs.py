"""Planning runs: start one (with its day locks), run the engine in the background, store the plan.

Background work: RQ on Redis when ``RQ_REDIS_URL`` is set (``rq worker planning``), otherwise a
thread of the web process. Either way the engine has a time limit, every failure ends the run as
``failed`` with a message, and a run whose process died (no heartbeat, see
:mod:`dispatch.planning.heartbeat`) or that outlived its time limit by far is failed by whoever
looks at it next: the board's progress poll, the list of plans, the next run a worker starts.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterable
from datetime import date, timedelta
from typing import Any

from flask import Flask, current_app
from flask_babel import format_date
from flask_babel import gettext as _
from sqlalchemy.exc import IntegrityError

from dispatch import labels
from dispatch.errors import Conflict, ValidationError
from dispatch.extensions import db
from dispatch.people.models import User
from dispatch.routing import Solution, dump_solution
from dispatch.stored_text import Stored, said
from dispatch.types import utcnow, utctoday

from . import heartbeat
from . import problem as builder
from .engine_reasons import say
from .local_reasons import local_reason
from .models import ACTIVE_RUN, PlanLock, PlanRun, RunStatus, Visit, VisitStatus
from .solve import (
    P_READ,
    P_SOLVE,
    P_STORE,
    commit_progress,
    describe_moves,
    message_columns,
    pin_of,
    solve_run,
)
from .sources import day_range

log = logging.getLogger(__name__)

MAX_DAYS = 14
MAX_TIME_LIMIT = 600
#: Extra seconds a run may take beyond its time limit before it counts as dead.
GRACE_SECONDS = 300
#: Seconds the web process waits for Redis when it queues a run.
REDIS_TIMEOUT = 5


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
            _(
                "%(day)s is in the past: plans start today or later.",
                day=format_date(first_day, "long"),
            ),
            field="date",
        )
    if not 1 <= int(days) <= MAX_DAYS:
        raise ValidationError(_("Plan between 1 and %(n)d days at once.", n=MAX_DAYS), field="days")
    if kind != "replan":  # a re-plan of today keeps every pinned visit already
        options = _keep_bookings(options or {}, first_day, int(days))
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
        **message_columns(said("Waiting for the planner…")),
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


def _keep_bookings(options: dict[str, Any], first_day: date, days: int) -> dict[str, Any]:
    """A plan of days with booked visits (dispatch.planning.booking) keeps each where it was
    booked, a pin at its time: the requester was told it. Not one the dispatcher removed."""
    booked = db.session.scalars(
        db.select(Visit)
        .join(PlanRun)
        .where(
            PlanRun.kind == "booking",
            Visit.status == VisitStatus.PUBLISHED,
            Visit.pinned.is_(True),
            Visit.day >= first_day,
            Visit.day < first_day + timedelta(days=days),
        )
    ).all()
    pins = list(options.get("pins", []))
    skip = {p["ticket_id"] for p in pins} | set(options.get("removed", []))
    pins += [pin_of(v) for v in booked if v.ticket_id not in skip]
    return {**options, "pins": pins} if pins else options


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
        run = lock.plan_run
        reason = _why_lost(run)
        if reason:
            _fail(run, reason)
        elif not run.is_active:
            _release(run)
        else:
            continue
        stale = True
    if stale:
        db.session.commit()
    return stale


def _why_lost(run: PlanRun) -> Stored | None:
    """Why an active run will never end by itself, or None while it may still."""
    now = utcnow()
    if heartbeat.is_stale(run, now):
        return said(
            "The worker stopped during the run (no sign of it for %(n)d s): nothing was "
            "planned. Plan again.",
            n=round(heartbeat.timeout()),
        )
    deadline = run.created_at + timedelta(seconds=2 * run.time_limit + GRACE_SECONDS)
    if run.is_active and now > deadline:
        return said("The planner stopped answering; the run was abandoned.")
    return None


def give_up_lost() -> int:
    """Fail every active run whose process died or that stopped answering (one commit); how
    many. Anyone may call it: the list of plans does, and so does a worker before each run."""
    lost = 0
    for run in db.session.scalars(db.select(PlanRun).where(PlanRun.status.in_(ACTIVE_RUN))):
        reason = _why_lost(run)
        if reason:
            _fail(run, reason)
            lost += 1
    if lost:
        db.session.commit()
    return lost


def _release(run: PlanRun) -> None:
    db.session.execute(db.delete(PlanLock).where(PlanLock.plan_run_id == run.id))


def _fail(run: PlanRun, message: Stored) -> None:
    """End an active run as failed and release its days (the caller commits).

    Conditional on the run still being active in the database: a run that another process
    finished at the same moment keeps its plan (PostgreSQL waits on the row's lock, then
    re-reads it; SQLite has one writer at a time)."""
    if run.is_active:
        db.session.execute(
            db.update(PlanRun)
            .where(PlanRun.id == run.id, PlanRun.status.in_(ACTIVE_RUN))
            .values(status=RunStatus.FAILED, **message_columns(message), finished_at=utcnow())
            .execution_options(synchronize_session=False)
        )
        db.session.refresh(run)
    _release(run)


def launch(run: PlanRun) -> None:
    """Hand the run to RQ, or to a thread of this process."""
    url = current_app.config.get("RQ_REDIS_URL")
    if url:
        try:
            from redis import Redis
            from rq import Queue

            redis = Redis.from_url(
                url, socket_connect_timeout=REDIS_TIMEOUT, socket_timeout=REDIS_TIMEOUT
            )
            queue = Queue(current_app.config.get("RQ_PLANNING_QUEUE", "planning"), connection=redis)
            queue.enqueue(
                "dispatch.worker.plan_run", run.id, job_timeout=2 * run.time_limit + GRACE_SECONDS
            )
        except Exception as exc:  # Redis down: tell the dispatcher now, never a silent queue
            log.exception("could not queue planning run %s", run.id)
            _fail(
                run,
                said(
                    "The job queue is unavailable (%(e)s): the plan was not started. Try again "
                    "in a moment; if it persists, tell your administrator.",
                    e=type(exc).__name__,
                ),
            )
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
    """Where the run is, for the progress bar; fails a run whose process died or that stopped
    answering."""
    reason = _why_lost(run)
    if reason:
        _fail(run, reason)
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
        "message": say(run.message_data or run.message),
        "active": run.is_active,
        "status_label": str(labels.RUN_STATUS.get(run.status, run.status)),
    }


def execute(run_id: int) -> None:
    """Build, solve and store one run (in the background). Never raises, never hangs.

    The run is claimed (queued → running) and finished (running → done) by conditional
    updates: a run started twice is planned once, and a run given up meanwhile as lost stays
    failed. A heartbeat is stamped all along (:mod:`dispatch.planning.heartbeat`)."""
    give_up_lost()
    if not _moved(run_id, RunStatus.QUEUED, status=RunStatus.RUNNING, heartbeat_at=utcnow()):
        db.session.rollback()
        return
    db.session.commit()
    run = db.session.get(PlanRun, run_id)
    try:
        with heartbeat.Heartbeat(run_id):
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
            db.session.flush()
            if not _moved(run_id, RunStatus.RUNNING, status=RunStatus.DONE):
                log.warning("planning run %s was given up meanwhile; its plan is dropped", run_id)
                db.session.rollback()
                return
            run.progress, run.finished_at = 100, utcnow()
            for column, value in message_columns(message).items():
                setattr(run, column, value)
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
        _fail(run, said("Planning failed: %(e)s", e=str(exc) or type(exc).__name__))
        db.session.commit()


def _moved(run_id: int, was: str, **values: Any) -> bool:
    """Update the run's row only if its status is still ``was`` (the caller commits)."""
    done = db.session.execute(
        db.update(PlanRun)
        .where(PlanRun.id == run_id, PlanRun.status == was)
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    return done.rowcount == 1


def store(run: PlanRun, built: builder.Built, solution: Solution) -> None:
    """Turn the engine's routes into visits and keep the plan, reasons and notes."""
    pinned = {p["ticket_id"] for p in run.options.get("pins", [])}
    routes, visits, served = [], 0, set()
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
            served.add(step.id)
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
        {"ticket_id": t, "number": f"#{t}", "reason": builder.removed_reason()} for t in removed
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
        # What each planned ticket preferred (the board says when the plan did not give it).
        "preferred": {str(t): p for t, p in built.preferred.items() if t in served},
    }

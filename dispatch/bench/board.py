"""The company's visits: the past ones (one published plan per working day, each visit done),
and the day the board scenario shows, planned by the scheduling engine itself from the
requests waiting to be planned, so that the board is what a dispatcher would review."""

from __future__ import annotations

from collections import defaultdict
from datetime import date, timedelta

import psycopg

from dispatch.bench.company import Company, Size
from dispatch.bench.history import Written
from dispatch.bench.rows import copy_rows
from dispatch.extensions import db
from dispatch.people.models import User
from dispatch.planning.models import PlanRun, RunStatus
from dispatch.planning.runs import execute, start_run

RUN_COLUMNS = (
    "id", "created_by_id", "created_at", "first_day", "days", "site_ids", "region", "kind",
    "time_limit", "status", "progress", "message", "finished_at", "published_at",
    "published_by_id", "options",
)  # fmt: skip
VISIT_COLUMNS = (
    "id", "plan_run_id", "ticket_id", "technician_id", "day", "planned_start", "planned_end",
    "order", "travel_seconds", "pinned", "status", "notes", "time_spent_min", "en_route_at",
    "arrived_at", "done_at", "updated_at",
)  # fmt: skip


def write_past_visits(conn: psycopg.Connection, company: Company, written: Written) -> int:
    """One published run per day that had visits (its id as the tickets' records name it:
    the day's distance from today), and the visits, done."""
    by_day = defaultdict(list)
    for visit in written.past_visits:
        by_day[visit.start.date()].append(visit)
    runs, visits = [], []
    dispatcher = company.dispatchers[0].id
    for day, day_visits in sorted(by_day.items()):
        evening = day_visits[0].start.replace(hour=15) - timedelta(days=1)
        runs.append(
            ((company.today - day).days, dispatcher, evening, day, 1, "[]", "", "plan", 10)
            + ("published", 100, "", evening, evening, dispatcher, "{}")
        )
        order: dict[int, int] = defaultdict(int)
        for v in sorted(day_visits, key=lambda v: v.start):
            order[v.technician_id] += 1
            end = v.start + timedelta(minutes=v.minutes)
            visits.append(
                (len(visits) + 1, runs[-1][0], v.ticket_id, v.technician_id, day, v.start, end)
                + (order[v.technician_id], 900, False, "done", "", v.minutes)
                + (v.start - timedelta(minutes=15), v.start, end, end)
            )
    copy_rows(conn, "plan_run", RUN_COLUMNS, runs)
    return copy_rows(conn, "visit", VISIT_COLUMNS, visits)


def board_day(today: date) -> date:
    """The next working day: the one the dispatcher plans."""
    day = today + timedelta(days=1)
    while day.weekday() >= 5:
        day += timedelta(days=1)
    return day


def plan_day(company: Company, size: Size) -> PlanRun:
    """Plan the next working day with the engine, as the planning page does (in this process);
    the run, done and not yet published: the board a dispatcher reviews and edits."""
    dispatcher = db.session.get(User, company.dispatchers[0].id)
    run = start_run(
        dispatcher, board_day(company.today), 1, time_limit=size.plan_seconds, background=False
    )
    execute(run.id)
    db.session.expire_all()
    run = db.session.get(PlanRun, run.id)
    if run.status != RunStatus.DONE:
        raise RuntimeError(f"the engine did not plan the board's day: {run.status} {run.message}")
    return run


def plan_summary(run: PlanRun) -> dict:
    summary = (run.result or {}).get("summary", {})
    return {"run": run.id, "day": run.first_day.isoformat(), "visits": len(run.visits), **summary}

"""The checker's field-work rules, over the whole plan (docs/solver-json.md, "Field work").

Written from the JSON interface, like the rest of the checker, and on the times the plan
reports (a task starts at ``arrival + waiting_time`` and ends after its setup and service), so
that a dependency kept only in the solver's own timing is still caught:

* a served job is on one of its ``required_vehicles`` (when it has some) and on none of its
  ``prohibited_vehicles``;
* a served job's predecessors are served (on its vehicle, when ``same_vehicle``), and it starts
  at least ``delay`` seconds after each of them ends;
* the ``lateness`` a job with a deadline reports is the seconds its task ended past it;
* the ``overtime`` a route reports is the seconds it reached its end (or ended its last step,
  on an open route) past its shift's end, 0 on a vehicle without an overtime allowance;
* the summary's ``lateness`` and ``overtime`` add up, and its ``soft_cost`` is the preference,
  lateness and overtime costs plus the balance cost: ``options.balance`` per minute of the
  sum of the absolute deviations of every technician's working time (travel, setup and
  service of its jobs; 0 without a route) from their mean, rounded up.
"""

from __future__ import annotations

import math
from fractions import Fraction
from typing import Any

from .check_shape import PlanRoute
from .model import Job, Problem

__all__ = ["check_rules"]


def _cost(job: Job, vehicle: Any, end: int) -> tuple[int, int]:
    """(lateness in seconds, soft cost) of ``job`` ending at ``end`` on ``vehicle``."""
    cost = 0
    if job.preferred_vehicles:
        weights = dict(job.preferred_vehicles)
        cost += max(weights.values()) - weights.get(vehicle, 0)
    late = 0
    if job.deadline is not None and end > job.deadline.time:
        late = end - job.deadline.time
        cost += job.deadline.breach + -(-job.deadline.per_minute * late // 60)
    return late, cost


def _technicians(problem: Problem, routes: list[PlanRoute], out: list[str]) -> tuple[int, int, int]:
    """(overtime in seconds, overtime cost, balance cost) of the plan, by its own figures;
    each route's reported overtime checked on the way."""
    vehicles = {v.id: v for v in problem.vehicles}
    jobs = {j.id: j for j in problem.jobs}
    work = dict.fromkeys(vehicles, 0)
    seconds = cost = 0
    for route in routes:
        vehicle, steps = vehicles.get(route.vehicle), route.steps
        figures = [(s.arrival, s.waiting_time, s.setup, s.service, s.duration) for s in steps]
        if vehicle is None or not steps or not all(isinstance(x, int) for f in figures for x in f):
            continue  # reported by the route checks
        last = steps[-1]
        finish = last.arrival
        if last.type != "end":
            finish += last.waiting_time + last.setup + last.service
        over = max(0, finish - vehicle.time_window[1]) if vehicle.overtime is not None else 0
        where = f"route of vehicle {route.vehicle}"
        if vehicle.overtime is not None and route.overtime != over:
            out.append(f"{where}: overtime {route.overtime!r}, it ends {over} s past its shift")
        elif vehicle.overtime is None and route.overtime:
            out.append(f"{where}: overtime {route.overtime!r} without an overtime allowance")
        if over:
            seconds += over
            cost += -(-vehicle.overtime.per_minute * over // 60)
        work[vehicle.id] = last.duration + sum(
            s.setup + s.service for s in steps if s.type == "job" and s.id in jobs
        )
    balance = 0
    if problem.balance and len(work) > 1:
        mean = Fraction(sum(work.values()), len(work))
        spread = sum(abs(w - mean) for w in work.values())
        balance = math.ceil(problem.balance * spread / 60)
    return seconds, cost, balance


def check_rules(
    problem: Problem, routes: list[PlanRoute], summary: dict | None, out: list[str]
) -> None:
    """Append to ``out`` every way the plan's ``routes`` break a job's field-work rules, or
    report figures the technicians' overtime and balance do not give."""
    jobs = {j.id: j for j in problem.jobs}
    # Per served job: (vehicle, start, end), by the plan's own figures.
    times: dict[Any, tuple[Any, int, int]] = {}
    total_late = total_cost = 0
    overtime, overtime_cost, balance_cost = _technicians(problem, routes, out)
    total_cost += overtime_cost + balance_cost
    for route in routes:
        for s in route.steps:
            job = jobs.get(s.id) if s.type == "job" else None
            if job is None or not all(
                isinstance(x, int) for x in (s.arrival, s.waiting_time, s.setup, s.service)
            ):
                continue  # reported by the route checks
            start = s.arrival + s.waiting_time
            end = start + s.setup + s.service
            if job.team > 1 and job.id in times and times[job.id][1] != start:
                out.append(
                    f"team job {job.id} starts at {start} on vehicle {route.vehicle} and at "
                    f"{times[job.id][1]} on vehicle {times[job.id][0]}: its technicians start "
                    "together"
                )
            times[job.id] = (route.vehicle, start, end)
            where = f"job {job.id} on vehicle {route.vehicle}"
            if job.required_vehicles and route.vehicle not in job.required_vehicles:
                out.append(f"{where}: only vehicles {sorted(job.required_vehicles)} may serve it")
            if route.vehicle in job.prohibited_vehicles:
                out.append(f"{where}: the vehicle is prohibited for it")
            late, cost = _cost(job, route.vehicle, end)
            total_late += late
            total_cost += cost
            reported = s.lateness if job.deadline is not None else (s.lateness or 0)
            if job.deadline is not None and reported != late:
                out.append(f"{where}: lateness {reported!r}, its task ends {late} s late")
            elif job.deadline is None and reported:
                out.append(f"{where}: lateness {reported!r} without a deadline")
    for jid, (vehicle, start, _) in times.items():
        for dep in jobs[jid].depends_on:
            got = times.get(dep.id)
            if got is None:
                out.append(f"job {jid} is served without job {dep.id}, which it depends on")
            elif dep.same_vehicle and got[0] != vehicle:
                out.append(f"job {jid} is not on the vehicle of job {dep.id} ({got[0]})")
            elif start < got[2] + dep.delay:
                out.append(
                    f"job {jid} starts at {start}, before job {dep.id} ends at {got[2]} "
                    f"plus {dep.delay} s"
                )
    if summary is not None:
        if "lateness" in summary and summary["lateness"] != total_late:
            out.append(
                f"summary lateness is {summary['lateness']!r}, the steps add up to {total_late}"
            )
        if "soft_cost" in summary and summary["soft_cost"] != total_cost:
            out.append(
                f"summary soft_cost is {summary['soft_cost']!r}, the plan's costs add up to "
                f"{total_cost}"
            )
        has_deadline = any(j.deadline is not None for j in problem.jobs)
        if has_deadline and "lateness" not in summary:
            out.append("summary lateness missing, though jobs have deadlines")
        if any(v.overtime is not None for v in problem.vehicles):
            if summary.get("overtime") != overtime:
                out.append(
                    f"summary overtime is {summary.get('overtime')!r}, the routes add up to "
                    f"{overtime}"
                )
        costly = overtime_cost or balance_cost or any(j.preferred_vehicles for j in problem.jobs)
        if (costly or has_deadline) and "soft_cost" not in summary:
            out.append("summary soft_cost missing, though the plan has soft costs")

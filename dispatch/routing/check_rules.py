"""The checker's field-work rules, over the whole plan (docs/solver-json.md, "Field work").

Written from the JSON interface, like the rest of the checker, and on the times the plan
reports (a task starts at ``arrival + waiting_time`` and ends after its setup and service), so
that a dependency kept only in the solver's own timing is still caught:

* a served job is on one of its ``required_vehicles`` (when it has some) and on none of its
  ``prohibited_vehicles``;
* a served job's predecessors are served (on its vehicle, when ``same_vehicle``), and it starts
  at least ``delay`` seconds after each of them ends;
* the ``lateness`` a job with a deadline reports is the seconds its task ended past it, and the
  summary's ``lateness`` and ``soft_cost`` add up (the preference and lateness costs).
"""

from __future__ import annotations

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


def check_rules(
    problem: Problem, routes: list[PlanRoute], summary: dict | None, out: list[str]
) -> None:
    """Append to ``out`` every way the plan's ``routes`` break a job's field-work rules."""
    jobs = {j.id: j for j in problem.jobs}
    # Per served job: (vehicle, start, end), by the plan's own figures.
    times: dict[Any, tuple[Any, int, int]] = {}
    total_late = total_cost = 0
    for route in routes:
        for s in route.steps:
            job = jobs.get(s.id) if s.type == "job" else None
            if job is None or not all(
                isinstance(x, int) for x in (s.arrival, s.waiting_time, s.setup, s.service)
            ):
                continue  # reported by the route checks
            start = s.arrival + s.waiting_time
            end = start + s.setup + s.service
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

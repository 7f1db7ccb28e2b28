"""Writing problems in VROOM's input format, plans in its output format (plus each unassigned
job's reason), and errors.

The format is described in docs/solver-json.md.
"""

from __future__ import annotations

from typing import Any

from .fieldrules import soft_cost
from .model import Job, Problem, Solution

__all__ = ["dump_problem", "dump_solution", "dump_error"]


def dump_error(code: int, message: str) -> dict:
    """VROOM's error document."""
    return {"code": code, "error": message}


def _windows(windows) -> list[list[int]]:
    return [[a, b] for a, b in windows]


def _step(step) -> dict:
    keys = ("type", "id", "service_at", "service_after", "service_before")
    return {k: getattr(step, k) for k in keys if getattr(step, k) is not None}


def dump_problem(problem: Problem) -> dict:
    """Write a :class:`Problem` in VROOM's input format, with its matrix: what
    :func:`jsonio.parse_problem` reads back into the same problem (``python -m dispatch.routing
    solve -i`` solves it). Values left at their defaults are left out."""
    jobs = []
    for j in problem.jobs:
        out: dict[str, Any] = {"id": j.id, "location_index": j.location_index}
        _place(out, j.location, None)
        if j.setup:
            out["setup"] = j.setup
        out["service"] = j.service
        out["time_windows"] = _windows(j.time_windows)
        out["skills"] = sorted(j.skills)
        out["priority"] = j.priority
        if j.delivery:
            out["delivery"] = list(j.delivery)
        if j.description:
            out["description"] = j.description
        out.update(_rules(j))
        jobs.append(out)
    vehicles = []
    for v in problem.vehicles:
        out = {"id": v.id}
        for key in ("start", "end"):
            if getattr(v, key) is not None:
                out[key] = list(getattr(v, key))
        for key in ("start_index", "end_index", "max_travel_time", "max_tasks"):
            if getattr(v, key) is not None:
                out[key] = getattr(v, key)
        out["time_window"] = list(v.time_window)
        out["skills"] = sorted(v.skills)
        if v.capacity:
            out["capacity"] = list(v.capacity)
        if v.breaks:
            out["breaks"] = [
                {
                    "id": b.id,
                    "time_windows": _windows(b.time_windows),
                    "service": b.service,
                    **({"description": b.description} if b.description else {}),
                }
                for b in v.breaks
            ]
        if v.steps:
            out["steps"] = [_step(s) for s in v.steps]
        if v.description:
            out["description"] = v.description
        if v.overtime is not None:
            out["overtime"] = {"max": v.overtime.max, "per_minute": v.overtime.per_minute}
        vehicles.append(out)
    doc: dict[str, Any] = {"vehicles": vehicles, "jobs": jobs}
    if problem.durations:
        doc["matrices"] = {"car": {"durations": [list(row) for row in problem.durations]}}
    if problem.balance:
        doc["options"] = {"balance": problem.balance}
    return doc


def _rules(job: Job) -> dict[str, Any]:
    """The job's field-work keys that are not at their defaults."""
    out: dict[str, Any] = {}
    if job.required_vehicles:
        out["required_vehicles"] = sorted(job.required_vehicles)
    if job.prohibited_vehicles:
        out["prohibited_vehicles"] = sorted(job.prohibited_vehicles)
    if job.preferred_vehicles:
        out["preferred_vehicles"] = [{"id": v, "weight": w} for v, w in job.preferred_vehicles]
    if job.deadline is not None:
        dl = job.deadline
        out["deadline"] = {"time": dl.time, "per_minute": dl.per_minute, "breach": dl.breach}
    if job.depends_on:
        out["depends_on"] = [
            {"id": d.id, "delay": d.delay, "same_vehicle": d.same_vehicle} for d in job.depends_on
        ]
    if job.team > 1:
        out["team"] = job.team
    return out


def _place(out: dict, location: Any, index: int | None) -> None:
    if location is not None:
        out["location"] = [location[0], location[1]]
    if index is not None:
        out["location_index"] = index


def dump_solution(problem: Problem, solution: Solution) -> dict:
    """Write a :class:`Solution` in VROOM's output format (plus each unassigned job's reason).

    Route figures are echoed from the solution; the summary adds them up. ``cost`` is the travel
    time, as VROOM reports it when it is given a durations matrix.
    """
    jobs = {j.id: j for j in problem.jobs}
    vehicles = {v.id: v for v in problem.vehicles}
    routes = []
    for route in solution.routes:
        vehicle = vehicles.get(route.vehicle)
        steps = []
        for s in route.steps:
            out: dict[str, Any] = {"type": s.type}
            location, index = s.location, s.location_index
            if s.type == "job":
                job = jobs.get(s.id)
                if job is not None:
                    location = location or job.location
                    index = job.location_index if index is None else index
            elif vehicle is not None and s.type in ("start", "end"):
                location = location or (vehicle.start if s.type == "start" else vehicle.end)
                if index is None:
                    index = vehicle.start_index if s.type == "start" else vehicle.end_index
            if s.type in ("job", "break"):
                out["id"] = s.id
            if s.description:
                out["description"] = s.description
            _place(out, location, index)
            out.update(
                arrival=s.arrival,
                duration=s.duration,
                setup=s.setup,
                service=s.service,
                waiting_time=s.waiting_time,
            )
            if s.type == "job" and job is not None and job.deadline is not None:
                out["lateness"] = s.lateness  # extension: seconds past the soft deadline
            steps.append(out)
        out_route: dict[str, Any] = {
            "vehicle": route.vehicle,
            "cost": route.cost or route.duration,
            "setup": route.setup,
            "service": route.service,
            "duration": route.duration,
            "waiting_time": route.waiting_time,
            "priority": route.priority,
        }
        if route.delivery:
            out_route["delivery"] = list(route.delivery)
        if vehicle is not None and vehicle.overtime is not None:
            out_route["overtime"] = route.overtime  # extension: seconds past the shift's end
        description = route.description or (vehicle.description if vehicle else "")
        if description:
            out_route["description"] = description
        out_route["steps"] = steps
        routes.append(out_route)
    unassigned = []
    for u in solution.unassigned:
        job = jobs.get(u.id)
        out = {"id": u.id, "type": "job"}
        description = u.description or (job.description if job else "")
        if description:
            out["description"] = description
        _place(
            out,
            u.location or (job.location if job else None),
            u.location_index
            if u.location_index is not None
            else (job.location_index if job else None),
        )
        out["reason"] = u.reason
        unassigned.append(out)
    summary = {
        key: sum(r[key] for r in routes)
        for key in ("cost", "setup", "service", "duration", "waiting_time", "priority")
    }
    summary = {
        "cost": summary["cost"],
        "routes": len(routes),
        "unassigned": len(unassigned),
        **{k: v for k, v in summary.items() if k != "cost"},
    }
    if any(j.deadline is not None for j in problem.jobs):  # extension: the soft deadlines
        summary["lateness"] = sum(s.get("lateness", 0) for r in routes for s in r["steps"])
    overtime = any(v.overtime is not None for v in problem.vehicles)
    if overtime:  # extension: the shifts that may run over
        summary["overtime"] = sum(r.get("overtime", 0) for r in routes)
    if (
        overtime
        or problem.balance
        or any(j.deadline is not None or j.preferred_vehicles for j in problem.jobs)
    ):
        summary["soft_cost"] = soft_cost(problem, solution)
    summary["computing_times"] = {"loading": solution.loading_ms, "solving": solution.solving_ms}
    if solution.stop_reason:  # extension: why the search stopped, and when it found the plan
        summary["search"] = {"stop": solution.stop_reason, "found_at": solution.found_at}
    return {"code": 0, "summary": summary, "unassigned": unassigned, "routes": routes}

"""Writing plans in VROOM's output format (plus each unassigned job's reason), and errors.

The format is described in docs/solver-json.md.
"""

from __future__ import annotations

from typing import Any

from .model import Problem, Solution

__all__ = ["dump_solution", "dump_error"]


def dump_error(code: int, message: str) -> dict:
    """VROOM's error document."""
    return {"code": code, "error": message}


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
    summary["computing_times"] = {"loading": solution.loading_ms, "solving": solution.solving_ms}
    return {"code": 0, "summary": summary, "unassigned": unassigned, "routes": routes}

"""The peers we measure ourselves against, side by side on the same instances (bench only).

VROOM (``pyvroom``) and PyVRP are optional (the ``bench`` extra). Dispatch's own solver never
calls them: they are only run here to print their figures next to ours.
"""

from __future__ import annotations

import json
import tempfile
import time
from pathlib import Path
from typing import Any

from ..check import check_solution
from ..model import HORIZON, Problem


def available() -> dict[str, bool]:
    """Which peers can be imported."""
    found = {}
    for name in ("vroom", "pyvrp"):
        try:
            __import__(name)
            found[name] = True
        except ImportError:
            found[name] = False
    return found


def _windows(windows) -> list[list[int]]:
    return [[a, min(b, HORIZON)] for a, b in windows]


def vroom_document(problem: Problem) -> dict[str, Any]:
    """The problem in VROOM's JSON input format (matrix given, so no routing server)."""
    jobs = []
    for j in problem.jobs:
        doc: dict[str, Any] = {
            "id": j.id,
            "location_index": j.location_index,
            "service": j.service,
            "setup": j.setup,
            "priority": j.priority,
            "time_windows": _windows(j.time_windows),
        }
        if j.skills:
            doc["skills"] = sorted(j.skills)
        if j.delivery:
            doc["delivery"] = list(j.delivery)
        jobs.append(doc)
    vehicles = []
    for v in problem.vehicles:
        doc = {"id": v.id, "time_window": [v.time_window[0], min(v.time_window[1], HORIZON)]}
        if v.start_index is not None:
            doc["start_index"] = v.start_index
        if v.end_index is not None:
            doc["end_index"] = v.end_index
        if v.skills:
            doc["skills"] = sorted(v.skills)
        if v.capacity:
            doc["capacity"] = list(v.capacity)
        if v.breaks:
            doc["breaks"] = [
                {"id": b.id, "service": b.service, "time_windows": _windows(b.time_windows)}
                for b in v.breaks
            ]
        if v.max_travel_time is not None:
            doc["max_travel_time"] = v.max_travel_time
        if v.max_tasks is not None:
            doc["max_tasks"] = v.max_tasks
        vehicles.append(doc)
    matrix = [list(row) for row in problem.durations]
    return {"jobs": jobs, "vehicles": vehicles, "matrices": {"car": {"durations": matrix}}}


def run_vroom(
    problem: Problem, threads: int = 2, exploration: int = 5, timeout: float | None = None
) -> dict[str, Any]:
    """Solve with VROOM; its plan is replayed by our checker like ours (VROOM gives no reasons
    for unassigned jobs, so that complaint is left out)."""
    from datetime import timedelta

    import vroom

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "problem.json"
        path.write_text(json.dumps(vroom_document(problem)))
        started = time.perf_counter()
        solution = vroom.Input.from_json(path).solve(
            exploration_level=exploration,
            nb_threads=threads,
            timeout=None if timeout is None else timedelta(seconds=timeout),
        )
        seconds = time.perf_counter() - started
    plan = solution.to_dict()
    plan.setdefault("code", 0)
    served = sum(1 for r in plan.get("routes", []) for s in r["steps"] if s["type"] == "job")
    return {
        "priority": plan["summary"].get("priority", 0),
        "served": served,
        "travel": plan["summary"]["duration"],
        "seconds": seconds,
        "violations": [v for v in check_solution(problem, plan) if "no reason" not in v],
    }


def run_pyvrp_vrplib(path: str | Path, seconds: float, seed: int = 0) -> dict[str, Any]:
    """Solve a VRPLIB VRPTW instance with PyVRP (DIMACS rounding); cost in DIMACS units."""
    import pyvrp
    from pyvrp.stop import MaxRuntime

    data = pyvrp.read(path, round_func="dimacs")
    started = time.perf_counter()
    result = pyvrp.solve(data, stop=MaxRuntime(seconds), seed=seed, display=False)
    elapsed = time.perf_counter() - started
    best = result.best
    return {
        "cost": best.distance() / 10,
        "feasible": best.is_feasible(),
        "routes": best.num_routes(),
        "seconds": elapsed,
    }

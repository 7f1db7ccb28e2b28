"""Helpers shared by the routing tests: a CLI runner, a sample problem, and a brute-force optimum.

Plain functions rather than fixtures, so that hypothesis tests can use them without
function-scoped fixtures.
"""

from __future__ import annotations

import copy
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

from hypothesis import strategies as st

from dispatch.routing.model import HORIZON, Problem, Vehicle

ROOT = Path(__file__).resolve().parents[2]


def run_cli(
    *args: str, stdin: str | bytes | None = None, timeout: float = 120
) -> subprocess.CompletedProcess:
    """Run ``python -m dispatch.routing ARGS`` from the project root; bytes in, text out."""
    data = stdin.encode() if isinstance(stdin, str) else stdin
    env = {**os.environ, "PYTHONIOENCODING": "utf-8"}  # messages carry "–", whatever the locale
    proc = subprocess.run(
        [sys.executable, "-m", "dispatch.routing", *args],
        input=data,
        capture_output=True,
        timeout=timeout,
        cwd=ROOT,
        env=env,
    )
    proc.stdout, proc.stderr = proc.stdout.decode("utf-8"), proc.stderr.decode("utf-8")
    return proc


# A small day: depot 0, two sites. One technician 08:00–17:00 with a lunch break.
SAMPLE: dict[str, Any] = {
    "vehicles": [
        {
            "id": 1,
            "start_index": 0,
            "end_index": 0,
            "time_window": [28800, 61200],
            "skills": [1],
            "capacity": [4],
            "max_travel_time": 3600,
            "breaks": [{"id": 7, "time_windows": [[43200, 46800]], "service": 1800}],
        }
    ],
    "jobs": [
        {
            "id": 10,
            "location_index": 1,
            "service": 600,
            "time_windows": [[30000, 36000]],
            "skills": [1],
            "delivery": [2],
            "priority": 1,
        },
        {
            "id": 11,
            "location_index": 2,
            "service": 900,
            "setup": 120,
            "priority": 5,
            "delivery": [1],
        },
        {"id": 12, "location_index": 2, "service": 300, "setup": 120, "delivery": [0]},
        {"id": 13, "location_index": 1, "service": 300, "skills": [3], "delivery": [0]},
    ],
    "matrices": {"car": {"durations": [[0, 600, 900], [600, 0, 300], [900, 300, 0]]}},
}


def sample(**changes: Any) -> dict:
    """A deep copy of :data:`SAMPLE`; ``changes`` maps dotted paths to new values."""
    doc = copy.deepcopy(SAMPLE)
    for path, value in changes.items():
        *parents, last = path.split(".")
        node: Any = doc
        for part in parents:
            node = node[int(part)] if isinstance(node, list) else node[part]
        if isinstance(node, list):
            node[int(last)] = value
        else:
            node[last] = value
    return doc


def dumps(doc: Any) -> str:
    return json.dumps(doc)


# ---------------------------------------------------------------------------------------------
# Brute force: the true lexicographic optimum of a tiny problem, by enumerating every route.
# Written for the tests, separately from the checker and the solver, with the same contract
# semantics (task start in a window, setup skipped at the same place, breaks between tasks with
# the wait before them usable for driving, shift closes at the end arrival).


def metric_matrix(draw, n_places: int) -> list[list[int]]:
    """A random travel matrix (1–40 s between two places) closed under shortest paths: real
    travel times obey the triangle inequality, and the reasons for unassigned jobs rely on it
    (see dispatch.routing.reasons). ``draw``: hypothesis's, in a composite strategy."""
    travel = st.integers(1, 40)
    matrix = [[0 if a == b else draw(travel) for b in range(n_places)] for a in range(n_places)]
    for k in range(n_places):
        for a in range(n_places):
            for b in range(n_places):
                matrix[a][b] = min(matrix[a][b], matrix[a][k] + matrix[k][b])
    return matrix


def draw_job(draw, i: int, n_places: int, longest: int = 30) -> dict:
    """A random job ``100 + i`` at one of ``n_places`` places: up to ``longest`` seconds of
    service, priority 0, 1 or 5, a window one time in three and a setup one in four."""
    job = {
        "id": 100 + i,
        "location_index": draw(st.integers(0, n_places - 1)),
        "service": draw(st.integers(0, longest)),
        "priority": draw(st.sampled_from([0, 1, 5])),
    }
    if draw(st.integers(0, 2)) == 0:
        start = draw(st.integers(0, 150))
        job["time_windows"] = [[start, start + draw(st.integers(0, 80))]]
    if draw(st.integers(0, 3)) == 0:
        job["setup"] = draw(st.integers(1, 10))
    return job


def _first_start(windows, ready: int) -> int | None:
    for ws, we in sorted(windows):
        if max(ready, ws) <= we:
            return max(ready, ws)
    return None


def routes_of(problem: Problem, v: Vehicle) -> dict[frozenset, int]:
    """Every set of jobs ``v`` can serve in one route, with the least travel doing so."""
    m = problem.durations
    jobs = [
        j
        for j in problem.jobs
        if j.skills <= v.skills
        and all(d <= c for d, c in zip(j.delivery, v.capacity, strict=False))
    ]
    best: dict[frozenset, int] = {frozenset(): 0}  # an unused technician travels nothing
    limit = len(jobs) if v.max_tasks is None else min(v.max_tasks, len(jobs))

    def breaks_then(t: int, rest: int, todo) -> tuple[int, int] | None:
        for b in todo:
            start = _first_start(b.time_windows, t)
            if start is None:
                return None
            rest -= min(rest, start - t)
            t = start + b.service
        return t, rest

    def close(t, prev, travel, served, pending, left_breaks):
        if not served:
            return
        d = m[prev][v.end_index] if v.end_index is not None and prev is not None else 0
        done = breaks_then(t, d, pending + left_breaks)
        if done is None or done[0] + done[1] > v.time_window[1]:
            return
        travel += d
        if v.max_travel_time is not None and travel > v.max_travel_time:
            return
        load = [sum(j.delivery[k] for j in served) for k in range(len(v.capacity))]
        if any(x > c for x, c in zip(load, v.capacity, strict=True)):
            return
        key = frozenset(j.id for j in served)
        if travel < best.get(key, HORIZON):
            best[key] = travel

    def extend(t, prev, travel, served, pending, left_breaks):
        close(t, prev, travel, served, pending, left_breaks)
        # Take a not-yet-taken break next (before the next job); order among breaks matters.
        for i, b in enumerate(left_breaks):
            extend(t, prev, travel, served, pending + [b], left_breaks[:i] + left_breaks[i + 1 :])
        if len(served) >= limit:
            return
        for j in jobs:
            if j in served:
                continue
            d = m[prev][j.location_index] if prev is not None else 0
            done = breaks_then(t, d, pending)
            if done is None:
                continue
            begin = _first_start(j.time_windows, done[0] + done[1])
            if begin is None:
                continue
            setup = 0 if prev is not None and prev == j.location_index else j.setup
            extend(
                begin + setup + j.service,
                j.location_index,
                travel + d,
                served + [j],
                [],
                left_breaks,
            )

    extend(v.time_window[0], v.start_index, 0, [], [], list(v.breaks))
    return best


def optimum(problem: Problem) -> tuple[int, int, int]:
    """``(priority sum, jobs served, -travel)`` of the best plan, by exhaustive search."""
    priority = {j.id: j.priority for j in problem.jobs}
    best = (0, 0, 0)
    combos: dict[frozenset, int] = {frozenset(): 0}
    for v in problem.vehicles:
        options = routes_of(problem, v)
        merged: dict[frozenset, int] = {}
        for served, travel in combos.items():
            for more, extra in options.items():
                if served & more:
                    continue
                key = served | more
                if travel + extra < merged.get(key, HORIZON):
                    merged[key] = travel + extra
        combos = merged
    for served, travel in combos.items():
        best = max(best, (sum(priority[i] for i in served), len(served), -travel))
    return best


def objective(plan: dict) -> tuple[int, int, int]:
    """The same triple for a VROOM-format plan."""
    served = [s for r in plan["routes"] for s in r["steps"] if s["type"] == "job"]
    return plan["summary"]["priority"], len(served), -plan["summary"]["duration"]


def search_alone(problem: Problem, time_limit: float):
    """The solver's plan with the enumeration of tiny problems switched off: the search's own."""
    import pytest

    from dispatch.routing import solver

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(solver, "optimum", lambda problem, allowed: None)
        return solver.solve(problem, time_limit)

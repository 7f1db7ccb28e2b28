"""Small days (20 jobs at most): how fast the solver answers, and whether it gives the plan of
the full time limit.

Each day is solved twice: as the solver runs by default (it stops when it has proven its plan
optimal or converged, the time limit only a ceiling) and with the stop rule off, searching
until the time limit (``solve(..., converge=False)``), the reference. A row gives the time
taken (wall clock, and CPU summed over both search processes: on a machine shared with other
work the wall clock also counts the waiting), why the search stopped, when it found its plan,
both objectives and whether the plans are the same.
"""

from __future__ import annotations

import argparse
import random
import resource
import time

from ..check import check_solution
from ..model import Solution
from ..solver import solve
from .generate import field_problem

#: The answer time the small days are held to, in seconds.
TARGET_SECONDS = 0.5


def day_sizes(seed: int) -> tuple[int, int]:
    """(jobs, technicians) of small day ``seed``: 3 to 20 jobs, 1 to 4 technicians."""
    rng = random.Random(f"small-{seed}")
    return rng.randint(3, 20), rng.randint(1, 4)


def _cpu() -> float:
    """CPU seconds of this process and its finished children (the solver's second worker)."""
    own = resource.getrusage(resource.RUSAGE_SELF)
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime


def _objective(solution: Solution) -> tuple[int, int, int]:
    return solution.priority, solution.served, solution.travel


def _routes(solution: Solution) -> set[tuple[int, tuple[int, ...]]]:
    """The plan as (technician, its jobs in order) pairs."""
    return {
        (r.vehicle, tuple(s.id for s in r.steps if s.type == "job"))
        for r in solution.routes
        if any(s.type == "job" for s in r.steps)
    }


def small(args: argparse.Namespace, out) -> int:
    out(
        f"Small days: default stop rule against the full {args.time_limit:g} s (objective: "
        "priority served, jobs served, travel in seconds)"
    )
    out()
    out(
        "| day | jobs | techs | s | CPU s | stop | found at s | objective | "
        "full limit: objective | same objective | same routes |"
    )
    out("|---:|---:|---:|---:|---:|---|---:|---|---|---|---|")
    fast = same = same_routes = invalid = better = 0
    seeds = range(args.first, args.first + args.days)
    for seed in seeds:
        n, m = day_sizes(seed)
        problem = field_problem(seed, n, m)
        started, cpu = time.perf_counter(), _cpu()
        quick = solve(problem, args.time_limit, workers=args.workers)
        seconds, cpu = time.perf_counter() - started, _cpu() - cpu
        full = solve(problem, args.time_limit, workers=args.workers, converge=False)
        invalid += bool(check_solution(problem, quick)) + bool(check_solution(problem, full))
        fast += seconds < TARGET_SECONDS
        a, b = _objective(quick), _objective(full)
        same += a == b
        better += (a[0], a[1], -a[2]) > (b[0], b[1], -b[2])
        same_routes += _routes(quick) == _routes(full)
        out(
            f"| {seed} | {n} | {m} | {seconds:.3f} | {cpu:.3f} | {quick.stop_reason} | "
            f"{quick.found_at:.3f} "
            f"| {a} | {b} | {'yes' if a == b else 'NO'} | "
            f"{'yes' if _routes(quick) == _routes(full) else 'no'} |"
        )
    total = len(seeds)
    out()
    out(f"answered in under {TARGET_SECONDS:g} s: {fast} of {total}")
    out(
        f"same objective as the full limit: {same} of {total} ({100 * same / total:.0f} %; "
        f"{better} better), same routes: {same_routes} of {total}"
    )
    if invalid:
        out(f"{invalid} invalid plan(s)")
    return 1 if invalid else 0

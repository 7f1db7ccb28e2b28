"""Calling the engine for several days: one solve, or one solve per day for large problems.

A week of 200 jobs for 20 technicians is 100 technician-days and up to 1,000 job-windows; the
engine does not find a first solution of that in the 30 s a dispatcher waits (measured: nothing
planned after 20 s), while one day of it is planned in a few seconds. Large multi-day problems
are therefore planned day by day, earliest day first: each day gets the jobs not planned yet
whose windows fall on that day, and an equal share of the time limit. The merged plan is a
valid plan of the whole problem (each job once, inside one of its windows), so the
``--problem-out`` / ``--plan-out`` files still check against each other.

The planning board plans its runs with it (:mod:`dispatch.planning.solve`), and so does the
mixed week's benchmark (:mod:`.bench.mixed`), so that both plan a week the same way.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

from .model import Problem, Solution, Unassigned
from .reasons import explain_unassigned

DAY = 86400

#: The engine's stop reasons, from the strongest claim to the weakest.
_REASONS = ("optimal", "converged", "time_limit")


def _weakest(a: str, b: str) -> str:
    """Of two days' stop reasons, what can be said of both ("" for none yet)."""
    known = [r for r in (a, b) if r in _REASONS]
    return max(known, key=_REASONS.index, default="")


def day_problem(problem: Problem, day: int, done: set[int]) -> Problem:
    """The part of ``problem`` on day ``day`` (0-based, days of the epoch) not planned yet."""
    lo, hi = day * DAY, (day + 1) * DAY
    vehicles = [v for v in problem.vehicles if lo <= v.time_window[0] < hi]
    pinned = {s.id for v in vehicles for s in v.steps if s.type == "job"}
    jobs = []
    for job in problem.jobs:
        if job.id in done:
            continue
        windows = tuple(
            (max(a, lo), min(b, hi - 1)) for a, b in job.time_windows if a < hi and b >= lo
        )
        if windows or job.id in pinned:
            jobs.append(replace(job, time_windows=windows or job.time_windows))
    # A pinned job on another day's vehicle belongs to that day only.
    other_pins = {s.id for v in problem.vehicles if v not in vehicles for s in v.steps}
    jobs = [j for j in jobs if j.id not in other_pins or j.id in pinned]
    return Problem(jobs=jobs, vehicles=vehicles, durations=problem.durations)


def solve_days(
    problem: Problem,
    days: int,
    time_limit: float,
    solve: Callable,
    workers: int | None = None,
    split_above: int = 5000,
    on_day: Callable[[int], None] | None = None,
) -> Solution:
    """Solve ``problem`` (``days`` days long) within ``time_limit`` seconds in all."""
    size = len(problem.jobs) * len(problem.vehicles)
    if days <= 1 or size <= split_above:
        return solve(problem, time_limit=time_limit, workers=workers)
    merged, done = Solution(), set()
    share = time_limit / days
    for day in range(days):
        if on_day is not None:
            on_day(day)
        part = day_problem(problem, day, done)
        if not part.jobs or not part.vehicles:
            continue
        solution = solve(part, time_limit=share, workers=workers)
        merged.routes += solution.routes
        # When the whole plan was found: this day's, after the days before it.
        merged.found_at = round(
            (merged.loading_ms + merged.solving_ms) / 1000 + solution.found_at, 3
        )
        merged.solving_ms += solution.solving_ms
        merged.loading_ms += solution.loading_ms
        merged.stop_reason = _weakest(merged.stop_reason, solution.stop_reason)
        done |= {s.id for r in solution.routes for s in r.steps if s.type == "job"}
    # Reasons are given against the whole week, not the last day that tried the job.
    for job in problem.jobs:
        if job.id not in done:
            merged.unassigned.append(
                Unassigned(
                    id=job.id,
                    reason=explain_unassigned(problem, job, merged),
                    location_index=job.location_index,
                    location=job.location,
                    description=job.description,
                )
            )
    return merged

"""Calling the engine for several days: one solve, or one solve per day for large problems.

A week of 200 jobs for 20 technicians is 100 technician-days and up to 1,000 job-windows; the
engine does not find a first solution of that in the 30 s a dispatcher waits (measured: nothing
planned after 20 s), while one day of it is planned in a few seconds. Large multi-day problems
are therefore planned day by day, earliest day first: each day gets the jobs not planned yet
whose windows fall on that day, and an equal share of the time limit. The merged plan is a
valid plan of the whole problem (each job once, inside one of its windows), so the
``--problem-out`` / ``--plan-out`` files still check against each other.

A job that depends on another (``depends_on``) keeps the dependency on the day both are
planned. When the job it depends on was planned on an earlier day, the dependency becomes a
bound: the job starts no sooner than that one's end plus the delay (on another vehicle, so a
``same_vehicle`` dependency cannot be met any more and the job stays out). While the job it
depends on is not planned yet and has no window on the day, the job waits for a later day:
it is never planned before the job it comes after.

The planning board plans its runs with it (:mod:`dispatch.planning.solve`), and so does the
mixed week's benchmark (:mod:`.bench.mixed`), so that both plan a week the same way.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

from .model import Job, Problem, Solution, Unassigned
from .reasons import explain_unassigned, team_reason

DAY = 86400

#: The engine's stop reasons, from the strongest claim to the weakest.
_REASONS = ("optimal", "converged", "time_limit")


def _weakest(a: str, b: str) -> str:
    """Of two days' stop reasons, what can be said of both ("" for none yet)."""
    known = [r for r in (a, b) if r in _REASONS]
    return max(known, key=_REASONS.index, default="")


def _after_earlier_days(
    job: Job, ends: dict[int, int], today: set[int], pinned: bool = False
) -> Job | None:
    """``job`` with the dependencies met on earlier days turned into a lower bound on its
    start; None when it must wait (one of them is not planned yet nor planned today, or is
    a same-vehicle dependency planned on an earlier day)."""
    earliest, kept = 0, []
    for dep in job.depends_on:
        if dep.id in ends:
            if dep.same_vehicle and not pinned:
                return None
            earliest = max(earliest, ends[dep.id] + dep.delay)
        elif dep.id in today:
            kept.append(dep)
        elif not pinned:
            return None
    if len(kept) == len(job.depends_on):
        return job
    windows = tuple((max(a, earliest), b) for a, b in job.time_windows if b >= earliest)
    if not windows:
        return replace(job, depends_on=tuple(kept)) if pinned else None
    return replace(job, time_windows=windows, depends_on=tuple(kept))


def day_problem(problem: Problem, day: int, done: dict[int, int]) -> Problem:
    """The part of ``problem`` on day ``day`` (0-based, days of the epoch) not planned yet;
    ``done``: the jobs planned on earlier days, and when each ends."""
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
    # Drop the jobs that must wait for another, until none is dropped (chains wait together).
    while True:
        today = {j.id for j in jobs}
        # A job pinned today stays (the dispatcher's pin is kept), without what it cannot meet.
        ready = [
            r
            for r in (_after_earlier_days(j, done, today, j.id in pinned) for j in jobs)
            if r is not None
        ]
        dropped, jobs = len(jobs) - len(ready), ready
        if not dropped:
            break
    return Problem(
        jobs=jobs, vehicles=vehicles, durations=problem.durations, balance=problem.balance
    )


def _ends(solution: Solution) -> dict[int, int]:
    """When each job of ``solution`` ends, by the plan's own figures."""
    return {
        s.id: s.arrival + s.waiting_time + s.setup + s.service
        for r in solution.routes
        for s in r.steps
        if s.type == "job"
    }


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
    merged, done = Solution(), {}
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
        done.update(_ends(solution))
    # Reasons are given against the whole week, not the last day that tried the job.
    for job in problem.jobs:
        if job.id not in done:
            merged.unassigned.append(
                Unassigned(
                    id=job.id,
                    reason=(
                        team_reason(problem, job)
                        if job.team > 1
                        else explain_unassigned(problem, job, merged)
                    ),
                    location_index=job.location_index,
                    location=job.location,
                    description=job.description,
                )
            )
    return merged

"""Team visits: jobs that need ``Job.team`` technicians on site together, all starting at once.

The search's moves are route-local (one job on one route), so a job served by several routes
at one time is placed outside it. A placement is a set of vehicles and a common start ``t``;
given one, the problem is *expanded*: the team job becomes one job per vehicle, each required
on its vehicle with the window ``[t, t]`` (arriving early and waiting is allowed, so all start
together) and a priority above every other job's together, so that the search serves all of
them whenever it can, then serves what it can of the rest by the usual objective. Its plan is
*collapsed* back: the copies take the job's id again, and a team job some of whose copies were
left out is dropped from the routes that have it (all or none).

Where the placements come from:

* on tiny problems (one team job, a few others, no pinned job and no dependency) every useful
  placement is tried and each expanded problem solved by enumeration (:mod:`exhaustive`): the
  proven optimum. Only these starts need trying: in a best plan the common start can be moved
  down to the latest of the technicians' earliest possible starts (earlier is never worse:
  travel is the same, lateness and overtime cannot grow), and a technician's earliest start
  is that of the job right after some sequence of its other jobs and breaks, in one of the
  job's windows;
* elsewhere, the plan of the other jobs is searched first (:data:`BASE_SHARE` of the time);
  then each team job, by priority, goes where its technicians' days take it with the least
  added travel: for every technician and place in its day, the interval of starts that keep
  the day feasible (the earliest start there, the latest by bisection: a later start only
  pushes the rest of the day later), and of the starts where enough technicians are free, the
  cheapest. That is done twice: in the days of the plan of the other jobs (which keeps that
  plan), and in empty days (which makes room for team jobs when the other work filled the
  days). Each expanded problem is searched with a share of the rest of the time, and the best
  plan of all (by the engine's objective, each team job counted once; the plan of the other
  jobs alone is one of them) is the answer.

The objective counts a team job's priority once; its travel, preference and lateness costs
are those of each of its technicians.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import replace
from itertools import combinations, permutations

from .assemble import Plan, add_reasons, assemble, compatible, unserved
from .exhaustive import optimum
from .fieldrules import rules_of, soft_cost
from .model import Break, Job, Problem, Solution
from .reasons import team_reason
from .stopping import CONVERGED, TIME_LIMIT
from .timeline import Infeasible, build_route

__all__ = ["solve_teams", "objective", "expand", "collapse"]

#: Tiny problems: the most other jobs and breaks a team technician may have for every
#: sequence of them to be tried, and the most expanded problems enumerated.
TINY_ITEMS = 4
TINY_TRIALS = 300

#: The share of the time limit the enumeration of a tiny problem may take (beyond, the
#: search runs in what is left).
TINY_SHARE = 0.5

#: The share of the time (left after any enumeration) given to the plan without the team jobs.
BASE_SHARE = 0.4

#: A placement: per team job (position), the vehicles (positions) and the common start.
Placement = dict[int, tuple[tuple[int, ...], int]]


def objective(problem: Problem, solution: Solution) -> tuple[int, int, int]:
    """The engine's objective (larger is better) with each team job counted once: priority
    served, jobs served, minus travel and soft costs."""
    jobs = {j.id: j for j in problem.jobs}
    served = {s.id for r in solution.routes for s in r.steps if s.type == "job"}
    return (
        sum(jobs[i].priority for i in served),
        len(served),
        -solution.travel - soft_cost(problem, solution),
    )


def _others(problem: Problem) -> list[Job]:
    return [j for j in problem.jobs if j.team <= 1]


def expand(problem: Problem, placement: Placement) -> tuple[Problem, dict[int, int]]:
    """The problem with each placed team job as one job per vehicle (required on it, its
    window ``[t, t]``, its priority above all others together) and the unplaced ones left
    out; and each copy's id → the team job's id."""
    jobs = _others(problem)
    boost = 1 + sum(j.priority for j in jobs)
    next_id = max(j.id for j in problem.jobs) + 1
    origin = {}
    for pos, (ks, t) in placement.items():
        job = problem.jobs[pos]
        for k in ks:
            jobs.append(
                replace(
                    job,
                    id=next_id,
                    team=1,
                    time_windows=((t, t),),
                    required_vehicles=frozenset({problem.vehicles[k].id}),
                    priority=boost,
                )
            )
            origin[next_id] = job.id
            next_id += 1
    expanded = Problem(
        jobs=jobs, vehicles=problem.vehicles, durations=problem.durations, balance=problem.balance
    )
    return expanded, origin


def _plan_of(problem: Problem, solution: Solution, leave: set[int]) -> Plan:
    """The orders of ``solution``'s routes, without the jobs of ``leave`` (ids)."""
    jpos = {j.id: i for i, j in enumerate(problem.jobs)}
    vpos = {v.id: k for k, v in enumerate(problem.vehicles)}
    plan: Plan = [[] for _ in problem.vehicles]
    for r in solution.routes:
        k = vpos[r.vehicle]
        bpos = {b.id: i for i, b in enumerate(problem.vehicles[k].breaks)}
        for s in r.steps:
            if s.type == "job" and s.id not in leave:
                plan[k].append(("job", jpos[s.id]))
            elif s.type == "break":
                plan[k].append(("break", bpos[s.id]))
    return plan


def collapse(
    problem: Problem, expanded: Problem, solution: Solution, origin: dict[int, int]
) -> Solution:
    """``solution`` (of ``expanded``) as a plan of ``problem``: the copies under their team
    job's id, a team job not served by all its technicians taken out of the routes (which are
    timed again), every job not served unassigned (reasons: see :func:`explain`)."""
    served: dict[int, list[int]] = {}
    for r in solution.routes:
        for s in r.steps:
            if s.type == "job" and s.id in origin:
                served.setdefault(origin[s.id], []).append(s.id)
    need = {j.id: j.team for j in problem.jobs}
    partial = {c for jid, copies in served.items() if len(copies) < need[jid] for c in copies}
    if partial:
        solution = assemble(expanded, _plan_of(expanded, solution, partial), explain=False)
    jobs = {j.id: j for j in problem.jobs}
    out = Solution(routes=solution.routes)
    for r in out.routes:
        for s in r.steps:
            if s.type == "job":
                s.id = origin.get(s.id, s.id)
        r.priority = sum(jobs[s.id].priority for s in r.steps if s.type == "job")
    out.unassigned = unserved(problem, out)
    return out


def explain(problem: Problem, solution: Solution) -> None:
    """Give every unassigned job its reason (team jobs theirs)."""
    jobs = {j.id: j for j in problem.jobs}
    plain = [u for u in solution.unassigned if jobs[u.id].team <= 1]
    team = [u for u in solution.unassigned if jobs[u.id].team > 1]
    solution.unassigned = plain
    add_reasons(problem, solution)
    for u in team:
        u.reason = team_reason(problem, jobs[u.id])
    solution.unassigned = plain + team


# -- where a team job fits in a plan --------------------------------------------------------


def _items(problem: Problem, solution: Solution) -> list[list[Job | Break]]:
    """Per vehicle (position), its day's jobs and breaks in order, every break taken."""
    jobs = {j.id: j for j in problem.jobs}
    days: list[list[Job | Break]] = [[] for _ in problem.vehicles]
    vpos = {v.id: k for k, v in enumerate(problem.vehicles)}
    for r in solution.routes:
        k = vpos[r.vehicle]
        breaks = {b.id: b for b in problem.vehicles[k].breaks}
        days[k] = [
            jobs[s.id] if s.type == "job" else breaks[s.id]
            for s in r.steps
            if s.type in ("job", "break")
        ]
    for k, v in enumerate(problem.vehicles):
        taken = {x.id for x in days[k] if isinstance(x, Break)}
        days[k] += [b for b in v.breaks if b.id not in taken]
    return days


def _travel(problem: Problem, k: int, items: list[Job | Break]) -> int | None:
    if not any(isinstance(x, Job) for x in items):
        return 0
    try:
        return build_route(problem, problem.vehicles[k], items).duration
    except Infeasible:
        return None


def _intervals(
    problem: Problem, k: int, items: list[Job | Break], job: Job
) -> list[tuple[int, int, int, int]]:
    """``(low, high, place, added travel)``: at each place in vehicle ``k``'s day and in each
    of the job's windows, the starts from ``low`` to ``high`` keep the day feasible."""
    vehicle = problem.vehicles[k]
    base = _travel(problem, k, items)
    if base is None:
        return []
    out = []

    def trial(p: int, window: tuple[int, int]) -> tuple[int, int] | None:
        at = replace(job, time_windows=(window,), team=1)
        try:
            route = build_route(problem, vehicle, items[:p] + [at] + items[p:])
        except Infeasible:
            return None
        step = next(s for s in route.steps if s.type == "job" and s.id == job.id)
        return step.arrival + step.waiting_time, route.duration

    for p in range(len(items) + 1):
        for window in job.time_windows:
            first = trial(p, window)
            if first is None:
                continue
            low, travel = first
            high, top = low, window[1]
            while high < top:  # the latest feasible start: feasibility only shrinks with it
                mid = (high + top + 1) // 2
                if trial(p, (mid, mid)) is None:
                    top = mid - 1
                else:
                    high = mid
            out.append((low, high, p, travel - base))
    return out


def _place(
    problem: Problem, days: list[list[Job | Break]], pos: int, allowed: list[int]
) -> tuple[tuple[int, ...], int] | None:
    """The vehicles and common start of team job ``pos`` that add the least travel to
    ``days`` (then the earliest), and the job put in their days; None: none fits."""
    job = problem.jobs[pos]
    spans = {k: _intervals(problem, k, days[k], job) for k in allowed}
    best = None
    for t in sorted({low for k in spans for low, *_ in spans[k]}):
        costs = []
        for k, options in spans.items():
            fits = [(added, p) for low, high, p, added in options if low <= t <= high]
            if fits:
                added, p = min(fits)
                costs.append((added, k, p))
        if len(costs) < job.team:
            continue
        costs.sort()
        chosen = costs[: job.team]
        total = sum(c[0] for c in chosen)
        if best is None or total < best[0]:
            best = (total, t, chosen)
    if best is None:
        return None
    _, t, chosen = best
    at = replace(job, time_windows=((t, t),), team=1)
    for _, k, p in chosen:
        days[k].insert(p, at)
    return tuple(sorted(k for _, k, _ in chosen)), t


# -- tiny problems: every useful placement ---------------------------------------------------


def _earliest_starts(problem: Problem, k: int, job: Job, others: list[Job]) -> set[int] | None:
    """Every earliest start of ``job`` on vehicle ``k`` after some sequence of its other jobs
    and breaks, in each of the job's windows; None: too many to try."""
    vehicle = problem.vehicles[k]
    pool: list[Job | Break] = [*others, *vehicle.breaks]
    if len(pool) > TINY_ITEMS:
        return None
    starts = set()
    for size in range(len(pool) + 1):
        for chosen in combinations(pool, size):
            for seq in permutations(chosen):
                for window in job.time_windows:
                    at = replace(job, time_windows=(window,), team=1)
                    try:
                        route = build_route(problem, vehicle, [*seq, at])
                    except Infeasible:
                        continue
                    s = next(s for s in route.steps if s.type == "job" and s.id == job.id)
                    starts.add(s.arrival + s.waiting_time)
    return starts


def _tiny(problem: Problem, allowed: list[list[int]], deadline: float) -> Solution | None:
    """The proven optimum of a tiny problem with one team job (see the module docstring), or
    None where it does not apply or would not be done by ``deadline`` (time.monotonic())."""
    team = [i for i, j in enumerate(problem.jobs) if j.team > 1]
    rules = rules_of(problem)
    if len(team) != 1 or rules is not None and rules.deps:
        return None
    if any(s.type == "job" for v in problem.vehicles for s in v.steps):
        return None
    pos = team[0]
    job = problem.jobs[pos]
    starts = {}
    for k in allowed[pos]:
        others = [problem.jobs[i] for i, a in enumerate(allowed) if i != pos and k in a]
        found = _earliest_starts(problem, k, job, others)
        if found is None:
            return None
        starts[k] = found
    trials = [
        (ks, t)
        for ks in combinations(allowed[pos], job.team)
        for t in sorted(set().union(*(starts[k] for k in ks)))
    ]
    if len(trials) > TINY_TRIALS:
        return None
    rest, _ = expand(problem, {})
    plan = optimum(rest, compatible(rest))
    if plan is None:
        return None
    best = collapse(problem, rest, assemble(rest, plan, explain=False), {})
    for ks, t in trials:
        if time.monotonic() > deadline:
            return None
        expanded, origin = expand(problem, {pos: (ks, t)})
        plan = optimum(expanded, compatible(expanded))
        if plan is None:
            return None
        got = collapse(problem, expanded, assemble(expanded, plan, explain=False), origin)
        if objective(problem, got) > objective(problem, best):
            best = got
    return best


# -- the solve -------------------------------------------------------------------------------


def _placement(
    problem: Problem, days: list[list[Job | Break]], allowed: list[list[int]]
) -> Placement:
    """Each team job, by priority, where it adds the least travel to ``days`` (which it
    joins, for the next ones); the team jobs that fit nowhere are left out."""
    placement: Placement = {}
    order = sorted(
        (i for i, j in enumerate(problem.jobs) if j.team > 1),
        key=lambda i: -problem.jobs[i].priority,
    )
    for pos in order:
        spot = _place(problem, days, pos, allowed[pos])
        if spot is not None:
            placement[pos] = spot
    return placement


def solve_teams(
    problem: Problem,
    time_limit: float,
    solve: Callable[[Problem, float], Solution],
    exact: bool = True,
) -> Solution:
    """Plan a problem with team jobs within ``time_limit`` seconds, ``solve`` planning the
    problems without them (the solver's :func:`~dispatch.routing.solver.solve`); ``exact``:
    enumerate tiny problems (see the module docstring)."""
    t0 = time.monotonic()
    allowed = compatible(problem)
    best = _tiny(problem, allowed, t0 + TINY_SHARE * time_limit) if exact else None
    if best is not None:
        best.stop_reason, best.found_at = "optimal", round(time.monotonic() - t0, 3)
        explain(problem, best)
        best.solving_ms = int((time.monotonic() - t0) * 1000)
        return best
    rest, _ = expand(problem, {})
    plain = solve(rest, (time_limit - (time.monotonic() - t0)) * BASE_SHARE)
    best = collapse(problem, rest, plain, {})
    best.found_at = plain.found_at
    stops = {plain.stop_reason}
    # The team jobs in the days of the plan without them, and the team jobs first, in empty
    # days: the first keeps the others' plan, the second makes room for team jobs that
    # matter more than the work that filled the days.
    placements = [_placement(problem, _items(rest, plain), allowed)]
    first = _placement(problem, _items(rest, Solution()), allowed)
    if first != placements[0]:
        placements.append(first)
    placements = [p for p in placements if p]
    for n, placement in enumerate(placements):
        expanded, origin = expand(problem, placement)
        started = time.monotonic() - t0
        share = (time_limit - started) / (len(placements) - n)
        more = solve(expanded, max(0.05, share))
        stops.add(more.stop_reason)
        got = collapse(problem, expanded, more, origin)
        if objective(problem, got) > objective(problem, best):
            best = got
            best.found_at = round(started + more.found_at, 3)
    # Converged only when every search did (proven optimal the whole is not: the placements
    # are not).
    best.stop_reason = CONVERGED if stops <= {"optimal", CONVERGED} else TIME_LIMIT
    explain(problem, best)
    best.solving_ms = int((time.monotonic() - t0) * 1000)
    return best

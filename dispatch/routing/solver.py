"""The solver: a portfolio of searches, one per core, and the best plan of all, timed and explained.

Each worker process runs one strategy of :data:`PORTFOLIO` within the time limit:

* our ruin-and-recreate on the exact timeline (:mod:`lns`, :mod:`fastroute`, with the trades
  of :mod:`eject`; compiled where it could be, see setup.py), from nothing or from an
  OR-Tools plan, optionally handing its plan to OR-Tools' guided local search for the last
  share of the time where OR-Tools' model is exact;
* OR-Tools' search on the model of :mod:`ortools_model` (objective in VROOM's order: summed
  priority served, then jobs served, then travel), optionally followed by the repair phase of
  :mod:`repair`; see :mod:`ortools_search` for its parameters.

The best plan is timed by :mod:`timeline` (:func:`assemble.assemble`, which also repairs any
route that would not time) and every job left out gets its reason (:mod:`reasons`).
"""
from __future__ import annotations

import logging
import os
import time

from . import fastroute
from .assemble import Plan, add_reasons, assemble, compatible, score
from .lns import improve
from .model import Problem, Solution
from .ortools_model import build_model
from .ortools_search import run_search, search_params
from .portfolio import run_portfolio
from .repair import repair

__all__ = ["solve", "PORTFOLIO"]

if fastroute.__file__.endswith(".py"):  # setup.py could not compile the search here
    logging.getLogger(__name__).warning(
        "the routing search runs as Python (not compiled): about five times slower")


def _search(problem: Problem, jobs: list[int], allowed: list[list[int]], limit: float,
            strategy: dict) -> Plan | None:
    """Build the model and run one strategy for ``limit`` seconds (model building included),
    then the repair phase (:mod:`repair`) for the last ``REPAIR_SHARE`` of the time."""
    t0 = time.monotonic()
    deadline = t0 + limit
    strategy = dict(strategy)
    share = strategy.pop("repair", REPAIR_SHARE)
    seed = strategy.pop("seed", 0)
    if strategy.get("strategy") == "lns":
        return _lns(problem, jobs, allowed, deadline, seed, strategy)
    model = build_model(problem, jobs)
    left = limit * (1 - share) - (time.monotonic() - t0)
    if left <= 0.01:
        return None
    plan = run_search(model, search_params(left, **strategy))
    if plan is None and share > 0:
        # No first solution in time (very large days): build one by insertion instead.
        plan = [[] for _ in problem.vehicles]
    if plan is None or share <= 0:
        return plan
    served = sum(kind == "job" for items in plan for kind, _ in items)
    left = deadline - time.monotonic()
    if served == len(jobs) and left > 0.05:
        # Nothing left out: no choice of jobs to repair, only travel to shorten, which the
        # OR-Tools search does better; go on from this plan with guided local search.
        more = run_search(model, search_params(left, "gls"), plan)
        return more if more is not None else plan
    return repair(problem, plan, allowed, deadline, seed)


def _lns(problem: Problem, jobs: list[int], allowed: list[list[int]], deadline: float,
         seed: int, strategy: dict) -> Plan:
    """Our ruin-and-recreate (:mod:`lns`), from an OR-Tools plan found in the first
    ``ortools`` share of the time (none: from an empty plan, which its first recreate fills);
    then, for the last ``ortools_after`` share, OR-Tools' guided local search from its plan
    when OR-Tools' model times routes exactly as we do (no setup times: the model charges
    setup even between two jobs at the same place, where we skip it), keeping the better."""
    plan: Plan | None = None
    share = strategy.get("ortools", 0.0)
    model = None
    if share > 0:
        model = build_model(problem, jobs)
        left = (deadline - time.monotonic()) * share
        if left > 0.01:
            params = search_params(left, strategy.get("first_strategy", "gls"),
                                   strategy.get("first", "PARALLEL_CHEAPEST_INSERTION"),
                                   strategy.get("sort", ()))
            plan = run_search(model, params)
    if plan is None:
        plan = [[] for _ in problem.vehicles]
    after = strategy.get("ortools_after", 0.0)
    if any(problem.jobs[j].setup or len(problem.jobs[j].time_windows) > 1 for j in jobs):
        # Setup: OR-Tools' model charges it where we skip it. Several windows: the model has
        # a node per window, and our plan would be read into the last window's (see
        # run_search), which may not hold. Either way the hand-over would not start from our
        # plan.
        after = 0.0
    now = time.monotonic()
    plan = improve(problem, plan, allowed, now + (deadline - now) * (1 - after), seed,
                   **strategy.get("lns", {}))
    if after <= 0:
        return plan
    model = model or build_model(problem, jobs)
    # What is left after building the model, less a margin for comparing the two plans.
    left = deadline - time.monotonic() - 0.02 * (deadline - now)
    if left <= 0.05:
        return plan
    more = run_search(model, search_params(left, "gls"), plan)
    if more is None:
        return plan
    return max((plan, more), key=lambda p: score(assemble(problem, p, explain=False)))


#: Share of the time limit left to the repair phase after the OR-Tools search.
REPAIR_SHARE = 0.5


#: The portfolio, one strategy per worker process (the first alone when there is one core);
#: the best plan of all is kept. Both are our ruin-and-recreate (:mod:`lns`) from nothing,
#: which works on the exact timeline and runs several times more moves a second than
#: OR-Tools' local search on the field model. Measured in session 3 (docs/benchmarks.md):
#: starting the second worker from an OR-Tools plan, even one found in 5 % of the time, cost
#: 10–25 priority points on over-subscribed days, since the search keeps the jobs that start
#: served. Both start hot (``t_scale`` 3: the first temperature is three average arcs):
#: measured in session 6 at a fixed 20,000 moves, 16 runs each, the cooler start (one arc)
#: served 6 and 9 priority points less on the two closest days (seeds 5 and 6), and on
#: seed 4 (everything fits) left a job out now and then with 4 % more travel; the workers
#: differ by their random seeds (docs/benchmarks.md, "Session 6").
#: Where OR-Tools' model is exact (no setup times, one window per job, as in Solomon's
#: instances) the second worker hands its plan to OR-Tools' guided local search for the last
#: 30 %: OR-Tools' routing library is the engine's base, and this is where its model is
#: exact. (With the search compiled, leaving it out measured slightly better on eight of the
#: hardest Solomon instances, mean gap 0.78 and 1.00 % against 1.02 and 1.07 % in two runs,
#: but within the run-to-run spread; docs/benchmarks.md, "Session 4".) In both, one ruin in
#: five is an ejection ruin (``eject_seed``, see :meth:`lns.Search.ruin`; measured within the
#: noise, see docs/benchmarks.md). Both accept on a milder penalty for left-out jobs, with
#: a slower cooling, when jobs are still left out after a tenth of the time (``SOFT``; measured
#: +8 to +13 priority on seeds 3, 5, 6 and 7, the same moves where everything fits:
#: docs/benchmarks.md, "Session 5").
SOFT = {"soft": 1.0, "soft_after": 0.1, "cool": 3.0}
PORTFOLIO = (
    {"strategy": "lns", "seed": 1, "lns": {"t_scale": 3, "eject_seed": 0.2, **SOFT}},
    {"strategy": "lns", "seed": 2, "ortools_after": 0.3,
     "lns": {"t_scale": 3, "eject_seed": 0.2, **SOFT}},
)


def solve(problem: Problem, time_limit: float = 10.0, *, workers: int | None = None) -> Solution:
    """Plan the problem within ``time_limit`` seconds (plus a small overhead for building the
    answer). Always returns a valid :class:`Solution`: jobs that cannot or could not be served
    are listed unassigned with a reason.

    ``workers``: processes searching in parallel (default: up to 2, one per core).
    """
    t0 = time.monotonic()
    if workers is None:
        workers = min(2, os.cpu_count() or 1)
    allowed = compatible(problem)
    jobs = [j for j, vs in enumerate(allowed) if vs]
    loading = time.monotonic() - t0
    best = assemble(problem, None, explain=False) if not jobs else None
    if jobs:
        # Keep a margin for timing the routes and explaining the unassigned jobs (whose cost
        # grows with jobs × vehicles: about 2 s for 1,000 jobs and 60 vehicles).
        reserve = 0.1 + 0.015 * time_limit + 3e-5 * len(jobs) * len(problem.vehicles)
        budget = max(0.05, time_limit - loading - reserve)
        strategies = [PORTFOLIO[k % len(PORTFOLIO)] for k in range(max(1, workers))]
        plans = run_portfolio(_search, (problem, jobs, allowed, budget), strategies, budget)
        for plan in plans or [None]:
            solution = assemble(problem, plan, explain=False)
            if best is None or score(solution) > score(best):
                best = solution
    add_reasons(problem, best)
    best.loading_ms = int(loading * 1000)
    best.solving_ms = int((time.monotonic() - t0 - loading) * 1000)
    return best

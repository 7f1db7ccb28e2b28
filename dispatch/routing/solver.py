"""The solver: a portfolio of searches, one per core, and the best plan of all, timed and explained.

Each worker process runs one :class:`Strategy` of :data:`PORTFOLIO` within the time limit: our
ruin-and-recreate on the exact timeline (:mod:`lns`, :mod:`fastroute`, with the trades of
:mod:`eject`; compiled where it could be, see setup.py), from an empty plan, optionally handing
its plan to OR-Tools' guided local search (:mod:`ortools_model`, :mod:`ortools_search`) for the
last share of the time where OR-Tools' model times routes exactly as we do.

The best plan is timed by :mod:`timeline` (:func:`assemble.assemble`, which also repairs any
route that would not time) and every job left out gets its reason (:mod:`reasons`).
"""

from __future__ import annotations

import logging
import os
import time
from dataclasses import dataclass

from . import fastroute
from .assemble import Plan, add_reasons, assemble, compatible, score
from .exhaustive import optimum
from .lns import Search
from .model import Problem, Solution
from .ortools_model import build_model, is_exact
from .portfolio import run_portfolio
from .stopping import CONVERGED, TIME_LIMIT

#: Why the search stopped, as the answer says (``Solution.stop_reason``): a tiny problem solved
#: by enumeration, every worker converged, or the time limit came first.
OPTIMAL = "optimal"
STOP_REASONS = (OPTIMAL, CONVERGED, TIME_LIMIT)

__all__ = ["solve", "Strategy", "PORTFOLIO", "SOFT", "STOP_REASONS"]

if fastroute.__file__.endswith(".py"):  # setup.py could not compile the search here
    logging.getLogger(__name__).warning(
        "the routing search runs as Python (not compiled): about five times slower"
    )


@dataclass(frozen=True)
class Strategy:
    """One worker's search.

    ``seed``: the random seed of the ruin-and-recreate; ``lns``: its keyword options (see
    :class:`lns.Search`); ``ortools_after``: the last share of the time given to OR-Tools'
    guided local search, from the ruin-and-recreate's plan, where OR-Tools' model is exact
    (:func:`ortools_model.is_exact`; elsewhere the ruin-and-recreate runs to the end).
    """

    seed: int
    lns: dict[str, float]
    ortools_after: float = 0.0


#: The stopping rule (:class:`stopping.Stopping`): a cycle of ``CYCLE_PER_JOB`` moves per job
#: that some technician could serve, the temperature cooling from hot to cold over it (or
#: over the time limit, whichever comes first); the search stops once a whole cycle found no
#: better plan. Chosen from measurements (docs/benchmarks.md, "What was tried", 2026-12-07):
#: on small days, cycles of 200 moves per job gave the plan of the best of two runs of
#: 50,000 moves on 31 of 32 days, in 0.18 s of CPU per process on average (100 per job: 30
#: of 32 in half the time; 400 per job, or one cycle of 400 and then 200 moves without a new
#: best: no better for the time). On fresh days (``bench small --first 41``) the solver gave
#: the full 10 s's plan on 17 of 20.
CYCLE_PER_JOB = 200


@dataclass
class Outcome:
    """A worker's plan, why its search stopped (:mod:`stopping`) and when (time.monotonic())
    it found that plan."""

    plan: Plan
    stop: str
    found_at: float


def _search(
    problem: Problem,
    jobs: list[int],
    allowed: list[list[int]],
    limit: float,
    converge: bool,
    strategy: Strategy,
) -> Outcome:
    """Run ``strategy`` for ``limit`` seconds at most: ruin-and-recreate from an empty plan
    (its first recreate fills it) until it converges (when ``converge``) or runs out of time,
    then OR-Tools' guided local search from its plan where OR-Tools' model is exact, for the
    ``ortools_after`` share of the time used, keeping the better of the two."""
    start = time.monotonic()
    deadline = start + limit
    # Setup times: OR-Tools' model charges them where we skip them. Several windows: the model
    # would need a node per window, and our plan could not be read into it as it is. Either
    # way the hand-over would not start from our plan.
    after = strategy.ortools_after if is_exact(problem, jobs) else 0.0
    search = Search(problem, [[] for _ in problem.vehicles], allowed, strategy.seed, **strategy.lns)
    n = len(jobs)
    search.run(start + limit * (1 - after), cycle=CYCLE_PER_JOB * n if converge else None)
    plan = search.plan()
    ours = Outcome(plan, search.stop_reason, search.found_at)
    if after <= 0:
        return ours
    # The hand-over's share of the time our search took: all that is left when the search
    # ran to its deadline, less when it converged sooner.
    now = time.monotonic()
    end = min(deadline, now + (now - start) * after / (1 - after))
    from .ortools_search import run_search, search_params  # loaded by solve() before the fork

    model = build_model(problem, jobs)
    # What is left after building the model, less a margin for comparing the two plans.
    left = end - time.monotonic() - 0.02 * (end - now)
    if left <= 0.05:
        return ours
    more = run_search(model, search_params(left), plan)
    if more is None or score(assemble(problem, more, explain=False), problem) <= score(
        assemble(problem, plan, explain=False), problem
    ):
        return ours
    return Outcome(more, ours.stop, time.monotonic())


#: The milder penalty for left-out jobs (``soft`` average arcs per priority point), taken when
#: jobs are still left out after a tenth of the time (``soft_after``), with a cooling
#: ``cool`` times slower (see :meth:`lns.Search.run`).
SOFT = {"soft": 1.0, "soft_after": 0.1, "cool": 3.0}

#: The ruin-and-recreate's options in both workers.
_LNS = {"t_scale": 3, "eject_seed": 0.2, **SOFT}

#: The portfolio, one strategy per worker process (the first alone when there is one core);
#: the best plan of all is kept. Why it is built so (the measurements are in
#: docs/benchmarks.md, "What was tried"):
#:
#: * Both workers run our ruin-and-recreate from an empty plan. It works on the exact
#:   timeline and makes several times more moves a second than OR-Tools' local search on the
#:   field model. Starting a worker from an OR-Tools plan instead, even one found in 5 % of
#:   the time, cost 10–25 priority points on over-subscribed days, since the search keeps
#:   the jobs that start served.
#: * Apart from the hand-over below, the workers differ by their random seeds only. Both
#:   start hot (``t_scale`` 3: the first temperature is three average arcs): at a fixed
#:   20,000 moves, 16 runs each, a cooler start (one arc) served 6 and 9 priority points
#:   less on the two closest days (seeds 5 and 6), and on seed 4 (everything fits) left a
#:   job out now and then, with 4 % more travel.
#: * One ruin in five is an ejection ruin (``eject_seed``, see :meth:`lns.Search.ruin`):
#:   measured within the run-to-run noise.
#: * Both take the milder penalty of :data:`SOFT` when jobs are still left out after a tenth
#:   of the time: +8 to +13 priority on seeds 3, 5, 6 and 7, the very same moves where
#:   everything fits.
#: * Where OR-Tools' model is exact (no setup times, one window per job, as in Solomon's
#:   instances) the second worker hands its plan to OR-Tools' guided local search for the
#:   last 30 % of the time: OR-Tools' routing library is the engine's base where its model
#:   is exact. Leaving the hand-over out measured slightly better on eight of the hardest
#:   Solomon instances (mean gap 0.78 and 1.00 % against 1.02 and 1.07 % in two runs) but
#:   within the run-to-run spread, and a full Solomon run with it gave 0.42 % against 0.48 %
#:   without.
PORTFOLIO = (
    Strategy(seed=1, lns=_LNS),
    Strategy(seed=2, lns=_LNS, ortools_after=0.3),
)


def solve(
    problem: Problem,
    time_limit: float = 10.0,
    *,
    workers: int | None = None,
    converge: bool = True,
) -> Solution:
    """Plan the problem within ``time_limit`` seconds at most (plus a small overhead for
    building the answer). Always returns a valid :class:`Solution`: jobs that cannot or could
    not be served are listed unassigned with a reason; its ``stop_reason`` says why the search
    stopped (:data:`STOP_REASONS`) and ``found_at`` when it found the plan.

    A tiny problem is solved by enumeration (:mod:`exhaustive`, ``optimal``); otherwise each
    worker stops when it has converged (``converged``: :data:`CYCLE_PER_JOB`) or at the time
    limit (``time_limit``). ``converge`` False: search until the time limit whatever happens
    (the benchmarks' reference).
    ``workers``: processes searching in parallel (default: up to 2, one per core).
    """
    if any(j.team > 1 for j in problem.jobs):
        # Team jobs are placed around the search, which plans problems without them.
        from .teams import solve_teams

        return solve_teams(
            problem,
            time_limit,
            lambda p, limit: solve(p, limit, workers=workers, converge=converge),
            exact=converge,
        )
    t0 = time.monotonic()
    if workers is None:
        workers = min(2, os.cpu_count() or 1)
    allowed = compatible(problem)
    jobs = [j for j, vs in enumerate(allowed) if vs]
    loading = time.monotonic() - t0
    best, reason, found = None, OPTIMAL, time.monotonic()
    exact = optimum(problem, allowed) if converge else None
    if not jobs or exact is not None:
        best, found = assemble(problem, exact, explain=False), time.monotonic()
    else:
        # Keep a margin for collecting the plans, timing the routes and explaining the
        # unassigned jobs. Measured (2026-12-08, a machine at a load of 5 on 2 cores): 0.03 s
        # after the search for 285 jobs and 25 vehicles, 0.08 s for 500 and 40, 0.3 s for
        # 1,000 and 60 (the explaining grows with jobs × vehicles, some 5 µs each); the
        # margin is twice that, so that a busy machine still answers within the limit.
        reserve = 0.03 + 0.01 * time_limit + 1e-5 * len(jobs) * len(problem.vehicles)
        budget = max(0.05, time_limit - loading - reserve)
        strategies = [PORTFOLIO[k % len(PORTFOLIO)] for k in range(max(1, workers))]
        if any(s.ortools_after for s in strategies) and is_exact(problem, jobs):
            # OR-Tools (a large library) is loaded once, here, for the hand-over in a worker;
            # a solve that does not hand over never loads it.
            from . import ortools_search  # noqa: F401
        outcomes = run_portfolio(
            _search, (problem, jobs, allowed, budget, converge), strategies, budget
        )
        # Converged only when every worker did: one stopped by the time limit might have
        # found more.
        done = bool(outcomes) and all(o.stop == CONVERGED for o in outcomes)
        reason = CONVERGED if done else TIME_LIMIT
        # The best plan; of equal ones, the one found first.
        timed = [assemble(problem, o.plan, explain=False) for o in outcomes]
        ranked = [(score(t, problem), -o.found_at) for t, o in zip(timed, outcomes, strict=True)]
        if outcomes:
            pick = max(range(len(outcomes)), key=ranked.__getitem__)
            best, found = timed[pick], outcomes[pick].found_at
        else:  # no worker answered in time
            best, found = assemble(problem, None, explain=False), time.monotonic()
    add_reasons(problem, best)
    best.loading_ms = int(loading * 1000)
    best.solving_ms = int((time.monotonic() - t0 - loading) * 1000)
    best.stop_reason = reason
    best.found_at = round(max(0.0, found - t0), 3)
    return best

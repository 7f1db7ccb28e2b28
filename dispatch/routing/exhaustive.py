"""The proven optimum of a tiny problem, by enumerating every plan.

With a handful of jobs a search cannot know it has found the best plan; enumeration can, in a
few milliseconds. For every technician, every ordered subset of the jobs it may take, with its
breaks in every place among them, is timed on the search's own exact timeline
(:meth:`fastroute.Route.update`: windows, setup skipped at the same place, breaks, shift,
capacity, task and travel limits), and the cheapest feasible route per subset is kept;
technicians alike (same places, shift, breaks, limits and jobs) share one table. Then the
subsets are shared out among the technicians, each job to one at most, by dynamic programming
over the subsets, on the engine's objective: priority served, then jobs served, then travel.

The soft costs of the field-work rules (:mod:`fieldrules`: preferred technicians, lateness,
overtime) belong to one route each, so they are added to its travel here; dependencies join
routes, and a problem with some is left to the search. The balance of working time belongs to
the whole plan: with it, each technician's table keeps, per subset, the cheapest route of each
working time, the sharing-out carries every technician's working time along, and the balance
cost is added once the plan is whole.

Only where the enumeration is small (:data:`MAX_ROUTES` timings at most, and with a balance
weight :data:`MAX_STATES` partial plans at most), no job is pinned
(the dispatcher's order would need its own rules here) and none depends on another; elsewhere
:func:`optimum` returns None and the search runs.
"""

from __future__ import annotations

from itertools import combinations, permutations
from math import comb, factorial

from .assemble import Plan
from .fastdata import Data
from .fastroute import Route
from .fieldrules import Rules, balance_cost, rules_of
from .model import Problem

__all__ = ["optimum", "MAX_ROUTES"]

#: The most routes timed in all, some 25 ms (about 5 µs each, compiled; 7 jobs on 4
#: technicians took 0.15 s at 30,000). Five jobs and a lunch break on one technician are
#: 1,631 routes, six jobs without a break 1,957; four jobs on two technicians, 65 each.
MAX_ROUTES = 5_000

#: With a balance weight, the most partial plans (sets of jobs served and working times so far)
#: the sharing-out keeps; beyond, the search runs instead.
MAX_STATES = 200_000


def _count(njobs: int, nbreaks: int) -> int:
    """Sequences of every subset of ``njobs`` jobs with ``nbreaks`` breaks among them."""
    return sum(comb(njobs, s) * factorial(s + nbreaks) for s in range(njobs + 1))


def _signature(problem: Problem, k: int, mine: tuple[int, ...], own: bool):
    """What makes two technicians' route tables the same (``own``: nothing, as preferences
    set each technician apart)."""
    v = problem.vehicles[k]
    breaks = tuple((tuple(map(tuple, b.time_windows)), b.service) for b in v.breaks)
    return (
        v.start_index,
        v.end_index,
        tuple(v.time_window),
        v.overtime,
        tuple(v.capacity),
        v.max_tasks,
        v.max_travel_time,
        breaks,
        mine,
        k if own else None,
    )


def _routes(
    d: Data, k: int, jobs: list[int], mine: tuple[int, ...], nbreaks: int, rules: Rules | None
) -> dict:
    """``{subset mask: {working time: (cost, sequence)}}``: technician ``k``'s cheapest
    feasible route for each subset of the jobs it may take (``mine``: their places in
    ``jobs``); the cost is the travel and the soft cost of ``rules``. Per subset, one route
    of each working time where the plan's balance counts, else the cheapest only (under the
    working time 0)."""
    breaks = [-1 - b for b in range(nbreaks)]
    balance = rules is not None and rules.balance > 0
    table: dict[int, dict[int, tuple[int, list[int]]]] = {0: {0: (0, [])}}  # stays home
    for size in range(1, len(mine) + 1):
        for chosen in combinations(mine, size):
            mask = 0
            for i in chosen:
                mask |= 1 << i
            best: dict[int, tuple[int, list[int]]] = {}
            for seq in permutations([jobs[i] for i in chosen] + breaks):
                route = Route(d, k, list(seq))
                if not route.update():
                    continue
                cost = route.travel
                if rules is not None:
                    cost += rules.route_soft(k, route.seq, route.tend, route.finish)
                work = rules.route_work(k, route.seq, route.travel) if balance else 0
                if work not in best or cost < best[work][0]:
                    best[work] = (cost, list(seq))
            if best:
                table[mask] = best
    return table


def optimum(problem: Problem, allowed: list[list[int]]) -> Plan | None:
    """The best plan of all (see the module docstring), or None where the enumeration would be
    too large or a job is pinned. ``allowed``: per job, the vehicles that may take it
    (:func:`assemble.compatible`)."""
    if any(s.type == "job" for v in problem.vehicles for s in v.steps):
        return None
    rules = rules_of(problem)
    if rules is not None and rules.deps:
        return None
    own = rules is not None and any(p is not None for p in rules.pref)
    jobs = [j for j, a in enumerate(allowed) if a]
    vehicles = range(len(problem.vehicles))
    mine_of = [tuple(i for i, j in enumerate(jobs) if k in allowed[j]) for k in vehicles]
    tables: dict = {}
    work = 0
    for k, mine in enumerate(mine_of):
        sig = _signature(problem, k, mine, own)
        if sig not in tables:
            work += _count(len(mine), len(problem.vehicles[k].breaks))
            tables[sig] = None
    if work > MAX_ROUTES:
        return None
    d = Data(problem)
    prio = [problem.jobs[j].priority for j in jobs]
    # best[(mask, working times so far)] = ((priority, jobs, -(travel + soft cost),
    # tie-break), per vehicle its sequence) over the vehicles so far; the working times are
    # kept only where the balance counts (else always ()).
    balance = rules.balance if rules is not None else 0
    State = tuple[tuple[int, int, int, int], list]
    best: dict[tuple[int, tuple[int, ...]], State] = {(0, ()): ((0, 0, 0, 0), [])}
    for k, mine in enumerate(mine_of):
        sig = _signature(problem, k, mine, own)
        if tables[sig] is None:
            tables[sig] = _routes(d, k, jobs, mine, len(problem.vehicles[k].breaks), rules)
        table = tables[sig]
        step: dict[tuple[int, tuple[int, ...]], State] = {}
        for (mask, works), (value, seqs) in best.items():
            for sub, options in table.items():
                if sub & mask:
                    continue
                gained = [i for i in range(len(jobs)) if sub >> i & 1]
                for work, (cost, seq) in options.items():
                    # The objective, then, among equal plans, jobs on the first technicians
                    # (as the search's first recreate fills them): a stable answer for ties.
                    got = (
                        value[0] + sum(prio[i] for i in gained),
                        value[1] + len(gained),
                        value[2] - cost,
                        value[3] - k * len(gained),
                    )
                    key = (mask | sub, works + (work,) if balance else ())
                    if key not in step or got > step[key][0]:
                        step[key] = (got, seqs + [seq])
            if len(step) > MAX_STATES:
                return None
        best = step

    def value(item) -> tuple[int, int, int, int]:
        (_, works), (got, _) = item
        if not balance:
            return got
        return (got[0], got[1], got[2] - balance_cost(balance, list(works)), got[3])

    _, (_, seqs) = max(best.items(), key=value)
    return [[("job", x) if x >= 0 else ("break", -1 - x) for x in seq] for seq in seqs]

"""OR-Tools model of a :class:`~dispatch.routing.model.Problem`: the only module using pywrapcp.

Model (one node per job the model can place, a start and an end node per vehicle):

* objective, VROOM's order: a dropped job costs ``priority × W_PRIORITY + W_COUNT``, with
  ``W_COUNT`` above any possible total travel and ``W_PRIORITY`` above every count penalty
  together, so priority dominates the number served, which dominates travel (the arc cost);
* time dimension: the cumul of a job is its *task start* (setup, then service), inside its
  window; a job with several windows is one node per window, alternatives in one disjunction
  (see :func:`_nodes`); setup is charged in full on
  every arc, which is exact between different places and errs on the safe side between two
  jobs at the same place (the published times come from :mod:`timeline`, which skips it);
* breaks are OR-Tools break intervals of the time dimension: they may not overlap a task and
  may fill any wait in between, as the contract allows;
* skills, capacity, ``max_tasks``, ``max_travel_time`` → dimensions with per-vehicle
  capacities; pinned jobs → their vehicle only, and an order constraint on their task starts.

Search: a portfolio of strategies, one per process (:data:`PORTFOLIO`), then a repair phase in
pure Python (:mod:`repair`); the best plan is timed by :mod:`timeline` and every job left out
gets its reason (:mod:`reasons`).
"""
from __future__ import annotations

import os
import time
from dataclasses import dataclass, field

from ortools.constraint_solver import pywrapcp, routing_enums_pb2

from .assemble import Plan, add_reasons, assemble, compatible, score, usable_vehicles
from .model import HORIZON, Problem, Solution
from .portfolio import run_portfolio
from .lns import improve
from .repair import repair
from .timeline import pin_bounds

__all__ = ["solve"]


@dataclass
class Model:
    """A built OR-Tools model and the bookkeeping to read its solutions."""

    problem: Problem
    jobs: list[int]  # problem.jobs positions of the job nodes, node k ↔ jobs[k]
    manager: pywrapcp.RoutingIndexManager
    routing: pywrapcp.RoutingModel
    time: pywrapcp.RoutingDimension
    # per vehicle: list of (break position, interval vars of its windows)
    breaks: list[list[tuple[int, list]]] = field(default_factory=list)
    w_count: int = 1
    w_priority: int = 1
    closed: bool = False


def _weights(problem: Problem, jobs: list[int], locs: list[int | None]) -> tuple[int, int]:
    """Penalty weights that make the objective lexicographic."""
    m = problem.durations
    used = sorted({loc for loc in locs if loc is not None})
    # Every route arc enters a job or an end node, so this bounds any solution's travel.
    biggest_in = {b: max((m[a][b] for a in used), default=0) for b in used}
    bound = sum(biggest_in[problem.jobs[j].location_index] for j in jobs)
    bound += sum(biggest_in.get(v.end_index, 0) for v in problem.vehicles
                 if v.end_index is not None)
    w_count = bound + 1
    return w_count, w_count * (len(jobs) + 1)


def _nodes(problem: Problem, jobs: list[int], horizon: int) -> list[tuple[int, int, int]]:
    """The job nodes: ``(job position, window start, window end)``.

    A job with several windows becomes one node per window, alternatives of one disjunction.
    Removing the gaps from a single cumul domain instead is exact too, but it makes every
    local-search move through such a node an order of magnitude slower (measured: the first
    solution of a 285-job day took 6.1 s with holes, 0.5 s without). Pinned jobs keep one node
    (their order constraint needs it), with the gaps removed.
    """
    pinned = {p.id for v in problem.vehicles for p in v.steps if p.type == "job"}
    nodes = []
    for j in jobs:
        job = problem.jobs[j]
        windows = sorted((a, min(b, horizon)) for a, b in job.time_windows)
        if job.id in pinned or len(windows) == 1:
            nodes.append((j, windows[0][0], windows[-1][1]))
        else:
            nodes += [(j, a, b) for a, b in windows if a <= b]
    return nodes


def build_model(problem: Problem, jobs: list[int]) -> Model:
    """Build the routing model for the problem's ``jobs`` (positions)."""
    vehicles = problem.vehicles
    horizon = max(v.time_window[1] for v in vehicles) if vehicles else 0
    horizon = min(HORIZON, max(horizon, 1))
    nodes = _nodes(problem, jobs, horizon)
    node_jobs = [j for j, _, _ in nodes]
    n, nv = len(nodes), len(vehicles)
    locs: list[int | None] = [problem.jobs[j].location_index for j in node_jobs]
    for v in vehicles:
        locs += [v.start_index, v.end_index]
    starts = [n + 2 * k for k in range(nv)]
    ends = [n + 2 * k + 1 for k in range(nv)]
    manager = pywrapcp.RoutingIndexManager(len(locs), nv, starts, ends)
    routing = pywrapcp.RoutingModel(manager)
    m = problem.durations

    # Transit matrices are indexed by node (not by routing index).
    zero = [0] * len(locs)
    travel = [[m[a][b] if b is not None else 0 for b in locs] if a is not None else zero
              for a in locs]
    visit = [problem.jobs[j].setup + problem.jobs[j].service for j in node_jobs]
    visit += [0] * (2 * nv)
    times = [[d + visit[a] for d in row] for a, row in enumerate(travel)]
    travel_cb = routing.RegisterTransitMatrix(travel)
    routing.SetArcCostEvaluatorOfAllVehicles(travel_cb)

    routing.AddDimension(routing.RegisterTransitMatrix(times), horizon, horizon, False, "time")
    time_dim = routing.GetDimensionOrDie("time")
    usable = usable_vehicles(problem)
    for k, v in enumerate(vehicles):
        lo, hi = v.time_window
        bounds = pin_bounds(v)
        s_lo, s_hi = bounds.get(("start", None), (0, HORIZON))
        e_lo, e_hi = bounds.get(("end", None), (0, HORIZON))
        if max(lo, s_lo) > min(hi, s_hi, horizon) or max(lo, e_lo) > min(hi, e_hi, horizon):
            usable.discard(k)  # pinned start or end outside the shift
            s_lo = e_lo = lo
            s_hi = e_hi = hi
        time_dim.CumulVar(routing.Start(k)).SetRange(max(lo, s_lo), min(hi, s_hi, horizon))
        time_dim.CumulVar(routing.End(k)).SetRange(max(lo, e_lo), min(hi, e_hi, horizon))
        if k not in usable:  # its breaks do not fit its shift: it stays home
            routing.NextVar(routing.Start(k)).SetValue(routing.End(k))

    w_count, w_priority = _weights(problem, jobs, locs)
    pins = {p.id: (k, p) for k, v in enumerate(vehicles) for p in v.steps if p.type == "job"}
    alternatives: dict[int, list[int]] = {}
    for node, (j, lo, hi) in enumerate(nodes):
        job = problem.jobs[j]
        index = manager.NodeToIndex(node)
        cumul = time_dim.CumulVar(index)
        if job.id in pins:
            _, p = pins[job.id]
            lo = max([lo] + [x for x in (p.service_at, p.service_after) if x is not None])
            hi = min([hi] + [x for x in (p.service_at, p.service_before) if x is not None])
            if lo > hi:
                lo = hi = horizon + 1  # impossible pin: the job stays unassigned
        cumul.SetRange(min(lo, horizon), min(hi, horizon))
        windows = sorted(job.time_windows)
        for (_, gap_start), (gap_end, _) in zip(windows, windows[1:]):
            if job.id in pins and gap_start + 1 <= gap_end - 1:
                cumul.RemoveInterval(gap_start + 1, gap_end - 1)
        alternatives.setdefault(j, []).append(index)
    for j, indices in alternatives.items():
        job = problem.jobs[j]
        # Pinned jobs may only be dropped when nothing else works: above any other penalty.
        penalty = job.priority * w_priority + w_count
        if job.id in pins:
            penalty = 101 * w_priority * max(1, len(jobs))
        routing.AddDisjunction(indices, penalty, 1)
        if job.id in pins:
            _allow(routing, indices[0], [pins[job.id][0]])

    _skills(problem, node_jobs, routing)
    _capacities(problem, node_jobs, routing)
    _travel_limits(problem, n, routing, travel_cb)
    _pinned_order(problem, node_jobs, manager, routing, time_dim, visit)
    model = Model(problem, node_jobs, manager, routing, time_dim, w_count=w_count,
                  w_priority=w_priority)
    _breaks(model, visit)
    return model


def _allow(routing, index: int, vehicles: list[int]) -> None:
    # The vehicle variable of a node is -1 while it is unperformed. (SetAllowedVehiclesForIndex
    # does the same but its Python binding rejects every list in OR-Tools 9.15.)
    routing.VehicleVar(index).SetValues([-1] + list(vehicles))


def _skills(problem: Problem, jobs: list[int], routing) -> None:
    """Skills as capacity dimensions: a job needing skill s loads 1 unit of "skill s", and a
    vehicle without s can carry none. Unlike a restricted vehicle variable, dimensions are
    checked by the local-search filters, so moves to unskilled vehicles cost nothing."""
    vehicles = problem.vehicles
    needed = sorted(set().union(*(problem.jobs[j].skills for j in jobs)))
    for skill in needed:
        if all(skill in v.skills for v in vehicles):
            continue
        loads = [1 if skill in problem.jobs[j].skills else 0 for j in jobs]
        loads += [0] * (2 * len(vehicles))
        caps = [len(jobs) if skill in v.skills else 0 for v in vehicles]
        cb = routing.RegisterUnaryTransitVector(loads)
        routing.AddDimensionWithVehicleCapacity(cb, 0, caps, True, f"skill{skill}")


def _capacities(problem: Problem, jobs: list[int], routing) -> None:
    vehicles = problem.vehicles
    dims = max([len(problem.jobs[j].delivery) for j in jobs] + [0])
    for d in range(dims):
        amounts = [problem.jobs[j].delivery[d] if d < len(problem.jobs[j].delivery) else 0
                   for j in jobs] + [0] * (2 * len(vehicles))
        if not any(amounts):
            continue
        caps = [v.capacity[d] if d < len(v.capacity) else sum(amounts) for v in vehicles]
        cb = routing.RegisterUnaryTransitVector(amounts)
        routing.AddDimensionWithVehicleCapacity(cb, 0, caps, True, f"capacity{d}")


def _travel_limits(problem: Problem, n: int, routing, travel_cb: int) -> None:
    vehicles = problem.vehicles
    big = 2**40
    if any(v.max_travel_time is not None for v in vehicles):
        caps = [big if v.max_travel_time is None else v.max_travel_time for v in vehicles]
        routing.AddDimensionWithVehicleCapacity(travel_cb, 0, caps, True, "travel")
    if any(v.max_tasks is not None for v in vehicles):
        cb = routing.RegisterUnaryTransitVector([1] * n + [0] * (2 * len(vehicles)))
        caps = [big if v.max_tasks is None else v.max_tasks for v in vehicles]
        routing.AddDimensionWithVehicleCapacity(cb, 0, caps, True, "tasks")


def _pinned_order(problem, jobs, manager, routing, time_dim, visit) -> None:
    """Pinned jobs stay on their vehicle, in the dispatcher's order."""
    node_of = {problem.jobs[j].id: node for node, j in enumerate(jobs)}
    for k, v in enumerate(problem.vehicles):
        chain = [manager.NodeToIndex(node_of[p.id]) for p in v.steps
                 if p.type == "job" and p.id in node_of]
        solver = routing.solver()
        for a, b in zip(chain, chain[1:]):
            # When both are served, b's task starts after a's ends: a comes first on the route.
            both = routing.ActiveVar(a) * routing.ActiveVar(b)
            need = max(1, visit[manager.IndexToNode(a)])
            solver.Add((time_dim.CumulVar(b) - time_dim.CumulVar(a) - need) * both >= 0)


def _breaks(model: Model, visit: list[int]) -> None:
    """Breaks as break intervals; a break with several windows gets one optional interval per
    window, exactly one of them performed."""
    routing, solver = model.routing, model.routing.solver()
    node_visit = [0] * routing.Size()
    for index in range(routing.Size()):
        node_visit[index] = visit[model.manager.IndexToNode(index)]
    for k, v in enumerate(model.problem.vehicles):
        per_vehicle = []
        intervals = []
        lo_shift, hi_shift = v.time_window
        bounds = {p.id: p for p in v.steps if p.type == "break"}
        for b, brk in enumerate(v.breaks):
            p = bounds.get(brk.id)
            low = max([lo_shift] + ([x for x in (p.service_at, p.service_after) if x is not None]
                                    if p else []))
            high = min([hi_shift - brk.service] +
                       ([x for x in (p.service_at, p.service_before) if x is not None]
                        if p else []))
            windows = [(max(ws, low), min(we, high)) for ws, we in sorted(brk.time_windows)]
            windows = [w for w in windows if w[0] <= w[1]]
            if not windows:
                continue  # cannot be taken in this shift; the route is checked by timeline
            ivs = [solver.FixedDurationIntervalVar(ws, we, brk.service, len(windows) > 1,
                                                   f"break {k} {b} {i}")
                   for i, (ws, we) in enumerate(windows)]
            if len(ivs) > 1:
                solver.Add(solver.Sum([iv.PerformedExpr() for iv in ivs]) == 1)
            per_vehicle.append((b, ivs))
            intervals += ivs
        if intervals:
            model.time.SetBreakIntervalsOfVehicle(intervals, k, node_visit)
        model.breaks.append(per_vehicle)


_OFF = 2  # OptionalBoolean.BOOL_FALSE
# Operators that cost much and find little here: the pickup-and-delivery ones (no pairs in
# this model) and the insertion-heuristic LNS ones, which each run a whole insertion heuristic.
# Measured with ILS at 10 s: R101 2.0% → 1.4%, RC101 6.8% → 2.3%, R201 5.4% → 4.7% gap.
_SLOW_OPERATORS = (
    "use_relocate_pair", "use_light_relocate_pair", "use_exchange_pair", "use_relocate_subtrip",
    "use_exchange_subtrip", "use_global_cheapest_insertion_path_lns",
    "use_local_cheapest_insertion_path_lns",
    "use_relocate_path_global_cheapest_insertion_insert_unperformed",
    "use_global_cheapest_insertion_visit_types_lns", "use_local_cheapest_insertion_visit_types_lns",
    "use_shortest_path_swap_active", "use_shortest_path_two_opt", "use_swap_active_chain",
)


def search_params(time_limit: float, strategy: str = "ils",
                  first: str = "PARALLEL_CHEAPEST_INSERTION", sort: tuple[str, ...] = (),
                  removed: int = 10, temperature: float | None = None):
    """Search parameters for one strategy of the portfolio.

    ``ils``: OR-Tools' iterated local search with SISR ruin-and-recreate (string removals,
    Christiaens & Vanden Berghe; ``removed`` visits on average) and simulated-annealing
    acceptance (automatic temperatures unless ``temperature`` is given); ``gls``: guided local
    search. ``first``: the first-solution strategy; ``sort``: how the local cheapest insertion
    orders the jobs (``("PENALTY",)``: highest priority first).
    """
    params = pywrapcp.DefaultRoutingSearchParameters()
    params.first_solution_strategy = getattr(routing_enums_pb2.FirstSolutionStrategy, first)
    if strategy == "ils":
        params.use_iterated_local_search = True
        params.local_search_metaheuristic = (
            routing_enums_pb2.LocalSearchMetaheuristic.GREEDY_DESCENT)
        ils = params.iterated_local_search_parameters
        rr = ils.ruin_recreate_parameters
        del rr.ruin_strategies[:]
        sisr = rr.ruin_strategies.add().sisr
        sisr.max_removed_sequence_size = 10
        sisr.avg_num_removed_visits = removed
        sisr.bypass_factor = 0.01
        rr.recreate_strategy.heuristic = (
            routing_enums_pb2.FirstSolutionStrategy.LOCAL_CHEAPEST_INSERTION)
        sa = ils.reference_solution_acceptance_strategy.simulated_annealing
        if temperature is None:
            sa.automatic_temperatures = True
        else:
            sa.initial_temperature = temperature
            sa.final_temperature = temperature / 100
        ils.improve_perturbed_solution = True
    else:
        params.local_search_metaheuristic = (
            routing_enums_pb2.LocalSearchMetaheuristic.GUIDED_LOCAL_SEARCH)
    lci = params.local_cheapest_insertion_parameters
    for prop in sort:
        lci.insertion_sorting_properties.append(getattr(
            lci.InsertionSortingProperty, f"SORTING_PROPERTY_{prop}"))
    for name in _SLOW_OPERATORS:
        setattr(params.local_search_operators, name, _OFF)
    params.time_limit.FromMilliseconds(max(1, int(time_limit * 1000)))
    return params


def read_plan(model: Model, assignment) -> Plan:
    """The routes of ``assignment`` with each break placed in the gap where OR-Tools put it."""
    routing, manager, time_dim = model.routing, model.manager, model.time
    plan: Plan = []
    for k in range(len(model.problem.vehicles)):
        visits = []  # (task end, job position)
        index = assignment.Value(routing.NextVar(routing.Start(k)))
        while not routing.IsEnd(index):
            job = model.jobs[manager.IndexToNode(index)]
            task = model.problem.jobs[job].setup + model.problem.jobs[job].service
            visits.append((assignment.Min(time_dim.CumulVar(index)) + task, job))
            index = assignment.Value(routing.NextVar(index))
        items: list[tuple[str, int]] = [("job", j) for _, j in visits]
        if visits:
            placed = []
            for b, ivs in model.breaks[k]:
                start = next((assignment.StartValue(iv) for iv in ivs
                              if assignment.PerformedValue(iv)), 0)
                # Breaks never overlap a task: the jobs before it end by its start.
                gap = sum(1 for end, _ in visits if end <= start)
                placed.append((gap, start, b))
            for gap, _, b in sorted(placed, reverse=True):
                items.insert(gap, ("break", b))
        plan.append(items)
    return plan


def run_search(model: Model, params, initial: Plan | None = None) -> Plan | None:
    """Solve (from ``initial`` when given); None when no solution was found in time."""
    routing = model.routing
    if not model.closed:
        routing.CloseModelWithParameters(params)
        model.closed = True
    assignment = None
    if params.use_iterated_local_search:
        # SolveWithParameters ignores the ILS settings; this entry point runs them.
        assignment = routing.SolveWithIteratedLocalSearch(params)
    elif initial is not None:
        node_of = {j: model.manager.NodeToIndex(node) for node, j in enumerate(model.jobs)}
        routes = [[node_of[j] for kind, j in items if kind == "job" and j in node_of]
                  for items in initial]
        start = routing.ReadAssignmentFromRoutes(routes, True)
        if start is not None:
            assignment = routing.SolveFromAssignmentWithParameters(start, params)
    if assignment is None:
        assignment = routing.SolveWithParameters(params)
    if assignment is None:
        return None
    return read_plan(model, assignment)


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
    ``ortools`` share of the time (none: from an empty plan, which its first recreate fills)."""
    plan: Plan | None = None
    share = strategy.get("ortools", 0.0)
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
    return improve(problem, plan, allowed, deadline, seed)


#: Share of the time limit left to the repair phase after the OR-Tools search.
REPAIR_SHARE = 0.5


#: The portfolio, one strategy per worker process (the first alone when there is one core);
#: the best plan of all is kept. Both end in our ruin-and-recreate (:mod:`lns`), which works on
#: the exact timeline and runs several times more moves a second than OR-Tools' local search
#: on the field model; they differ in where they start, which matters (measured: the spread
#: between two seeds is often larger than between two settings):
#: * from nothing: the search's own first recreate (priority first, cheapest insertion);
#: * from an OR-Tools plan: guided local search from a priority-first insertion (jobs sorted
#:   by drop penalty) for a fifth of the time.
PORTFOLIO = (
    {"strategy": "lns", "seed": 1},
    {"strategy": "lns", "seed": 2, "ortools": 0.2, "first_strategy": "gls",
     "first": "LOCAL_CHEAPEST_INSERTION", "sort": ("PENALTY",)},
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
        reserve = 0.1 + 0.03 * time_limit + 3e-5 * len(jobs) * len(problem.vehicles)
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

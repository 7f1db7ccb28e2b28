"""OR-Tools model of a :class:`~dispatch.routing.model.Problem`: the only module using pywrapcp.

Model (one node per job the model can place, a start and an end node per vehicle):

* objective, VROOM's order: a dropped job costs ``priority × W_PRIORITY + W_COUNT``, with
  ``W_COUNT`` above any possible total travel and ``W_PRIORITY`` above every count penalty
  together, so priority dominates the number served, which dominates travel (the arc cost);
* time dimension: the cumul of a job is its *task start* (setup, then service), inside one of
  its windows (gaps between windows removed from the cumul domain); setup is charged in full on
  every arc, which is exact between different places and errs on the safe side between two
  jobs at the same place (the published times come from :mod:`timeline`, which skips it);
* breaks are OR-Tools break intervals of the time dimension: they may not overlap a task and
  may fill any wait in between, as the contract allows;
* skills, pinned vehicles → allowed vehicles; capacity, ``max_tasks``, ``max_travel_time`` →
  dimensions with per-vehicle capacities; pinned order → a rank dimension.

:mod:`search` chooses the search strategies and runs them; this module builds and reads models.
"""
from __future__ import annotations

import time
from dataclasses import dataclass, field

from ortools.constraint_solver import pywrapcp, routing_enums_pb2

from .assemble import Plan, assemble, compatible, score
from .model import HORIZON, Problem, Solution

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


def build_model(problem: Problem, jobs: list[int],
                allowed: dict[int, list[int]]) -> Model:
    """Build the routing model for the problem's ``jobs`` (positions), each restricted to the
    vehicles ``allowed[job position]`` (non-empty)."""
    vehicles = problem.vehicles
    n, nv = len(jobs), len(vehicles)
    locs: list[int | None] = [problem.jobs[j].location_index for j in jobs]
    for v in vehicles:
        locs += [v.start_index, v.end_index]
    starts = [n + 2 * k for k in range(nv)]
    ends = [n + 2 * k + 1 for k in range(nv)]
    manager = pywrapcp.RoutingIndexManager(len(locs), nv, starts, ends)
    routing = pywrapcp.RoutingModel(manager)
    m = problem.durations

    # Transit matrices are indexed by node (not by routing index).
    zero = [0] * len(locs)
    travel = [[m[a][b] if a is not None and b is not None else 0 for b in locs]
              if a is not None else zero for a in locs]
    visit = [problem.jobs[j].setup + problem.jobs[j].service for j in jobs]
    visit += [0] * (2 * nv)
    times = [[d + visit[a] for d in row] for a, row in enumerate(travel)]
    travel_cb = routing.RegisterTransitMatrix(travel)
    routing.SetArcCostEvaluatorOfAllVehicles(travel_cb)

    horizon = max(v.time_window[1] for v in vehicles) if vehicles else 0
    horizon = min(HORIZON, max(horizon, 1))
    routing.AddDimension(routing.RegisterTransitMatrix(times), horizon, horizon, False, "time")
    time_dim = routing.GetDimensionOrDie("time")
    for k, v in enumerate(vehicles):
        lo, hi = v.time_window
        time_dim.CumulVar(routing.Start(k)).SetRange(lo, min(hi, horizon))
        time_dim.CumulVar(routing.End(k)).SetRange(lo, min(hi, horizon))
        routing.AddVariableMinimizedByFinalizer(time_dim.CumulVar(routing.End(k)))
        routing.AddVariableMaximizedByFinalizer(time_dim.CumulVar(routing.Start(k)))

    w_count, w_priority = _weights(problem, jobs, locs)
    pinned = {p.id: k for k, v in enumerate(vehicles) for p in v.steps if p.type == "job"}
    pins = {(k, p.type, p.id): p for k, v in enumerate(vehicles) for p in v.steps}
    for node, j in enumerate(jobs):
        job = problem.jobs[j]
        index = manager.NodeToIndex(node)
        cumul = time_dim.CumulVar(index)
        windows = sorted(job.time_windows)
        lo, hi = windows[0][0], min(windows[-1][1], horizon)
        if job.id in pinned:
            p = pins[(pinned[job.id], "job", job.id)]
            lo = max([lo] + [x for x in (p.service_at, p.service_after) if x is not None])
            hi = min([hi] + [x for x in (p.service_at, p.service_before) if x is not None])
        cumul.SetRange(lo, hi)
        for (_, gap_start), (gap_end, _) in zip(windows, windows[1:]):
            if gap_start + 1 <= gap_end - 1:
                cumul.RemoveInterval(gap_start + 1, gap_end - 1)
        # Pinned jobs may only be dropped when nothing else works: above any other penalty.
        penalty = job.priority * w_priority + w_count
        if job.id in pinned:
            penalty = 101 * w_priority * max(1, len(jobs))
        routing.AddDisjunction([index], penalty)
        if len(allowed[j]) < nv:
            _allow(routing, index, allowed[j])

    _capacities(problem, jobs, routing)
    _travel_limits(problem, n, routing, travel_cb)
    _pinned_order(problem, jobs, manager, routing, time_dim, visit)
    model = Model(problem, jobs, manager, routing, time_dim, w_count=w_count,
                  w_priority=w_priority)
    _breaks(model, visit)
    return model


def _allow(routing, index: int, vehicles: list[int]) -> None:
    # The vehicle variable of a node is -1 while it is unperformed. (SetAllowedVehiclesForIndex
    # does the same but its Python binding rejects every list in OR-Tools 9.15.)
    routing.VehicleVar(index).SetValues([-1] + list(vehicles))


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
        for index in chain:
            _allow(routing, index, [k])
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


_OFF = 3  # OptionalBoolean.BOOL_FALSE
# Operators that cost much and find little here: the pickup-and-delivery ones (no pairs in
# this model) and the insertion-heuristic LNS ones, which each run a whole insertion heuristic.
_SLOW_OPERATORS = (
    "use_relocate_pair", "use_light_relocate_pair", "use_exchange_pair", "use_relocate_subtrip",
    "use_exchange_subtrip", "use_global_cheapest_insertion_path_lns",
    "use_local_cheapest_insertion_path_lns",
    "use_relocate_path_global_cheapest_insertion_insert_unperformed",
    "use_global_cheapest_insertion_visit_types_lns", "use_local_cheapest_insertion_visit_types_lns",
    "use_shortest_path_swap_active", "use_shortest_path_two_opt", "use_swap_active_chain",
)


def search_params(time_limit: float, strategy: str = "ils",
                  first: str = "PARALLEL_CHEAPEST_INSERTION", removed: int = 10,
                  temperature: float | None = None, improve: bool = True,
                  max_sequence: int = 10, final_ratio: float = 0.01, lean: bool = True):
    """Search parameters for one strategy of the portfolio.

    ``ils``: OR-Tools' iterated local search with SISR ruin-and-recreate (string removals,
    Christiaens & Vanden Berghe) and simulated-annealing acceptance, the method that works
    best here on both the field and the Solomon instances; ``gls``: guided local search.
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
        sisr.max_removed_sequence_size = max_sequence
        sisr.avg_num_removed_visits = removed
        sisr.bypass_factor = 0.01
        rr.recreate_strategy.heuristic = (
            routing_enums_pb2.FirstSolutionStrategy.LOCAL_CHEAPEST_INSERTION)
        sa = ils.reference_solution_acceptance_strategy.simulated_annealing
        if temperature is None:
            sa.automatic_temperatures = True
        else:
            sa.initial_temperature = temperature
            sa.final_temperature = temperature * final_ratio
        ils.improve_perturbed_solution = improve
    elif strategy == "gls":
        params.local_search_metaheuristic = (
            routing_enums_pb2.LocalSearchMetaheuristic.GUIDED_LOCAL_SEARCH)
    else:
        params.local_search_metaheuristic = getattr(
            routing_enums_pb2.LocalSearchMetaheuristic, strategy.upper())
    if lean:
        ops = params.local_search_operators
        for name in _SLOW_OPERATORS:
            setattr(ops, name, _OFF)
    params.time_limit.FromMilliseconds(max(1, int(time_limit * 1000)))
    return params


def read_plan(model: Model, assignment) -> Plan:
    """The routes of ``assignment`` with each break placed in the gap where OR-Tools put it."""
    routing, manager, time_dim = model.routing, model.manager, model.time
    plan: Plan = []
    for k in range(len(model.problem.vehicles)):
        visits = []  # (task start, job position)
        index = assignment.Value(routing.NextVar(routing.Start(k)))
        while not routing.IsEnd(index):
            node = manager.IndexToNode(index)
            visits.append((assignment.Min(time_dim.CumulVar(index)), model.jobs[node]))
            index = assignment.Value(routing.NextVar(index))
        items: list[tuple[str, int]] = [("job", j) for _, j in visits]
        if visits:
            placed = []
            for b, ivs in model.breaks[k]:
                start = next((assignment.StartValue(iv) for iv in ivs
                              if assignment.PerformedValue(iv)), 0)
                gap = sum(1 for t, _ in visits if t <= start)
                placed.append((gap, start, b))
            for gap, _, b in sorted(placed, reverse=True):
                items.insert(gap, ("break", b))
        plan.append(items)
    return plan


def run_search(model: Model, params, initial: Plan | None = None) -> Plan | None:
    """Solve (from ``initial`` when given); None when no solution was found in time."""
    routing = model.routing
    routing.CloseModelWithParameters(params)
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
            strategy: dict, initial: Plan | None = None) -> Plan | None:
    """Build the model and run one strategy for ``limit`` seconds (model building included)."""
    t0 = time.monotonic()
    model = build_model(problem, jobs, allowed)
    left = limit - (time.monotonic() - t0)
    if left <= 0.01:
        return None
    return run_search(model, search_params(left, **strategy), initial)


def solve(problem: Problem, time_limit: float = 10.0, *, workers: int | None = None) -> Solution:
    """Plan the problem within ``time_limit`` seconds (plus a small overhead for building the
    answer). Always returns a valid :class:`Solution`: jobs that cannot or could not be served
    are listed unassigned with a reason."""
    t0 = time.monotonic()
    allowed = compatible(problem)
    jobs = [j for j, vs in enumerate(allowed) if vs]
    loading = time.monotonic() - t0
    plan = None
    if jobs:
        budget = max(0.05, time_limit * 0.97 - loading - 0.05)
        plan = _search(problem, jobs, allowed, budget, {"strategy": "ils"})
    solution = assemble(problem, plan)
    solution.loading_ms = int(loading * 1000)
    solution.solving_ms = int((time.monotonic() - t0 - loading) * 1000)
    return solution

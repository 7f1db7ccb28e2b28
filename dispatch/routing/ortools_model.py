"""OR-Tools model of a :class:`~dispatch.routing.model.Problem` where it is exact: built here,
searched by :mod:`ortools_search`.

The model times routes exactly as :mod:`timeline` does only for problems without setup times
and with one window per job (:func:`is_exact`; Solomon's instances, and the app's days whose
jobs have one window each): OR-Tools would charge a setup on every arc, even between two jobs
at the same place where the timeline skips it, and a job with several windows would need a
node per window. The solver hands a plan over to OR-Tools only there.

Model (one node per job, a start and an end node per vehicle):

* objective, VROOM's order: a dropped job costs ``priority × W_PRIORITY + W_COUNT``, with
  ``W_COUNT`` above any possible total travel and ``W_PRIORITY`` above every count penalty
  together, so priority dominates the number served, which dominates travel (the arc cost);
* time dimension: the cumul of a job is its service start, inside its window;
* breaks are OR-Tools break intervals of the time dimension: they may not overlap a task and
  may fill any wait in between, as the JSON interface allows;
* skills, capacity, ``max_tasks``, ``max_travel_time`` → dimensions with per-vehicle
  capacities; pinned jobs → their vehicle only, and an order constraint on their service
  starts.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from itertools import pairwise
from typing import TYPE_CHECKING

from .assemble import usable_vehicles
from .fieldrules import has_rules
from .model import HORIZON, Problem
from .timeline import pin_bounds

if TYPE_CHECKING:  # OR-Tools is loaded by build_model: a solve that never needs it is faster
    from ortools.constraint_solver import pywrapcp

__all__ = ["Model", "build_model", "is_exact"]


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


def _weights(problem: Problem, jobs: list[int], locs: list[int | None]) -> tuple[int, int]:
    """Penalty weights that make the objective lexicographic."""
    m = problem.durations
    used = sorted({loc for loc in locs if loc is not None})
    # Every route arc enters a job or an end node, so this bounds any solution's travel.
    biggest_in = {b: max((m[a][b] for a in used), default=0) for b in used}
    bound = sum(biggest_in[problem.jobs[j].location_index] for j in jobs)
    bound += sum(
        biggest_in.get(v.end_index, 0) for v in problem.vehicles if v.end_index is not None
    )
    w_count = bound + 1
    return w_count, w_count * (len(jobs) + 1)


def is_exact(problem: Problem, jobs: list[int]) -> bool:
    """Whether the model of the problem's ``jobs`` (positions) times routes exactly as the
    timeline does, and has the problem's whole objective: no setup times, one window per job,
    and none of the field-work rules the model does not carry (preferences, deadlines,
    dependencies, overtime, the balance of working time; required and prohibited vehicles it
    does carry, as allowed vehicles)."""
    return not any(
        problem.jobs[j].setup or len(problem.jobs[j].time_windows) > 1 for j in jobs
    ) and not has_rules(problem)


def build_model(problem: Problem, jobs: list[int]) -> Model:
    """Build the routing model for the problem's ``jobs`` (positions), where it is exact
    (:func:`is_exact`; ``ValueError`` elsewhere)."""
    from ortools.constraint_solver import pywrapcp

    if not is_exact(problem, jobs):
        raise ValueError(
            "OR-Tools' model is exact only without setup times and with one window per job"
        )
    vehicles = problem.vehicles
    horizon = max(v.time_window[1] for v in vehicles) if vehicles else 0
    horizon = min(HORIZON, max(horizon, 1))
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
    travel = [
        [m[a][b] if b is not None else 0 for b in locs] if a is not None else zero for a in locs
    ]
    visit = [problem.jobs[j].service for j in jobs] + [0] * (2 * nv)
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
    for node, j in enumerate(jobs):
        job = problem.jobs[j]
        index = manager.NodeToIndex(node)
        ((lo, hi),) = job.time_windows
        hi = min(hi, horizon)
        if job.id in pins:
            _, p = pins[job.id]
            lo = max([lo] + [x for x in (p.service_at, p.service_after) if x is not None])
            hi = min([hi] + [x for x in (p.service_at, p.service_before) if x is not None])
            if lo > hi:
                lo = hi = horizon + 1  # impossible pin: the job stays unassigned
        time_dim.CumulVar(index).SetRange(min(lo, horizon), min(hi, horizon))
    for node, j in enumerate(jobs):
        job = problem.jobs[j]
        index = manager.NodeToIndex(node)
        # Pinned jobs may only be dropped when nothing else works: above any other penalty.
        penalty = job.priority * w_priority + w_count
        if job.id in pins:
            penalty = 101 * w_priority * max(1, len(jobs))
        routing.AddDisjunction([index], penalty, 1)
        if job.id in pins:
            _allow(routing, index, [pins[job.id][0]])
        elif job.required_vehicles or job.prohibited_vehicles:
            _allow(routing, index, _vehicles_for(job, vehicles))

    _skills(problem, jobs, routing)
    _capacities(problem, jobs, routing)
    _travel_limits(problem, n, routing, travel_cb)
    _pinned_order(problem, jobs, manager, routing, time_dim, visit)
    model = Model(problem, list(jobs), manager, routing, time_dim)
    _breaks(model, visit)
    return model


def _allow(routing, index: int, vehicles: list[int]) -> None:
    # The vehicle variable of a node is -1 while it is unperformed. (SetAllowedVehiclesForIndex
    # does the same but its Python binding rejects every list in OR-Tools 9.15.)
    routing.VehicleVar(index).SetValues([-1] + list(vehicles))


def _vehicles_for(job, vehicles) -> list[int]:
    """Positions of the vehicles the job's required and prohibited vehicles leave it."""
    return [
        k
        for k, v in enumerate(vehicles)
        if (not job.required_vehicles or v.id in job.required_vehicles)
        and v.id not in job.prohibited_vehicles
    ]


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
        amounts = [
            problem.jobs[j].delivery[d] if d < len(problem.jobs[j].delivery) else 0 for j in jobs
        ] + [0] * (2 * len(vehicles))
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
    for v in problem.vehicles:
        chain = [
            manager.NodeToIndex(node_of[p.id])
            for p in v.steps
            if p.type == "job" and p.id in node_of
        ]
        solver = routing.solver()
        for a, b in pairwise(chain):
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
            low = max(
                [lo_shift]
                + ([x for x in (p.service_at, p.service_after) if x is not None] if p else [])
            )
            high = min(
                [hi_shift - brk.service]
                + ([x for x in (p.service_at, p.service_before) if x is not None] if p else [])
            )
            windows = [(max(ws, low), min(we, high)) for ws, we in sorted(brk.time_windows)]
            windows = [w for w in windows if w[0] <= w[1]]
            if not windows:
                continue  # cannot be taken in this shift; the route is checked by timeline
            ivs = [
                solver.FixedDurationIntervalVar(
                    ws, we, brk.service, len(windows) > 1, f"break {k} {b} {i}"
                )
                for i, (ws, we) in enumerate(windows)
            ]
            if len(ivs) > 1:
                solver.Add(solver.Sum([iv.PerformedExpr() for iv in ivs]) == 1)
            per_vehicle.append((b, ivs))
            intervals += ivs
        if intervals:
            model.time.SetBreakIntervalsOfVehicle(intervals, k, node_visit)
        model.breaks.append(per_vehicle)

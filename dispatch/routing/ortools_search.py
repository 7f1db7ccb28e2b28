"""OR-Tools' guided local search on its model (:mod:`ortools_model`), from one of our plans.

The solver's second worker hands its plan over for the last share of the time where the model
is exact (see :data:`solver.PORTFOLIO`): parameters, running, and reading the plan back.
"""

from __future__ import annotations

from ortools.constraint_solver import pywrapcp, routing_enums_pb2

from .assemble import Plan
from .ortools_model import Model

__all__ = ["search_params", "read_plan", "run_search"]


_OFF = 2  # OptionalBoolean.BOOL_FALSE
# Operators that cost much and find little here: the pickup-and-delivery ones (no pairs in
# this model) and the insertion-heuristic LNS ones, which each run a whole insertion heuristic.
# Measured when OR-Tools ran the whole search (its iterated local search, 10 s): R101 2.0% →
# 1.4%, RC101 6.8% → 2.3%, R201 5.4% → 4.7% gap.
_SLOW_OPERATORS = (
    "use_relocate_pair",
    "use_light_relocate_pair",
    "use_exchange_pair",
    "use_relocate_subtrip",
    "use_exchange_subtrip",
    "use_global_cheapest_insertion_path_lns",
    "use_local_cheapest_insertion_path_lns",
    "use_relocate_path_global_cheapest_insertion_insert_unperformed",
    "use_global_cheapest_insertion_visit_types_lns",
    "use_local_cheapest_insertion_visit_types_lns",
    "use_shortest_path_swap_active",
    "use_shortest_path_two_opt",
    "use_swap_active_chain",
)


def search_params(time_limit: float):
    """Guided local search for ``time_limit`` seconds, without :data:`_SLOW_OPERATORS`; the
    parallel cheapest insertion builds a first plan if ours cannot be read into the model."""
    params = pywrapcp.DefaultRoutingSearchParameters()
    params.first_solution_strategy = (
        routing_enums_pb2.FirstSolutionStrategy.PARALLEL_CHEAPEST_INSERTION
    )
    params.local_search_metaheuristic = (
        routing_enums_pb2.LocalSearchMetaheuristic.GUIDED_LOCAL_SEARCH
    )
    for name in _SLOW_OPERATORS:
        setattr(params.local_search_operators, name, _OFF)
    params.time_limit.FromMilliseconds(max(1, int(time_limit * 1000)))
    return params


def read_plan(model: Model, assignment) -> Plan:
    """The routes of ``assignment`` with each break placed in the gap where OR-Tools put it."""
    routing, manager, time_dim = model.routing, model.manager, model.time
    plan: Plan = []
    for k in range(len(model.problem.vehicles)):
        visits = []  # (service end, job position)
        index = assignment.Value(routing.NextVar(routing.Start(k)))
        while not routing.IsEnd(index):
            job = model.jobs[manager.IndexToNode(index)]
            service = model.problem.jobs[job].service  # no setup: the model is exact
            visits.append((assignment.Min(time_dim.CumulVar(index)) + service, job))
            index = assignment.Value(routing.NextVar(index))
        items: list[tuple[str, int]] = [("job", j) for _, j in visits]
        if visits:
            placed = []
            for b, ivs in model.breaks[k]:
                start = next(
                    (assignment.StartValue(iv) for iv in ivs if assignment.PerformedValue(iv)), 0
                )
                # Breaks never overlap a task: the jobs before it end by its start.
                gap = sum(1 for end, _ in visits if end <= start)
                placed.append((gap, start, b))
            for gap, _, b in sorted(placed, reverse=True):
                items.insert(gap, ("break", b))
        plan.append(items)
    return plan


def run_search(model: Model, params, initial: Plan) -> Plan | None:
    """Search from the plan ``initial`` (from a first plan of OR-Tools' own if it cannot be
    read into the model); None when no plan was found in time."""
    routing = model.routing
    routing.CloseModelWithParameters(params)
    node_of = {j: model.manager.NodeToIndex(node) for node, j in enumerate(model.jobs)}
    routes = [
        [node_of[j] for kind, j in items if kind == "job" and j in node_of] for items in initial
    ]
    assignment = None
    start = routing.ReadAssignmentFromRoutes(routes, True)
    if start is not None:
        assignment = routing.SolveFromAssignmentWithParameters(start, params)
    if assignment is None:
        assignment = routing.SolveWithParameters(params)
    if assignment is None:
        return None
    return read_plan(model, assignment)

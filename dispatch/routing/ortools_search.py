"""Searching an OR-Tools model (:mod:`ortools_model`): parameters, running, reading the plan."""
from __future__ import annotations

from ortools.constraint_solver import pywrapcp, routing_enums_pb2

from .assemble import Plan
from .ortools_model import Model

__all__ = ["search_params", "read_plan", "run_search"]


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

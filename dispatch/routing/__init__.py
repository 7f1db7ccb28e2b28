"""Dispatch's scheduling engine: plan technicians' days (a VRP with time windows).

The engine is our own ruin-and-recreate search on the exact timeline (:mod:`lns`: it times
routes as they are published, setup skipped between jobs at the same place, breaks wherever
they fit), one process per core (up to two, with different random seeds), plus OR-Tools'
guided local search, which takes over the second process's plan for the last share of the time
where OR-Tools' model is exact (no setup times, one window per job, none of the field-work
rules it does not carry: see :mod:`fieldrules`). :mod:`solver` says how
the two are combined, and why.

A pure package: the standard library and OR-Tools only, nothing from Flask, SQLAlchemy or the
rest of ``dispatch``, so it can be run, tested and benchmarked on its own::

    from dispatch.routing import parse_problem, solve, dump_solution, check_solution

    problem = parse_problem(document)        # VROOM-JSON input -> typed Problem
    solution = solve(problem, time_limit=5)  # plan in 5 s at most (solution.stop_reason says why)
    plan = dump_solution(problem, solution)  # Solution -> VROOM-JSON output
    assert check_solution(problem, plan) == []

The JSON interface (a subset of VROOM's format, and our extensions) is described in
docs/solver-json.md.

``solve`` is imported on first use, so that importing the package stays cheap (OR-Tools is
only loaded when something is solved).
"""

from __future__ import annotations

from typing import Any

from .check import check_solution
from .json_output import dump_problem, dump_solution
from .json_values import InputError
from .jsonio import loads_problem, parse_problem
from .model import (
    HORIZON,
    Break,
    Deadline,
    Dependency,
    Job,
    Overtime,
    PinnedStep,
    Problem,
    Route,
    RouteStep,
    Solution,
    Unassigned,
    Vehicle,
)
from .reasons import explain_unassigned

__all__ = [
    "HORIZON",
    "Break",
    "Deadline",
    "Dependency",
    "Job",
    "Overtime",
    "PinnedStep",
    "Problem",
    "Route",
    "RouteStep",
    "Solution",
    "Unassigned",
    "Vehicle",
    "InputError",
    "check_solution",
    "dump_problem",
    "dump_solution",
    "explain_unassigned",
    "loads_problem",
    "parse_problem",
    "solve",
]


def __getattr__(name: str) -> Any:
    if name == "solve":
        from .solver import solve

        return solve
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")

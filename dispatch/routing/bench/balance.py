"""``bench balance``: what evening out the technicians' working time costs in travel.

Each seed's field day (:mod:`generate`) is solved twice in the same run, with the same time
limit: without a balance weight, and with ``options.balance`` (``--weight``, per minute of
spread). The table gives, for both, the priority and jobs served, the travel, the spread of
working time (the sum of the absolute deviations from the mean, in minutes: what the weight
is paid on) and the gap between the busiest and the idlest technician, and the price of the
balance in travel.
Working time is travel plus the jobs' setup and service (:func:`fieldrules.work_times`).
"""

from __future__ import annotations

import argparse
from dataclasses import replace
from fractions import Fraction

from ..check import check_solution
from ..fieldrules import work_times
from ..model import Problem, Solution
from ..solver import solve
from .generate import field_problem

__all__ = ["balance", "spread"]


def spread(works: list[int]) -> tuple[float, float]:
    """(sum of absolute deviations from the mean, max − min) of ``works``, in minutes."""
    if not works:
        return 0.0, 0.0
    mean = Fraction(sum(works), len(works))
    return float(sum(abs(w - mean) for w in works) / 60), (max(works) - min(works)) / 60


def _row(problem: Problem, solution: Solution) -> tuple[str, int, float, bool]:
    """The table cells of one plan, its travel, its spread, and whether the checker found it
    valid."""
    dev, gap = spread(work_times(problem, solution))
    valid = not check_solution(problem, solution)
    cells = (
        f" {solution.priority} | {solution.served}/{len(problem.jobs)}"
        f"{'' if valid else ' INVALID'} | {solution.travel} | {dev:.0f} | {gap:.0f} |"
    )
    return cells, solution.travel, dev, valid


def balance(args: argparse.Namespace, out) -> int:
    """Print the table (see the module docstring); 1 if a plan is invalid."""
    weight, limit = args.weight, args.time_limit
    out(
        f"Field days without and with options.balance = {weight} (per minute of spread), "
        f"{limit:g} s each: priority and jobs served, travel (s), spread of working time (sum of "
        "absolute deviations from the mean, min), busiest − idlest (min)"
    )
    out()
    out(
        "| seed | jobs | techs | off: priority | served | travel | spread | max−min "
        "| on: priority | served | travel | spread | max−min | travel price | spread change |"
    )
    out("|---:|---:|---:|" + "---:|" * 12)
    invalid = 0
    for seed in args.seeds:
        plain = field_problem(seed, args.jobs, args.vehicles)
        even = replace(plain, balance=weight)
        off = _row(plain, solve(plain, limit, workers=args.workers))
        on = _row(even, solve(even, limit, workers=args.workers))
        invalid += (not off[3]) + (not on[3])
        price = 100 * (on[1] - off[1]) / off[1] if off[1] else 0.0
        change = 100 * (on[2] - off[2]) / off[2] if off[2] else 0.0
        out(
            f"| {seed} | {len(plain.jobs)} | {len(plain.vehicles)} |{off[0]}{on[0]}"
            f" {price:+.1f}% | {change:+.0f}% |"
        )
    out()
    if invalid:
        out(f"{invalid} invalid plan(s)")
    return 1 if invalid else 0

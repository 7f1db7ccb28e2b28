"""The ruin-and-recreate search's fast route checks agree with the published timeline.

:mod:`dispatch.routing.fastroute` decides feasibility from forward and backward values instead
of timing the route; on random small problems (the property tests' generator) every answer it
gives must be the one :func:`dispatch.routing.timeline.build_route` gives for the same order,
and the extra travel it reports must be the real difference.
"""
from __future__ import annotations

import dataclasses
import random
import time

from hypothesis import given, settings
from hypothesis import strategies as st
from test_routing_properties import SETTINGS, problems

from dispatch.routing import check_solution, parse_problem
from dispatch.routing.assemble import assemble, compatible
from dispatch.routing.fastroute import Data, Route
from dispatch.routing.lns import improve
from dispatch.routing.timeline import Infeasible, build_route


def _timed(problem, k, seq):
    """Travel of the order by the timeline, or None when it is infeasible."""
    v = problem.vehicles[k]
    items = [problem.jobs[x] if x >= 0 else v.breaks[-1 - x] for x in seq]
    try:
        route = build_route(problem, v, items)
    except Infeasible:
        return None
    return route.duration if any(x >= 0 for x in seq) else 0


@settings(SETTINGS, max_examples=120)
@given(problems(), st.integers(0, 2**16))
def test_insertion_agrees_with_the_timeline(doc, seed):
    problem = parse_problem(doc)
    # Capacity and task counts are the search's own checks, not the insertion's.
    problem = dataclasses.replace(problem, vehicles=[
        dataclasses.replace(v, capacity=(), max_tasks=None) for v in problem.vehicles])
    data = Data(problem)
    rng = random.Random(seed)
    for k, v in enumerate(problem.vehicles):
        jobs = list(range(len(problem.jobs)))
        rng.shuffle(jobs)
        seq = jobs[:rng.randint(0, len(jobs))] + [-1 - b for b in range(len(v.breaks))]
        rng.shuffle(seq)
        route = Route(data, k, list(seq))
        base = _timed(problem, k, seq)
        assert route.update() == (base is not None), seq
        if base is None:
            continue
        for x in (j for j in range(len(problem.jobs)) if j not in seq):
            for pos in range(len(seq) + 1):
                trial = seq[:pos] + [x] + seq[pos:]
                travel = _timed(problem, k, trial)
                got = route.insertion(x, pos)
                if travel is None:
                    assert got is None or got is ..., (seq, x, pos)
                else:
                    assert got == travel - base, (seq, x, pos)


@settings(SETTINGS, max_examples=40)
@given(problems())
def test_improve_gives_a_valid_plan_from_nothing(doc):
    problem = parse_problem(doc)
    plan = improve(problem, [[] for _ in problem.vehicles], compatible(problem),
                   time.monotonic() + 0.05, seed=3)
    assert check_solution(problem, assemble(problem, plan)) == []

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

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dispatch.routing import check_solution, parse_problem
from dispatch.routing.annealing import Annealing
from dispatch.routing.assemble import assemble, compatible
from dispatch.routing.bench.generate import field_problem
from dispatch.routing.eject import polish
from dispatch.routing.fastdata import Data
from dispatch.routing.fastroute import Route
from dispatch.routing.lns import Search, improve
from dispatch.routing.penalty import Penalty
from dispatch.routing.solver import SOFT
from dispatch.routing.stopping import Stopping
from dispatch.routing.timeline import Infeasible, build_route
from tests.routing.test_properties import SETTINGS, pinned_problems, problems


def _timed(problem, k, seq):
    """Travel of the order by the timeline, or None when it is infeasible. An order without
    jobs is a vehicle that stays home: no travel, so no maximum to exceed (the timeline would
    time the drive from start to end; the search's routes and the plans it gives do not)."""
    v = problem.vehicles[k]
    if not any(x >= 0 for x in seq):
        v = dataclasses.replace(v, max_travel_time=None)
    items = [problem.jobs[x] if x >= 0 else v.breaks[-1 - x] for x in seq]
    try:
        route = build_route(problem, v, items)
    except Infeasible:
        return None
    return route.duration if any(x >= 0 for x in seq) else 0


def _random_routes(doc, seed: int, least: int = 0):
    """(problem, vehicle, random order, its Route) for every vehicle of the generated problem
    whose random order (at least ``least`` jobs, and its breaks) the timeline accepts;
    orders it refuses are checked to be refused by the Route too."""
    problem = parse_problem(doc)
    # Capacity and task counts are the search's own checks, not the route's.
    problem = dataclasses.replace(
        problem,
        vehicles=[dataclasses.replace(v, capacity=(), max_tasks=None) for v in problem.vehicles],
    )
    data = Data(problem)
    rng = random.Random(seed)
    for k, v in enumerate(problem.vehicles):
        jobs = list(range(len(problem.jobs)))
        rng.shuffle(jobs)
        seq = jobs[: rng.randint(least, len(jobs))] + [-1 - b for b in range(len(v.breaks))]
        rng.shuffle(seq)
        route = Route(data, k, list(seq))
        base = _timed(problem, k, seq)
        assert route.update() == (base is not None), seq
        if base is not None:
            assert route.travel == base
            yield problem, k, seq, route, rng


@settings(SETTINGS, max_examples=120)
@given(problems(), st.integers(0, 2**16))
def test_insertion_agrees_with_the_timeline(doc, seed):
    for problem, k, seq, route, _ in _random_routes(doc, seed):
        for x in (j for j in range(len(problem.jobs)) if j not in seq):
            for pos in range(len(seq) + 1):
                trial = seq[:pos] + [x] + seq[pos:]
                travel = _timed(problem, k, trial)
                got = route.insertion(x, pos)
                if travel is None:
                    assert got is None or got is ..., (seq, x, pos)
                else:
                    assert got == travel - route.travel, (seq, x, pos)


def _searched_briefly_is_valid(doc: dict, seed: int, **options) -> None:
    """A 50 ms search from an empty plan with these options gives a plan the checker accepts."""
    problem = parse_problem(doc)
    empty = [[] for _ in problem.vehicles]
    plan = improve(problem, empty, compatible(problem), time.monotonic() + 0.05, seed, **options)
    _valid(problem, plan)


@settings(SETTINGS, max_examples=40)
@given(problems())
def test_improve_gives_a_valid_plan_from_nothing(doc):
    _searched_briefly_is_valid(doc, seed=3)


@settings(SETTINGS, max_examples=120)
@given(problems(), st.integers(0, 2**16))
def test_replacing_a_stretch_agrees_with_the_timeline(doc, seed):
    """Route.replace (a stretch of the route swapped for other jobs, as the ejections do)
    answers exactly what timing the new order answers, and its extra travel is the real one."""
    for problem, k, seq, route, rng in _random_routes(doc, seed, least=1):
        base = route.travel
        spare = [j for j in range(len(problem.jobs)) if j not in seq]
        for _ in range(20):
            a = rng.randint(0, len(seq))
            b = rng.randint(a, len(seq))
            inner = [x for x in seq[a:b] if x < 0]  # breaks stay on the route
            # Some of the stretch's own jobs (which often still fit) and some new ones.
            kept = [x for x in seq[a:b] if x >= 0 and rng.random() < 0.7]
            items = inner + kept + rng.sample(spare, rng.randint(0, min(2, len(spare))))
            rng.shuffle(items)
            trial = seq[:a] + items + seq[b:]
            if not any(x >= 0 for x in trial):
                continue  # replace() keeps a route serving something
            travel = _timed(problem, k, trial)
            got = route.replace(a, b, items)
            assert got == (None if travel is None else travel - base), (seq, a, b, items)


def _valid(problem, plan):
    """The timed solution of the search's plan, which must pass the checker with every job the
    plan serves (assemble would quietly leave out a job whose route does not time)."""
    solution = assemble(problem, plan)
    assert check_solution(problem, solution) == []
    assert solution.served == sum(kind == "job" for items in plan for kind, _ in items)
    return solution


def _objective(problem, plan):
    solution = _valid(problem, plan)
    return solution.priority, solution.served, -solution.travel


def test_a_left_out_job_worth_more_takes_the_place_of_a_served_one():
    """One technician, time for one of two jobs: the search's plan serving the cheaper job is
    traded for the one worth more, in the same place."""
    doc = {
        "vehicles": [{"id": 1, "start_index": 0, "end_index": 0, "time_window": [0, 100]}],
        "jobs": [
            {"id": 1, "location_index": 1, "service": 60, "priority": 1},
            {"id": 2, "location_index": 1, "service": 60, "priority": 10},
        ],
        "matrices": {"car": {"durations": [[0, 10], [10, 0]]}},
    }
    problem = parse_problem(doc)
    search = Search(problem, [[("job", 0)]], compatible(problem))
    assert search.out == {1}
    assert polish(search, time.monotonic() + 5) == 1
    assert search.out == {0} and search.routes[0].jobs() == [1]


def test_a_ruin_that_leaves_a_route_untimeable_is_undone_on_every_route():
    """With a matrix that breaks the triangle inequality, taking a job out can leave its route
    impossible (the job was on the short way to the next). The ruin is then undone: every route
    comes back as it was, with its timing (the search skips routes it believes unchanged)."""
    far = 1000
    doc = {
        "vehicles": [
            {"id": 1, "start_index": 0, "end_index": 0, "time_window": [0, 300]},
            {"id": 2, "start_index": 0, "end_index": 0, "time_window": [0, 300]},
        ],
        "jobs": [
            {"id": 1, "location_index": 1},
            {"id": 2, "location_index": 2, "time_windows": [[0, 100]]},
            {"id": 3, "location_index": 3},
        ],
        "matrices": {
            "car": {
                "durations": [
                    [0, 10, far, 10],
                    [10, 0, 10, far],
                    [10, far, 0, far],
                    [10, far, far, 0],
                ]
            }
        },
    }
    problem = parse_problem(doc)
    search = Search(problem, [[("job", 0), ("job", 1)], [("job", 2)]], compatible(problem))
    before = [(list(r.seq), r.travel, list(r.tend), list(r.gx)) for r in search.routes]
    snapshot = search.snapshot()
    # Out: the jobs at positions 2 and 0 (ids 3 and 1); id 2 is then out of reach in its window.
    assert search._take_out([2, 0]) is False
    search.restore(snapshot)
    assert [(list(r.seq), r.travel, list(r.tend), list(r.gx)) for r in search.routes] == before
    assert search.out == set() and search.route_of == {0: 0, 1: 0, 2: 1}
    for r in search.routes:  # the kept timing is the sequence's own
        fresh = Route(search.d, r.k, list(r.seq))
        assert fresh.update() and list(fresh.gx) == list(r.gx) and fresh.lan == r.lan


@settings(SETTINGS, max_examples=60)
@given(problems(), st.integers(0, 2**16))
def test_trades_only_ever_improve_the_plan(doc, seed):
    problem = parse_problem(doc)
    search = Search(problem, [[] for _ in problem.vehicles], compatible(problem), seed)
    search.recreate(sorted(search.out), 0.5)  # a poor first plan, with blinks
    before = _objective(problem, search.plan())
    made = polish(search, time.monotonic() + 5)
    after = _objective(problem, search.plan())
    assert after > before if made else after == before


def test_an_ejection_ruin_takes_out_only_cheaper_jobs_never_pinned_ones():
    """Room for two of three jobs: the left-out job worth most gets the place of the unpinned
    cheaper one; the pinned one, cheaper still, stays."""
    doc = {
        "vehicles": [
            {
                "id": 1,
                "start_index": 0,
                "end_index": 0,
                "time_window": [0, 90],
                "steps": [{"type": "job", "id": 1}],
            }
        ],
        "jobs": [
            {"id": 1, "location_index": 1, "service": 30, "priority": 1},
            {"id": 2, "location_index": 1, "service": 30, "priority": 2},
            {"id": 3, "location_index": 1, "service": 30, "priority": 10},
        ],
        "matrices": {"car": {"durations": [[0, 10], [10, 0]]}},
    }
    problem = parse_problem(doc)
    search = Search(problem, [[("job", 0), ("job", 1)]], compatible(problem), eject_seed=1.0)
    assert search.out == {2}
    assert search.ruin() == [2, 1]  # the left-out job first, then the one it displaces
    assert search.routes[0].jobs() == [0] and search.out == {1, 2}
    search.recreate([2, 1], 0.0)
    assert sorted(search.routes[0].jobs()) == [0, 2] and search.out == {1}


@settings(SETTINGS, max_examples=40)
@given(pinned_problems())
def test_searching_with_ejection_ruins_gives_valid_plans(doc):
    _searched_briefly_is_valid(doc, seed=5, eject_seed=1.0)


def test_a_trade_counts_the_van_room_freed_even_by_jobs_without_amounts():
    """Capacity: the job worth more needs 2 of the van's 2 units, the served one carries none
    (no ``delivery`` at all) and frees none, so it is traded only for the one that carries 2."""
    doc = {
        "vehicles": [
            {"id": 1, "start_index": 0, "end_index": 0, "time_window": [0, 130], "capacity": [2]}
        ],
        "jobs": [
            {"id": 1, "location_index": 1, "service": 30, "priority": 1},
            {"id": 2, "location_index": 1, "service": 30, "priority": 2, "delivery": [2]},
            {"id": 3, "location_index": 1, "service": 30, "priority": 10, "delivery": [2]},
        ],
        "matrices": {"car": {"durations": [[0, 10], [10, 0]]}},
    }
    problem = parse_problem(doc)
    search = Search(problem, [[("job", 0), ("job", 1)]], compatible(problem))
    assert search.out == {2}
    assert polish(search, time.monotonic() + 5) == 1
    assert sorted(search.routes[0].jobs()) == [0, 2] and search.out == {1}


def _field_search(sizes, iterations: int, **kw):
    """(problem, search) after ``iterations`` moves on the generated day of ``sizes``."""
    problem = field_problem(*sizes)
    search = Search(
        problem, [[] for _ in problem.vehicles], compatible(problem), 1, eject_seed=0.2, **kw
    )
    search.run(time.monotonic() + 600, max_iter=iterations)
    return problem, search


def test_the_milder_penalty_is_taken_only_where_jobs_are_still_left_out():
    # Everything fits from the first plan: the very same moves as without it.
    _, strict = _field_search((4, 30, 6), 300)
    _, soft = _field_search((4, 30, 6), 300, **SOFT)
    assert not strict.out and not soft.penalty.softened
    assert soft.plan() == strict.plan()
    # Over-subscribed: taken after a tenth of the moves, and the plan is still valid.
    problem, soft = _field_search((5, 60, 5), 300, **SOFT)
    assert soft.penalty.softened and soft.penalty.is_mild() and soft.out
    _valid(problem, soft.plan())
    # Both costs of a move come from one pass; each is travel plus its penalty per job left out.
    travel = sum(r.travel for r in soft.routes if r.njobs)
    mild, strict = soft.penalty.used, soft.penalty.strict
    assert soft.travel() == travel
    assert soft.costs() == (
        travel + sum(mild[j] for j in soft.out),
        travel + sum(strict[j] for j in soft.out),
    )
    assert soft.costs()[0] < soft.costs()[1] == soft.cost()


def test_the_milder_penalty_is_due_once_after_its_share_while_jobs_are_left_out():
    problem = field_problem(5, 60, 5)
    d = Data(problem)
    penalty = Penalty(d, len(problem.jobs), soft=1.0, soft_after=0.1)
    left_out = penalty.w_count  # the least strict cost of a plan that leaves a job out
    assert not penalty.due(0.05, left_out) and not penalty.due(0.5, left_out - 1)
    assert penalty.due(0.1, left_out)
    penalty.soften(1000.0)
    assert penalty.is_mild() and not penalty.due(0.5, left_out)
    assert penalty.used == penalty.mild(1000.0) != penalty.strict
    # A pinned job keeps its strict penalty; another costs soft × arc per priority point + 1.
    for j, p in enumerate(penalty.used):
        assert p == (penalty.strict[j] if j in d.pinned else int(1000.0 * (1 + d.prio[j])))
    penalty.harden()
    assert not penalty.is_mild() and penalty.used is penalty.strict
    assert not Penalty(d, len(problem.jobs)).due(1.0, left_out)  # no soft: never


def test_the_temperature_cools_geometrically_and_slower_on_the_milder_penalty():
    schedule = Annealing(100.0, random.Random(1), soft_folds=4.0)
    schedule.cool(0.0)
    assert schedule.temperature == 100.0
    schedule.cool(0.5)
    assert schedule.temperature == pytest.approx(10.0)
    schedule.soften()
    schedule.cool(1.0)
    assert schedule.temperature == pytest.approx(25.0)
    schedule.harden()
    schedule.cool(1.0)
    assert schedule.temperature == pytest.approx(1.0)
    # No worse: always accepted; worse by a million temperatures: never.
    assert all(schedule.accepts(10, 10) for _ in range(100))
    assert not any(schedule.accepts(10**6, 10) for _ in range(100))


def test_a_run_stops_at_its_last_move_and_counts_its_share_done():
    stop = Stopping(time.monotonic() + 600, 4, reserve=0.1)
    assert stop.end == pytest.approx(stop.final - 60, abs=0.01)
    assert not stop.out_of_time(stop.start) and stop.out_of_time(stop.end)
    assert [stop.moved() for _ in range(4)] == [False, False, False, True]
    assert stop.iterations == 4 and stop.done(stop.start) == 1.0
    assert stop.done(stop.start + 300) == 1.0
    assert Stopping(time.monotonic() + 600, 2**62).done(time.monotonic() + 300) == pytest.approx(
        0.5, abs=0.01
    )


@settings(SETTINGS, max_examples=40)
@given(pinned_problems())
def test_searching_on_the_milder_penalty_gives_valid_plans(doc):
    _searched_briefly_is_valid(doc, seed=7, soft=1.0, soft_after=0.0, cool=3.0)

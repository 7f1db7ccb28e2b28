"""The solver: objective order, constraints, pinned work, breaks, time limits, and the
hand-over to OR-Tools' guided local search where its model is exact.

Short time limits throughout (the whole file runs in well under two minutes); every plan is
also replayed by the independent checker.
"""

from __future__ import annotations

import dataclasses
import time
from itertools import pairwise

import pytest

from dispatch.routing.assemble import assemble, compatible, score
from dispatch.routing.bench.generate import field_problem
from dispatch.routing.check import check_solution
from dispatch.routing.lns import improve
from dispatch.routing.model import Break, Job, PinnedStep, Problem, Solution, Vehicle
from dispatch.routing.ortools_model import build_model, is_exact
from dispatch.routing.ortools_search import run_search, search_params
from dispatch.routing.solver import PORTFOLIO, solve

H = 3600


def line(n: int, step: int = 60) -> list[list[int]]:
    """Travel matrix of n+1 places on a line, ``step`` seconds apart (place 0 = depot)."""
    return [[abs(a - b) * step for b in range(n + 1)] for a in range(n + 1)]


def job(i: int, **kw) -> Job:
    return Job(id=i, location_index=kw.pop("location_index", i), **kw)


def valid(problem: Problem, solution: Solution) -> Solution:
    assert check_solution(problem, solution) == []
    return solution


def route_of(solution: Solution, vehicle: int) -> list[tuple[str, int | None]]:
    route = next(r for r in solution.routes if r.vehicle == vehicle)
    return [(s.type, s.id) for s in route.steps]


def test_known_optimum_on_a_line():
    # Four sites on a line from the depot: no tour is shorter than out to the far end and back.
    problem = Problem(
        [job(i, service=60) for i in range(1, 5)],
        [Vehicle(id=1, start_index=0, end_index=0)],
        line(4),
    )
    solution = valid(problem, solve(problem, 1, workers=1))
    assert solution.served == 4 and solution.travel == 2 * 4 * 60


def test_known_optimum_of_a_small_vrptw():
    # Two technicians, depot in the middle, two sites on each side: one side each is optimal.
    xs = [0, -1, -2, 1, 2]
    matrix = [[abs(a - b) * 600 for b in xs] for a in xs]
    vehicles = [
        Vehicle(id=k, start_index=0, end_index=0, time_window=(0, 4 * H), capacity=(2,))
        for k in (1, 2)
    ]
    jobs = [job(i, service=300, delivery=(1,)) for i in range(1, 5)]
    solution = valid(Problem(jobs, vehicles, matrix), solve(Problem(jobs, vehicles, matrix), 1))
    assert solution.travel == 2 * (2 * 1200)
    sides = sorted(sorted(s.id for s in r.steps if s.type == "job") for r in solution.routes)
    assert sides == [[1, 2], [3, 4]]


def test_windows_force_the_order_and_waits_are_reported():
    jobs = [
        job(1, service=600, time_windows=((3 * H, 4 * H),)),
        job(2, service=600, time_windows=((H, 2 * H),)),
    ]
    problem = Problem(
        jobs, [Vehicle(id=1, start_index=0, end_index=0, time_window=(0, 8 * H))], line(2, step=300)
    )
    solution = valid(problem, solve(problem, 1))
    assert [s for s in route_of(solution, 1) if s[0] == "job"] == [("job", 2), ("job", 1)]
    steps = {s.id: s for s in solution.routes[0].steps if s.type == "job"}
    assert steps[2].arrival + steps[2].waiting_time == H  # service starts when the window opens


def test_second_window_used_when_first_is_unreachable():
    jobs = [job(1, service=60, time_windows=((0, 100), (2 * H, 3 * H)))]
    problem = Problem(
        jobs, [Vehicle(id=1, start_index=0, end_index=0, time_window=(0, 5 * H))], line(1, step=600)
    )
    solution = valid(problem, solve(problem, 1))
    step = next(s for s in solution.routes[0].steps if s.type == "job")
    assert step.arrival + step.waiting_time == 2 * H


def test_over_subscribed_day_drops_the_lowest_priority():
    # Each job takes 2 h; the shift holds two of them.
    jobs = [
        job(i, location_index=1, service=2 * H, priority=p) for i, p in ((1, 10), (2, 90), (3, 50))
    ]
    problem = Problem(
        jobs, [Vehicle(id=1, start_index=0, end_index=0, time_window=(0, 4 * H))], [[0, 0], [0, 0]]
    )
    solution = valid(problem, solve(problem, 1))
    assert [u.id for u in solution.unassigned] == [1]
    assert solution.unassigned[0].reason
    assert solution.priority == 140


def test_priority_beats_count_and_count_beats_travel():
    # One long high-priority job, or two short low-priority ones: priority wins.
    jobs = [
        job(1, service=3 * H, priority=30),
        job(2, service=H, priority=10),
        job(3, service=H, priority=10),
    ]
    vehicle = Vehicle(id=1, start_index=0, end_index=0, time_window=(0, 3 * H + 600))
    problem = Problem(jobs, [vehicle], line(3, step=60))
    assert {s.id for s in valid(problem, solve(problem, 1)).routes[0].steps if s.type == "job"} == {
        1
    }
    # Equal priorities: two far jobs beat one near job, whatever the travel.
    jobs = [job(1, service=H), job(2, service=600), job(3, service=600)]
    matrix = [[0, 10, 3000, 3000], [10, 0, 3000, 3000], [3000, 3000, 0, 10], [3000, 3000, 10, 0]]
    problem = Problem(
        jobs, [Vehicle(id=1, start_index=0, end_index=0, time_window=(0, 7400))], matrix
    )
    assert valid(problem, solve(problem, 1)).served == 2


def test_skills_capacity_and_unserviceable_jobs():
    jobs = [
        job(1, skills=frozenset({1}), delivery=(3,)),
        job(2, skills=frozenset({2})),
        job(3, skills=frozenset({7})),
        job(4, delivery=(9,)),
    ]
    vehicles = [
        Vehicle(id=1, start_index=0, end_index=0, skills=frozenset({1}), capacity=(5,)),
        Vehicle(id=2, start_index=0, end_index=0, skills=frozenset({2}), capacity=(5,)),
    ]
    solution = valid(Problem(jobs, vehicles, line(4)), solve(Problem(jobs, vehicles, line(4)), 1))
    where = {s.id: r.vehicle for r in solution.routes for s in r.steps if s.type == "job"}
    assert where == {1: 1, 2: 2}
    reasons = {u.id: u.reason for u in solution.unassigned}
    assert set(reasons) == {3, 4} and "7" in reasons[3]


def test_breaks_are_taken_inside_their_window():
    lunch = Break(id=5, time_windows=((12 * H, 13 * H),), service=1800)
    jobs = [job(i, service=H) for i in range(1, 7)]
    vehicles = [
        Vehicle(id=1, start_index=0, end_index=0, time_window=(8 * H, 17 * H), breaks=(lunch,))
    ]
    problem = Problem(jobs, vehicles, line(6, step=300))
    solution = valid(problem, solve(problem, 1))
    steps = solution.routes[0].steps
    brk = [s for s in steps if s.type == "break"]
    assert len(brk) == 1 and 12 * H <= brk[0].arrival + brk[0].waiting_time <= 13 * H
    assert steps[0].type == "start" and steps[-1].type == "end"


def test_pinned_steps_stay_on_their_vehicle_in_order():
    jobs = [job(i, service=600) for i in range(1, 7)]
    pinned = (PinnedStep("job", 5), PinnedStep("job", 1, service_after=2 * H))
    vehicles = [
        Vehicle(id=1, start_index=0, end_index=0, time_window=(0, 8 * H)),
        Vehicle(id=2, start_index=0, end_index=0, time_window=(0, 8 * H), steps=pinned),
    ]
    problem = Problem(jobs, vehicles, line(6, step=300))
    solution = valid(problem, solve(problem, 1))
    order = [i for t, i in route_of(solution, 2) if t == "job"]
    assert 5 in order and 1 in order and order.index(5) < order.index(1)
    one = next(s for s in solution.routes if s.vehicle == 2).steps
    assert (
        next(s for s in one if s.id == 1).arrival + next(s for s in one if s.id == 1).waiting_time
        >= 2 * H
    )


def test_open_routes_limits_and_setup():
    jobs = [job(i, service=300, setup=120, location_index=1 + (i - 1) // 2) for i in range(1, 7)]
    vehicles = [
        Vehicle(id=1, time_window=(0, 4 * H), max_tasks=3),
        Vehicle(id=2, start_index=0, time_window=(0, 4 * H), max_travel_time=900),
    ]
    problem = Problem(jobs, vehicles, line(3, step=300))
    solution = valid(problem, solve(problem, 1))
    assert solution.served == 6 - len(solution.unassigned)
    counts = {r.vehicle: sum(s.type == "job" for s in r.steps) for r in solution.routes}
    assert counts.get(1, 0) <= 3
    # Same place twice in a row: the second setup is skipped.
    for r in solution.routes:
        jobs_in = [s for s in r.steps if s.type == "job"]
        for a, b in pairwise(jobs_in):
            if a.location_index == b.location_index:
                assert b.setup == 0


def test_no_vehicle_no_job_and_impossible_input_still_answer():
    jobs = [job(1, service=60)]
    assert [u.id for u in solve(Problem(jobs, [], line(1)), 1).unassigned] == [1]
    assert solve(Problem([], [Vehicle(id=1, start_index=0)], line(0)), 1).routes == []
    # A window that closed before the shift opens: unassigned with a reason, no error.
    late = Problem(
        [job(1, time_windows=((0, 10),))],
        [Vehicle(id=1, start_index=0, end_index=0, time_window=(H, 2 * H))],
        line(1),
    )
    solution = valid(late, solve(late, 1))
    assert solution.unassigned[0].reason


@pytest.mark.parametrize("workers", [1, 2])
def test_time_limit_is_respected_on_a_real_day(workers):
    problem = field_problem(3, jobs=120, vehicles=10)
    started = time.monotonic()
    solution = solve(problem, 2, workers=workers)
    elapsed = time.monotonic() - started
    assert elapsed < 2 + 3  # the limit, plus timing the routes and explaining, on a busy CI
    valid(problem, solution)
    assert solution.served > 40
    assert len(solution.unassigned) + solution.served == 120


def test_travel_longer_than_the_horizon_is_left_out_not_an_overflow():
    """The Python API (and geocoded matrices) can carry any travel time; the compiled search
    keeps times as C integers, so travel beyond the horizon is capped, never overflows."""
    far = 2**40
    jobs = [job(1, service=60), job(2, service=60)]
    matrix = [[0, 60, far], [60, 0, far], [far, far, 0]]
    problem = Problem(
        jobs, [Vehicle(id=1, start_index=0, end_index=0, time_window=(0, 8 * H))], matrix
    )
    solution = valid(problem, solve(problem, 1))
    assert route_of(solution, 1) == [("start", None), ("job", 1), ("end", None)]
    assert [u.id for u in solution.unassigned] == [2] and solution.unassigned[0].reason


def test_ortools_takes_over_only_where_its_model_is_exact():
    day = field_problem(5, jobs=40, vehicles=4)  # setup times and jobs with two windows
    jobs = list(range(len(day.jobs)))
    assert not is_exact(day, jobs)
    with pytest.raises(ValueError):
        build_model(day, jobs)
    assert [s.ortools_after > 0 for s in PORTFOLIO] == [False, True]
    # The same day without setup and with one window per job (breaks and skills stay).
    exact = dataclasses.replace(
        day,
        jobs=[dataclasses.replace(j, setup=0, time_windows=j.time_windows[:1]) for j in day.jobs],
    )
    assert is_exact(exact, jobs)
    allowed = compatible(exact)
    plan = improve(exact, [[] for _ in exact.vehicles], allowed, time.monotonic() + 0.1, 1)
    before = assemble(exact, plan, explain=False)
    more = run_search(
        build_model(exact, [j for j, a in enumerate(allowed) if a]), search_params(1.0), plan
    )
    after = valid(exact, assemble(exact, more))
    # OR-Tools starts from our plan and times it as we do: it can only keep it or improve it.
    assert score(after) >= score(before)

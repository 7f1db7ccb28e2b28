"""The stop rule: the time limit is a ceiling. A tiny problem is solved by enumeration and says
``optimal``; a search that finds nothing better for long enough says ``converged``; one that
runs out of time says ``time_limit``. The answer also says when the plan was found.

No test here measures time (the benchmarks do: ``bench small``, ``bench field``): only the
reasons, the plans and the moves.
"""

from __future__ import annotations

import time

from dispatch.routing import check_solution, dump_solution, parse_problem
from dispatch.routing.assemble import assemble, compatible, score
from dispatch.routing.bench.generate import field_problem
from dispatch.routing.exhaustive import optimum
from dispatch.routing.lns import Search
from dispatch.routing.model import Problem
from dispatch.routing.solver import _LNS, solve
from dispatch.routing.stopping import Stopping
from tests.routing.support import optimum as optimum_by_tests

H = 3600


def four_jobs() -> Problem:
    """Two technicians from one depot with different skills, four jobs around it."""
    doc = {
        "vehicles": [
            {
                "id": 1,
                "start_index": 0,
                "end_index": 0,
                "skills": [1, 9],
                "capacity": [4],
                "time_window": [8 * H, 12 * H],
            },
            {
                "id": 2,
                "start_index": 0,
                "end_index": 0,
                "skills": [2, 9],
                "capacity": [4],
                "time_window": [8 * H, 12 * H],
            },
        ],
        "jobs": [
            {
                "id": 1,
                "location_index": 1,
                "service": 300,
                "delivery": [1],
                "skills": [1],
                "time_windows": [[9 * H, 10 * H]],
            },
            {"id": 2, "location_index": 2, "service": 300, "delivery": [1], "skills": [1]},
            {"id": 3, "location_index": 3, "service": 300, "delivery": [1], "skills": [9]},
            {"id": 4, "location_index": 4, "service": 300, "delivery": [1], "skills": [9]},
        ],
        "matrices": {
            "car": {
                "durations": [
                    [0, 1900, 1700, 900, 2400],
                    [1900, 0, 800, 1500, 3900],
                    [1700, 800, 0, 1000, 3700],
                    [900, 1500, 1000, 0, 2800],
                    [2400, 3900, 3700, 2800, 0],
                ]
            }
        },
    }
    return parse_problem(doc)


def test_a_tiny_problem_is_solved_by_enumeration_and_says_optimal():
    problem = four_jobs()
    solution = solve(problem, 600)  # a limit no test run could wait for: never reached
    assert solution.stop_reason == "optimal"
    assert check_solution(problem, solution) == []
    best = optimum_by_tests(problem)
    assert (solution.priority, solution.served, -solution.travel) == best
    assert 0 <= solution.found_at <= (solution.loading_ms + solution.solving_ms) / 1000 + 0.01
    # The JSON answer says it too (an extension of VROOM's summary).
    summary = dump_solution(problem, solution)["summary"]
    assert summary["search"] == {"stop": "optimal", "found_at": solution.found_at}
    # Searching for the whole limit instead finds no better plan.
    full = solve(problem, 1, converge=False)
    assert full.stop_reason == "time_limit"
    assert score(full) == score(solution)


def test_enumeration_declines_pinned_jobs_and_large_problems():
    problem = four_jobs()
    assert optimum(problem, compatible(problem)) is not None
    pinned = parse_problem(
        {
            "vehicles": [
                {"id": 1, "start_index": 0, "end_index": 0, "steps": [{"type": "job", "id": 1}]}
            ],
            "jobs": [{"id": 1, "location_index": 1}, {"id": 2, "location_index": 2}],
            "matrices": {"car": {"durations": [[0, 5, 5], [5, 0, 5], [5, 5, 0]]}},
        }
    )
    assert optimum(pinned, compatible(pinned)) is None
    day = field_problem(1, 30, 3)
    assert optimum(day, compatible(day)) is None


def test_a_search_that_finds_nothing_better_says_converged():
    # 25 jobs: too many to enumerate; the search converges long before the limit.
    problem = field_problem(2, 25, 3)
    solution = solve(problem, 600)
    assert solution.stop_reason == "converged"
    assert check_solution(problem, solution) == []
    assert solution.found_at <= (solution.loading_ms + solution.solving_ms) / 1000 + 0.01


def test_the_time_limit_still_caps_a_large_day():
    problem = field_problem(1)  # 285 jobs: far from converged in half a second
    solution = solve(problem, 0.5)
    assert solution.stop_reason == "time_limit"
    assert check_solution(problem, solution) == []


def test_one_run_converges_once_a_whole_cycle_finds_nothing_better():
    problem = field_problem(3, 20, 2)
    allowed = compatible(problem)
    runs = []
    for _ in range(2):
        search = Search(problem, [[] for _ in problem.vehicles], allowed, 1, **_LNS)
        search.run(time.monotonic() + 600, cycle=1000)
        runs.append((search.plan(), search.iterations, search.stop_reason))
    # Deterministic for a seed, as it was at a fixed number of moves.
    assert runs[0] == runs[1]
    plan, moves, reason = runs[0]
    assert reason == "converged" and moves >= 1000 and moves % 1000 == 0
    assert check_solution(problem, assemble(problem, plan)) == []


def test_the_stopping_rule():
    stop = Stopping(time.monotonic() + 600, 2**62, cycle=10)
    stop.improved()  # a new best in the first cycle: a second one follows
    assert not any(stop.moved() for _ in range(10))
    assert stop.restarted and stop.cycle_start == 10
    assert stop.done(stop.start) == 0.0  # hot again
    for _ in range(4):
        stop.moved()
    stop.improved()  # found in the second cycle: a third
    assert not any(stop.moved() for _ in range(6)) and stop.cycle_start == 20
    # The third finds nothing: its last move ends the run.
    assert [stop.moved() for _ in range(10)] == [False] * 9 + [True]
    assert stop.reason == "converged" and stop.iterations == 30
    # Without a cycle, only the cap and the deadline stop it.
    capped = Stopping(time.monotonic() + 600, 5)
    assert [capped.moved() for _ in range(5)] == [False] * 4 + [True]
    assert capped.reason == "moves"
    late = Stopping(time.monotonic() - 1, 2**62, cycle=10)
    assert late.out_of_time(time.monotonic()) and late.reason == "time_limit"

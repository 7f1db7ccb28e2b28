"""Property tests: on small random problems the solver's plan is valid and optimal.

Each problem (≤ 6 jobs, ≤ 2 technicians, windows, skills, priorities, capacities, sometimes a
break, a travel limit or a task limit) is also solved by exhaustive search in the test
(:func:`routing_support.optimum`), and the plan must reach the same priority sum and number of
served jobs, and the same total travel. The checker replays every plan, and every reason given
for an unassigned job is compared with what the exhaustive search knows about that job alone.

The examples are derandomized so that CI sees the same problems every run; set
``ROUTING_HYPOTHESIS_RANDOM=1`` to explore new ones locally (and ``ROUTING_HYPOTHESIS_EXAMPLES``,
``ROUTING_HYPOTHESIS_TIME_LIMIT``, ``ROUTING_HYPOTHESIS_SHRINK=1`` to search harder).
"""
from __future__ import annotations

import os

import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from routing_support import _routes_of, objective, optimum

from dispatch.routing import check_solution, dump_solution, parse_problem

solver = pytest.importorskip("dispatch.routing.solver")

TIME_LIMIT = float(os.environ.get("ROUTING_HYPOTHESIS_TIME_LIMIT", "1"))
EXAMPLES = int(os.environ.get("ROUTING_HYPOTHESIS_EXAMPLES", "30"))
# Shrinking re-solves the problem hundreds of times (a second each): only on request.
PHASES = [Phase.explicit, Phase.reuse, Phase.generate] + (
    [Phase.shrink] if os.environ.get("ROUTING_HYPOTHESIS_SHRINK") else [])
SETTINGS = settings(
    max_examples=EXAMPLES,
    deadline=None,
    database=None,
    phases=PHASES,
    derandomize=not os.environ.get("ROUTING_HYPOTHESIS_RANDOM"),
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


@st.composite
def windows(draw, horizon: int = 200) -> list[list[int]]:
    result = []
    for _ in range(draw(st.integers(1, 2))):
        start = draw(st.integers(0, horizon - 20))
        result.append([start, start + draw(st.integers(0, 80))])
    return result


@st.composite
def problems(draw) -> dict:
    n_places = draw(st.integers(2, 5))
    travel = st.integers(1, 40)
    matrix = [[0 if a == b else draw(travel) for b in range(n_places)] for a in range(n_places)]
    place = st.integers(0, n_places - 1)
    skills = st.lists(st.sampled_from([1, 2]), max_size=2, unique=True)
    amounts = draw(st.booleans())
    jobs = []
    for i in range(draw(st.integers(1, 6))):
        job = {"id": 100 + i, "location_index": draw(place),
               "service": draw(st.integers(0, 30)),
               "priority": draw(st.sampled_from([0, 0, 1, 2, 5, 10]))}
        if draw(st.integers(0, 3)) == 0:
            job["setup"] = draw(st.integers(1, 10))
        if draw(st.booleans()):
            job["time_windows"] = draw(windows())
        if draw(st.integers(0, 3)) == 0:
            job["skills"] = draw(skills)
        if amounts:
            job["delivery"] = [draw(st.integers(0, 3))]
        jobs.append(job)
    vehicles = []
    for k in range(draw(st.integers(1, 2))):
        v = {"id": k + 1, "start_index": draw(place),
             "time_window": [draw(st.integers(0, 20)), draw(st.integers(100, 250))],
             "skills": draw(skills)}
        if draw(st.integers(0, 4)):
            v["end_index"] = draw(place)  # otherwise an open route
        if amounts:
            v["capacity"] = [draw(st.integers(2, 8))]
        if draw(st.integers(0, 2)) == 0:
            start = draw(st.integers(20, 120))
            v["breaks"] = [{"id": 1, "time_windows": [[start, start + draw(st.integers(0, 40))]],
                            "service": draw(st.integers(0, 20))}]
        if draw(st.integers(0, 3)) == 0:
            v["max_travel_time"] = draw(st.integers(20, 150))
        if draw(st.integers(0, 3)) == 0:
            v["max_tasks"] = draw(st.integers(1, 4))
        vehicles.append(v)
    return {"jobs": jobs, "vehicles": vehicles, "matrices": {"car": {"durations": matrix}}}


def _alone_feasible(problem) -> set[int]:
    """Jobs some technician could serve with nothing else to do."""
    able = set()
    for v in problem.vehicles:
        able |= {next(iter(s)) for s in _routes_of(problem, v) if len(s) == 1}
    return able


@SETTINGS
@given(problems())
def test_plan_is_valid_and_optimal(doc):
    problem = parse_problem(doc)
    plan = dump_solution(problem, solver.solve(problem, TIME_LIMIT))
    assert check_solution(problem, plan) == []
    best = optimum(problem)
    got = objective(plan)
    assert got[:2] == best[:2], f"served (priority, count) {got[:2]}, optimum {best[:2]}"
    assert -got[2] == -best[2], f"travel {-got[2]}, optimum {-best[2]}"

    able = _alone_feasible(problem)
    for entry in plan["unassigned"]:
        reason = entry["reason"]
        crowded = reason.startswith(("not enough working time left", "every suitable technician "
                                     "already", "not enough capacity left"))
        # "others took the room" exactly when the job alone would have fitted somewhere.
        assert crowded == (entry["id"] in able), (entry["id"], reason)

"""A week planned day by day keeps each job after the job it depends on: on the same day by
the engine's own rule, across days by a bound on its start, and never on a day before it."""

from __future__ import annotations

import pytest

from dispatch.routing import check_solution, dump_solution, parse_problem
from dispatch.routing.days import DAY, day_problem, solve_days

solver = pytest.importorskip("dispatch.routing.solver")

MATRIX = [[0, 600, 600], [600, 0, 300], [600, 300, 0]]
SHIFT = 8 * 3600


def week(parent_windows, child_windows, child_extra=None) -> dict:
    """Two days, one technician's shift each; job 2 depends on job 1."""
    return {
        "vehicles": [
            {
                "id": d + 1,
                "start_index": 0,
                "end_index": 0,
                "time_window": [d * DAY, d * DAY + SHIFT],
            }
            for d in range(2)
        ],
        "jobs": [
            {"id": 1, "location_index": 1, "service": 1800, "time_windows": parent_windows},
            {
                "id": 2,
                "location_index": 2,
                "service": 1800,
                "time_windows": child_windows,
                "depends_on": [{"id": 1, "delay": 600, **(child_extra or {})}],
            },
        ],
        "matrices": {"car": {"durations": MATRIX}},
    }


BOTH_DAYS = [[0, SHIFT], [DAY, DAY + SHIFT]]


def planned(doc: dict):
    problem = parse_problem(doc)
    solution = solve_days(problem, 2, 1.0, solver.solve, split_above=0)
    assert check_solution(problem, dump_solution(problem, solution)) == []
    steps = {
        s.id: (r.vehicle, s.arrival + s.waiting_time)
        for r in solution.routes
        for s in r.steps
        if s.type == "job"
    }
    return steps, {u.id: u.reason for u in solution.unassigned}


def test_a_job_waits_for_the_later_day_of_the_job_it_depends_on():
    steps, out = planned(week([[DAY, DAY + SHIFT]], BOTH_DAYS))
    assert out == {}
    assert steps[1][0] == steps[2][0] == 2  # the second day, not the first
    assert steps[2][1] >= steps[1][1] + 1800 + 600


def test_the_job_it_depends_on_planned_the_day_before_bounds_its_start():
    steps, out = planned(week([[0, SHIFT]], [[DAY, DAY + SHIFT]]))
    assert out == {} and steps[1][0] == 1 and steps[2][0] == 2


def test_a_bound_past_the_day_before_carries_over():
    # The parent ends at the very end of day 1; a delay of a whole day puts the child late on
    # day 2, after its morning.
    doc = week([[SHIFT - 2400, SHIFT - 2400]], BOTH_DAYS, {"delay": DAY})
    problem = parse_problem(doc)
    part = day_problem(problem, 1, {1: SHIFT - 600})
    (child,) = part.jobs
    assert child.depends_on == ()
    assert child.time_windows == ((SHIFT - 600 + DAY, DAY + SHIFT),)


def test_a_same_vehicle_dependency_cannot_cross_days():
    steps, out = planned(week([[0, 1800]], [[DAY, DAY + SHIFT]], {"same_vehicle": True}))
    assert 1 in steps and 2 not in steps
    assert 2 in out


def test_without_the_job_it_depends_on_the_job_is_not_planned_and_says_why():
    steps, out = planned(week([[5 * DAY, 5 * DAY + SHIFT]], BOTH_DAYS))
    assert steps == {}
    assert out[2] == "depends on job 1, which is not served"


def test_the_same_day_keeps_the_dependency_for_the_engine():
    problem = parse_problem(week(BOTH_DAYS, BOTH_DAYS))
    part = day_problem(problem, 0, {})
    assert [j.depends_on[0].id for j in part.jobs if j.id == 2] == [1]
    steps, out = planned(week(BOTH_DAYS, BOTH_DAYS))
    assert out == {} and steps[2][1] >= steps[1][1] + 2400

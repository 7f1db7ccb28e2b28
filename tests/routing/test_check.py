"""The independent checker, on hand-made plans: it accepts a valid one and catches each defect.

The valid plan below was worked out by hand from the SAMPLE problem (depot 0, sites 1 and 2,
travel 0↔1 600 s, 0↔2 900 s, 1↔2 300 s):

* leave the depot at 08:00 (28800), reach job 10 at 29400, wait for its window (30000), 600 s;
* drive 300 s to job 11: arrive 30900, setup 120 + service 900, done 31920;
* job 12 is at the same site: no travel, no setup, service 300, done 32220;
* lunch opens at 43200: drive back to the depot (900 s) while waiting, lunch 1800 s, done
  45000, already at the depot;
* job 13 needs skill 3, which nobody has: unassigned.
"""

from __future__ import annotations

import copy

import pytest

from dispatch.routing import check_solution, parse_problem
from dispatch.routing.model import Route, RouteStep, Solution, Unassigned
from tests.routing.support import sample


def step(type_, arrival, duration, id_=None, loc=None, setup=0, service=0, waiting=0) -> dict:
    out = {"type": type_}
    if id_ is not None:
        out["id"] = id_
    if loc is not None:
        out["location_index"] = loc
    out.update(
        arrival=arrival, duration=duration, setup=setup, service=service, waiting_time=waiting
    )
    return out


VALID = {
    "code": 0,
    "summary": {
        "cost": 1800,
        "routes": 1,
        "unassigned": 1,
        "setup": 120,
        "service": 3600,
        "duration": 1800,
        "waiting_time": 11580,
        "priority": 6,
        "computing_times": {"loading": 0, "solving": 1},
    },
    "unassigned": [
        {"id": 13, "type": "job", "location_index": 1, "reason": "no technician has skills [3]"}
    ],
    "routes": [
        {
            "vehicle": 1,
            "cost": 1800,
            "setup": 120,
            "service": 3600,
            "duration": 1800,
            "waiting_time": 11580,
            "priority": 6,
            "steps": [
                step("start", 28800, 0, loc=0),
                step("job", 29400, 600, 10, 1, service=600, waiting=600),
                step("job", 30900, 900, 11, 2, setup=120, service=900),
                step("job", 31920, 900, 12, 2, service=300),
                step("break", 32220, 900, 7, service=1800, waiting=10980),
                step("end", 45000, 1800, loc=0),
            ],
        }
    ],
}


@pytest.fixture
def problem():
    return parse_problem(sample())


def plan(**edits) -> dict:
    """A copy of VALID; ``edits`` map "route.step.key" (or "summary.key") to new values."""
    doc = copy.deepcopy(VALID)
    for path, value in edits.items():
        parts = path.split("__")
        node = doc
        for part in parts[:-1]:
            node = node[int(part)] if part.isdigit() else node[part]
        node[parts[-1]] = value
    return doc


def test_hand_made_plan_is_valid(problem):
    assert check_solution(problem, VALID) == []


def test_same_plan_as_a_solution_object_is_valid(problem):
    route = VALID["routes"][0]
    steps = [
        RouteStep(
            type=s["type"],
            arrival=s["arrival"],
            duration=s["duration"],
            id=s.get("id"),
            location_index=s.get("location_index"),
            setup=s["setup"],
            service=s["service"],
            waiting_time=s["waiting_time"],
        )
        for s in route["steps"]
    ]
    solution = Solution(
        routes=[
            Route(
                vehicle=1,
                steps=steps,
                cost=1800,
                duration=1800,
                setup=120,
                service=3600,
                waiting_time=11580,
                priority=6,
            )
        ],
        unassigned=[Unassigned(13, "no technician has skills [3]")],
    )
    assert check_solution(problem, solution) == []
    solution.routes[0].steps[2].arrival += 60
    assert any("arrival 30960" in v for v in check_solution(problem, solution))


def _steps(doc: dict) -> list:
    return doc["routes"][0]["steps"]


def test_everything_unassigned_is_valid(problem):
    doc = {
        "code": 0,
        "routes": [],
        "summary": {
            "cost": 0,
            "routes": 0,
            "unassigned": 4,
            "setup": 0,
            "service": 0,
            "duration": 0,
            "waiting_time": 0,
            "priority": 0,
        },
        "unassigned": [{"id": i, "type": "job", "reason": "r"} for i in (10, 11, 12, 13)],
    }
    assert check_solution(problem, doc) == []


def _violations(problem, doc) -> str:
    found = check_solution(problem, doc)
    assert found, "the checker accepted a broken plan"
    return " | ".join(found)


def test_job_routed_nowhere(problem):
    doc = plan(unassigned=[])
    assert "job 13 is nowhere" in _violations(problem, doc)


def test_job_routed_and_unassigned(problem):
    doc = plan()
    doc["unassigned"].append({"id": 12, "type": "job", "reason": "x"})
    assert "job 12 is vehicle 1 and unassigned" in _violations(problem, doc)


def test_unassigned_without_reason(problem):
    doc = plan()
    del doc["unassigned"][0]["reason"]
    assert "job 13 has no reason" in _violations(problem, doc)


def test_skills_missing(problem):
    doc = plan(unassigned=[])
    # Do job 13 (skill 3) at site 1 right after job 10: no travel, reported honestly.
    steps = _steps(doc)
    steps.insert(2, step("job", 30600, 600, 13, 1, service=300))
    for s in steps[3:]:
        if s["type"] != "end":
            s["arrival"] += 300
    assert "needs skills [3]" in _violations(problem, doc)


def test_window_missed(problem):
    # Claim job 10 started on arrival at 29400, before its window opens at 30000.
    doc = plan(routes__0__steps__1__waiting_time=0)
    assert "job 10 starts at 29400, outside its windows" in _violations(problem, doc)


def test_order_that_cannot_meet_a_window():
    doc = plan()
    tight = sample(**{"jobs.1.time_windows": [[29000, 29500]]})
    assert "job 11: arrives at 30900 at best" in _violations(parse_problem(tight), doc)


def test_arrival_inconsistent_with_travel(problem):
    doc = plan(routes__0__steps__2__arrival=31000, routes__0__steps__2__waiting_time=0)
    assert "arrival 31000, but the previous step and 300 s of travel give 30900" in _violations(
        problem, doc
    )


def test_cumulated_travel_wrong(problem):
    doc = plan(routes__0__steps__3__duration=1200)
    assert "cumulated travel 1200, the matrix gives 900" in _violations(problem, doc)


def test_setup_charged_at_the_same_place(problem):
    doc = plan(routes__0__steps__3__setup=120)
    assert "job 12 reported with setup 120" in _violations(problem, doc)


def test_break_missing(problem):
    doc = plan()
    del _steps(doc)[4]
    assert "break 7 taken 0 times" in _violations(problem, doc)


def test_break_outside_its_window(problem):
    doc = plan(routes__0__steps__4__waiting_time=0)  # lunch at 32220, before 43200
    assert "break 7 starts at 32220, outside its windows" in _violations(problem, doc)


def test_shift_end_exceeded():
    p = parse_problem(sample(**{"vehicles.0.time_window": [28800, 44000]}))
    assert "after the shift closes at 44000" in _violations(p, VALID)


def test_capacity_exceeded():
    p = parse_problem(sample(**{"vehicles.0.capacity": [2]}))
    assert "deliveries [3] exceed capacity [2]" in _violations(p, VALID)


def test_max_travel_time_exceeded():
    p = parse_problem(sample(**{"vehicles.0.max_travel_time": 1000}))
    assert "travels 1800 s, max_travel_time is 1000" in _violations(p, VALID)


def test_max_tasks_exceeded():
    p = parse_problem(sample(**{"vehicles.0.max_tasks": 2}))
    assert "3 jobs, max_tasks is 2" in _violations(p, VALID)


def test_pinned_order_kept_and_broken():
    kept = parse_problem(
        sample(**{"vehicles.0.steps": [{"type": "job", "id": 10}, {"type": "job", "id": 12}]})
    )
    assert check_solution(kept, VALID) == []
    broken = parse_problem(
        sample(**{"vehicles.0.steps": [{"type": "job", "id": 12}, {"type": "job", "id": 10}]})
    )
    assert "pinned steps out of order" in _violations(broken, VALID)


def test_pinned_service_bounds():
    late = parse_problem(
        sample(**{"vehicles.0.steps": [{"type": "job", "id": 11, "service_before": 30000}]})
    )
    assert "job 11" in _violations(late, VALID)
    exact = parse_problem(
        sample(**{"vehicles.0.steps": [{"type": "job", "id": 10, "service_at": 30000}]})
    )
    assert check_solution(exact, VALID) == []


def test_pinned_job_on_another_vehicle():
    doc = sample(**{"vehicles.0.steps": []})
    other = copy.deepcopy(doc["vehicles"][0])
    other.update(id=2, steps=[{"type": "job", "id": 11}])
    doc["vehicles"].append(other)
    assert "job 11 is pinned on vehicle 2 but found on vehicle 1" in _violations(
        parse_problem(doc), VALID
    )


def test_unknown_vehicle_and_duplicate_routes(problem):
    assert "unknown vehicle" in _violations(problem, plan(routes__0__vehicle=9))
    doc = plan()
    doc["routes"].append(copy.deepcopy(doc["routes"][0]))
    assert "vehicle has several routes" in _violations(problem, doc)


def test_route_and_summary_totals(problem):
    assert "route waiting_time is 0, the steps add up to 11580" in _violations(
        problem, plan(routes__0__waiting_time=0)
    )
    assert "route cost is 1700" in _violations(problem, plan(routes__0__cost=1700))
    assert "summary priority is 5" in _violations(problem, plan(summary__priority=5))
    assert "summary unassigned is 0" in _violations(problem, plan(summary__unassigned=0))


def test_start_before_the_shift(problem):
    doc = plan()
    for s in _steps(doc)[:4]:
        s["arrival"] -= 1800
    _steps(doc)[1]["waiting_time"] += 1800
    assert "leaves at 27000, before the shift opens" in _violations(problem, doc)


def test_malformed_plans_do_not_crash(problem):
    assert check_solution(problem, {"code": 2, "error": "x"})
    assert check_solution(problem, plan(routes__0__steps__1__arrival="soon"))
    assert check_solution(problem, plan(routes__0__steps__1__type="pickup"))
    assert check_solution(problem, [])
    assert check_solution(problem, {"code": 0, "routes": None, "summary": {}})
    assert check_solution(problem, plan(routes__0__steps__1__id=[10]))
    assert check_solution(problem, plan(unassigned=[{"id": {"x": 1}}]))


def test_open_route_and_travel_during_break_wait():
    # No end place: the shift closes with the last task. The lunch is taken between the two
    # jobs; the drive to job 11 (300 s) is done while waiting for the lunch window.
    doc = sample()
    del doc["vehicles"][0]["end_index"]
    p = parse_problem(doc)
    route = {
        "vehicle": 1,
        "cost": 900,
        "setup": 120,
        "service": 3600,
        "duration": 900,
        "waiting_time": 600 + 12300,
        "priority": 6,
        "steps": [
            step("start", 28800, 0, loc=0),
            step("job", 29400, 600, 10, 1, service=600, waiting=600),
            step("break", 30900, 900, 7, service=1800, waiting=12300),
            step("job", 45000, 900, 11, 2, setup=120, service=900),
            step("job", 46020, 900, 12, 2, service=300),
        ],
    }
    good = {
        "code": 0,
        "routes": [route],
        "unassigned": VALID["unassigned"],
        "summary": {
            "cost": 900,
            "routes": 1,
            "unassigned": 1,
            "setup": 120,
            "service": 3600,
            "duration": 900,
            "waiting_time": 12900,
            "priority": 6,
        },
    }
    assert check_solution(p, good) == []
    early = copy.deepcopy(good)
    early["routes"][0]["steps"][3]["arrival"] = 44900  # would need to drive during lunch
    assert "arrival 44900" in _violations(p, early)
    short = parse_problem(
        {**doc, "vehicles": [{**doc["vehicles"][0], "time_window": [28800, 46000]}]}
    )
    assert "after the shift closes" in _violations(short, good)


def test_pinned_start_and_end_bounds():
    fits = parse_problem(
        sample(
            **{
                "vehicles.0.steps": [
                    {"type": "start", "service_at": 28800},
                    {"type": "end", "service_before": 45000},
                ]
            }
        )
    )
    assert check_solution(fits, VALID) == []
    late_start = parse_problem(
        sample(**{"vehicles.0.steps": [{"type": "start", "service_after": 29000}]})
    )
    assert "leaves at 28800, outside its pinned bounds [29000," in _violations(late_start, VALID)
    early_end = parse_problem(
        sample(**{"vehicles.0.steps": [{"type": "end", "service_before": 44000}]})
    )
    found = _violations(early_end, VALID)
    assert "reaches the end at 45000 at best" in found and "ends at 45000, outside" in found

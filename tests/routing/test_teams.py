"""Team visits (``jobs[].team``): a job served by several technicians at once, all starting
together, or not at all.

The property test solves tiny random problems with one team job and compares the plan with a
brute-force optimum written here, apart from the engine: every assignment of the jobs to the
technicians (the team job to exactly ``team`` of them, or to nobody), every order, and for a
team job every common start second by second, each route timed as early as possible. Every
plan is replayed by the independent checker.
"""

from __future__ import annotations

import copy
import json
from dataclasses import replace
from itertools import permutations, product

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dispatch.routing import InputError, check_solution, dump_problem, dump_solution, parse_problem
from dispatch.routing.model import Job
from dispatch.routing.teams import objective, solve_teams
from dispatch.routing.timeline import Infeasible, build_route
from tests.routing.support import draw_job, metric_matrix, run_cli
from tests.routing.test_properties import SETTINGS

solver = pytest.importorskip("dispatch.routing.solver")

MATRIX = [
    [0, 100, 50, 200, 400],
    [100, 0, 60, 80, 300],
    [50, 60, 0, 90, 300],
    [200, 80, 90, 0, 100],
    [400, 300, 300, 100, 0],
]


def day(jobs: list[dict], vehicles: int = 3, **fields) -> dict:
    return {
        "vehicles": [
            {"id": 10 + k, "start_index": 0, "end_index": 0, "time_window": [0, 36_000], **fields}
            for k in range(vehicles)
        ],
        "jobs": jobs,
        "matrices": {"car": {"durations": MATRIX}},
    }


def solved(doc: dict, limit: float = 1.0, **kwargs) -> tuple:
    problem = parse_problem(doc)
    plan = dump_solution(problem, solver.solve(problem, limit, **kwargs))
    assert check_solution(problem, plan) == []
    return problem, plan


def visits(plan: dict, jid: int) -> dict[int, dict]:
    """Vehicle id → the step of job ``jid`` on it."""
    return {
        r["vehicle"]: s
        for r in plan["routes"]
        for s in r["steps"]
        if s["type"] == "job" and s["id"] == jid
    }


# -- JSON ------------------------------------------------------------------------------------


def test_team_is_read_and_written_back():
    doc = day([{"id": 1, "location_index": 1, "team": 3}, {"id": 2, "location_index": 2}])
    problem = parse_problem(doc)
    assert [j.team for j in problem.jobs] == [3, 1]
    written = dump_problem(problem)
    assert written["jobs"][0]["team"] == 3 and "team" not in written["jobs"][1]
    assert parse_problem(json.loads(json.dumps(written))) == problem


@pytest.mark.parametrize(
    "change, message",
    [
        ({"team": 1}, "jobs[0].team: 1: a team is 2 technicians or more"),
        ({"team": 4}, "jobs[0].team: 4 technicians, the problem has 3"),
        ({"team": "2"}, "jobs[0].team"),
        ({"team": True}, "jobs[0].team"),
        ({"team": 2.5}, "jobs[0].team"),
        ({"team": 2, "depends_on": [{"id": 2}]}, "jobs[0].team: a team job cannot depend"),
    ],
)
def test_bad_team_is_an_input_error(change, message):
    doc = day([{"id": 1, "location_index": 1, **change}, {"id": 2, "location_index": 2}])
    with pytest.raises(InputError) as exc:
        parse_problem(doc)
    assert str(exc.value).startswith(message)


def test_a_team_job_cannot_be_pinned_nor_depended_on():
    doc = day([{"id": 1, "location_index": 1, "team": 2}, {"id": 2, "location_index": 2}])
    pinned = copy.deepcopy(doc)
    pinned["vehicles"][0]["steps"] = [{"type": "job", "id": 1}]
    with pytest.raises(InputError, match=r"^jobs\[0\]\.team: a team job cannot be pinned"):
        parse_problem(pinned)
    doc["jobs"][1]["depends_on"] = [{"id": 1}]
    with pytest.raises(InputError, match=r"^jobs\[1\]\.depends_on\[0\]\.id: job 1 is a team"):
        parse_problem(doc)


# -- plans -----------------------------------------------------------------------------------


def test_a_team_job_is_in_each_of_its_routes_with_one_start():
    # Job 3 must start by 500: one technician serves it; the pair waits for nobody.
    doc = day(
        [
            {"id": 1, "location_index": 1, "service": 300, "team": 2, "setup": 20},
            {"id": 2, "location_index": 2, "service": 100},
            {"id": 3, "location_index": 3, "service": 100, "time_windows": [[0, 500]]},
        ]
    )
    _, plan = solved(doc)
    steps = visits(plan, 1)
    assert len(steps) == 2
    assert len({s["arrival"] + s["waiting_time"] for s in steps.values()}) == 1
    assert all(s["setup"] == 20 and s["service"] == 300 for s in steps.values())
    assert plan["unassigned"] == [] and plan["summary"]["search"]["stop"] == "optimal"


def test_the_command_line_solves_and_checks_a_team_job():
    doc = day([{"id": 1, "location_index": 1, "service": 60, "team": 3}])
    proc = run_cli("solve", "--check", "--time-limit", "1", stdin=json.dumps(doc))
    assert proc.returncode == 0, proc.stderr
    plan = json.loads(proc.stdout)
    assert sorted(visits(plan, 1)) == [10, 11, 12]
    bad = day([{"id": 1, "location_index": 1, "team": 0}])
    proc = run_cli("solve", stdin=json.dumps(bad))
    assert proc.returncode == 2
    assert json.loads(proc.stdout)["error"] == "jobs[0].team: 0: a team is 2 technicians or more"


def test_technicians_arriving_at_different_times_wait_for_each_other():
    doc = day([{"id": 1, "location_index": 3, "service": 60, "team": 2}], vehicles=2)
    doc["vehicles"][1].update(start_index=4, end_index=4)  # 100 s away, the other 200 s
    _, plan = solved(doc)
    steps = visits(plan, 1)
    assert {v: (s["arrival"], s["waiting_time"]) for v, s in steps.items()} == {
        10: (200, 0),
        11: (100, 100),
    }


def test_a_team_without_enough_skilled_technicians_is_not_served():
    doc = day([{"id": 1, "location_index": 1, "team": 3, "skills": [7]}])
    doc["vehicles"][0]["skills"] = doc["vehicles"][1]["skills"] = [7]
    _, plan = solved(doc)
    assert visits(plan, 1) == {}
    assert plan["unassigned"] == [
        {
            "id": 1,
            "type": "job",
            "location_index": 1,
            "reason": "needs 3 technicians at the same time, and only 2 may serve it",
        }
    ]


def test_a_team_whose_technicians_are_never_free_together_is_not_served():
    # The second technician's shift ends before the job's window opens for the first.
    doc = day([{"id": 1, "location_index": 1, "team": 2, "time_windows": [[1000, 2000]]}], 2)
    doc["vehicles"][1]["time_window"] = [0, 900]
    _, plan = solved(doc)
    assert visits(plan, 1) == {}
    assert (
        "no time found when 2 of the suitable ones are all free"
        in (plan["unassigned"][0]["reason"])
    )


def test_the_search_keeps_team_visits_and_plans_the_rest_around_them():
    # Outside the enumeration: 12 jobs, two team jobs, on four technicians.
    matrix = [[abs(a - b) * 300 for b in range(6)] for a in range(6)]
    jobs = [
        {"id": 100 + i, "location_index": 1 + i % 5, "service": 600, "priority": i % 3}
        for i in range(12)
    ]
    jobs[0].update(team=2, priority=5, time_windows=[[3600, 7200]])
    jobs[1].update(team=3, service=1800)
    doc = {
        "vehicles": [
            {"id": k, "start_index": 0, "end_index": 0, "time_window": [0, 14_400]}
            for k in range(4)
        ],
        "jobs": jobs,
        "matrices": {"car": {"durations": matrix}},
    }
    problem, plan = solved(doc, limit=3.0)
    assert len(visits(plan, 100)) == 2 and len(visits(plan, 101)) == 3
    assert plan["summary"]["search"]["stop"] in ("converged", "time_limit")
    assert plan["summary"]["unassigned"] == 0


def test_the_checker_replays_team_jobs():
    doc = day([{"id": 1, "location_index": 1, "service": 60, "team": 2}], vehicles=3)
    problem, plan = solved(doc)
    one = copy.deepcopy(plan)
    del one["routes"][1]
    one["summary"]["routes"] = 1
    assert any("expected routed on 2 distinct vehicles" in e for e in check_solution(problem, one))
    twice = copy.deepcopy(plan)
    twice["routes"][1]["vehicle"] = twice["routes"][0]["vehicle"]
    assert any("distinct vehicles" in e for e in check_solution(problem, twice))
    late = copy.deepcopy(plan)
    step = next(s for s in late["routes"][1]["steps"] if s["type"] == "job")
    step["waiting_time"] += 10
    for s in late["routes"][1]["steps"][2:]:
        s["arrival"] += 10
    late["routes"][1]["waiting_time"] += 10
    late["summary"]["waiting_time"] += 10
    errors = check_solution(problem, late)
    assert any("its technicians start together" in e for e in errors), errors


# -- the optimum of tiny problems -------------------------------------------------------------


def _timed(problem, k: int, seq: list[Job]):
    try:
        return build_route(problem, problem.vehicles[k], seq)
    except Infeasible:
        return None


def brute_force(problem) -> tuple[int, int, int]:
    """The best (priority, jobs served, -travel) of every plan, the team job counted once."""
    team = next(j for j in problem.jobs if j.team > 1)
    others = [j for j in problem.jobs if j is not team]
    nv = len(problem.vehicles)
    seqs = []
    for v in problem.vehicles:
        mine = [j for j in problem.jobs if j.skills <= v.skills]
        seqs.append([list(p) for n in range(len(mine) + 1) for p in permutations(mine, n)])
    # Every second a shift is open (the generated shifts close at SHIFT_END at the latest).
    starts = [t for t in range(SHIFT_END + 1) if any(a <= t <= b for a, b in team.time_windows)]
    best = (0, 0, 0)
    for choice in product(*seqs):
        ids = [j.id for seq in choice for j in seq]
        if any(ids.count(j.id) > 1 for j in others):
            continue
        n = ids.count(team.id)
        if n not in (0, team.team):
            continue
        served = set(ids)
        head = (
            sum(j.priority for j in problem.jobs if j.id in served),
            len(served),
        )
        if head < best[:2]:
            continue
        for t in starts if n else [None]:
            travel = 0
            for k in range(nv):
                seq = [replace(j, time_windows=((t, t),)) if j is team else j for j in choice[k]]
                route = _timed(problem, k, seq) if seq else None
                if seq and route is None:
                    break
                travel += route.duration if route else 0
            else:
                best = max(best, (*head, -travel))
    return best


SHIFT_END = 300


@st.composite
def tiny_team_problems(draw) -> dict:
    n_places = 4
    vehicles = draw(st.integers(2, 3))
    n_jobs = draw(st.integers(1, 3 if vehicles == 2 else 2))
    jobs = [draw_job(draw, i, n_places) for i in range(n_jobs)]
    jobs[0].update(team=2, skills=[1], service=draw(st.integers(0, 60)))
    if draw(st.integers(0, 2)):  # mostly a window: the others' work then decides the start
        start = draw(st.integers(0, 150))
        jobs[0]["time_windows"] = [[start, start + draw(st.integers(0, 60))]]
    fleet = []
    for k in range(vehicles):
        vehicle = {"id": k, "start_index": 0, "end_index": 0, "time_window": [0, SHIFT_END]}
        if k < 2 or draw(st.booleans()):
            vehicle["skills"] = [1]
        if draw(st.integers(0, 3)) == 0:
            vehicle["time_window"] = [draw(st.integers(0, 80)), SHIFT_END]
        fleet.append(vehicle)
    matrix = metric_matrix(draw, n_places)
    return {"jobs": jobs, "vehicles": fleet, "matrices": {"car": {"durations": matrix}}}


@SETTINGS
@given(tiny_team_problems())
def test_tiny_team_problems_are_solved_to_the_optimum(doc):
    problem = parse_problem(doc)
    assert parse_problem(json.loads(json.dumps(dump_problem(problem)))) == problem
    solution = solver.solve(problem, 5.0, workers=1)
    assert check_solution(problem, dump_solution(problem, solution)) == []
    assert objective(problem, solution) == brute_force(problem)
    assert solution.stop_reason == "optimal"


@SETTINGS
@given(tiny_team_problems())
def test_the_search_path_gives_valid_plans(doc):
    # The placement around the search, as on problems too large to enumerate.
    problem = parse_problem(doc)
    solution = solve_teams(
        problem, 1.0, lambda p, limit: solver.solve(p, limit, workers=1), exact=False
    )
    assert check_solution(problem, dump_solution(problem, solution)) == []
    assert objective(problem, solution) <= brute_force(problem)


def test_slots_are_not_offered_for_a_team_job():
    from dispatch.routing.recommend import PlanError, recommend

    alone = parse_problem(day([{"id": 1, "location_index": 1}]))
    with pytest.raises(PlanError, match="a job that needs a team"):
        recommend(alone, solver.solve(alone, 1.0), Job(id=2, location_index=2, team=2))


def test_slots_around_team_visits_keep_them_where_they_are():
    from dispatch.routing.recommend import book, recommend

    doc = day(
        [
            {"id": 1, "location_index": 1, "service": 600, "team": 2, "time_windows": [[0, 400]]},
            {"id": 3, "location_index": 3, "service": 300},
        ]
    )
    problem, plan = solved(doc)
    start = {v: s["arrival"] + s["waiting_time"] for v, s in visits(plan, 1).items()}
    new = Job(id=2, location_index=2, service=1200)
    slots = recommend(problem, plan, new, top=20)
    # Before the team visit there is no room for 1,200 s of work on its technicians' days.
    assert set(start) <= {s.vehicle for s in slots}
    assert all(s.start > min(start.values()) for s in slots if s.vehicle in start)
    for slot in slots:
        booked, with_it = book(problem, plan, new, slot)
        again = dump_solution(booked, with_it)
        assert check_solution(booked, again) == []
        assert {v: s["arrival"] + s["waiting_time"] for v, s in visits(again, 1).items()} == start


def test_a_week_planned_day_by_day_keeps_team_visits_whole():
    from dispatch.routing.days import DAY, solve_days

    def shift(k: int, d: int) -> dict:
        window = [d * DAY + 28_800, d * DAY + 61_200]
        return {"id": 10 * d + k, "start_index": 0, "end_index": 0, "time_window": window}

    doc = day(
        [
            {"id": 1, "location_index": 1, "service": 600, "team": 2},
            {"id": 2, "location_index": 2, "service": 600, "team": 3, "skills": [4]},
            {"id": 3, "location_index": 3, "service": 600},
        ]
    )
    doc["vehicles"] = [shift(k, d) for d in range(2) for k in range(2)]
    problem = parse_problem(doc)
    solution = solve_days(problem, 2, 2.0, solver.solve, workers=1, split_above=0)
    plan = dump_solution(problem, solution)
    assert check_solution(problem, plan) == []
    assert len(visits(plan, 1)) == 2
    assert plan["unassigned"] == [
        {
            "id": 2,
            "type": "job",
            "location_index": 2,
            "reason": "needs 3 technicians at the same time, and only 0 may serve it",
        }
    ]


def test_a_team_job_that_matters_more_than_a_full_day_is_made_room_for():
    # The ten small jobs fill both shifts; the team job is worth more than all of them.
    jobs = [{"id": 100 + i, "location_index": 1, "service": 600} for i in range(10)]
    jobs.append({"id": 1, "location_index": 2, "service": 600, "team": 2, "priority": 10})
    doc = day(jobs, vehicles=2)
    for v in doc["vehicles"]:
        v["time_window"] = [0, 3600]
    problem, plan = solved(doc, limit=2.0)
    assert len(visits(plan, 1)) == 2
    assert plan["summary"]["unassigned"] == 2


@st.composite
def team_days(draw) -> dict:
    """Up to ten jobs, two or three of them team jobs, on three or four technicians with
    lunch breaks, windows and skills: beyond the enumeration."""
    n_places = 6
    jobs = [draw_job(draw, i, n_places, longest=60) for i in range(draw(st.integers(6, 10)))]
    for job in jobs[: draw(st.integers(2, 3))]:
        job["team"] = draw(st.integers(2, 3))
        job["skills"] = draw(st.sampled_from([[], [1]]))
    fleet = []
    for k in range(draw(st.integers(3, 4))):
        vehicle = {"id": k, "start_index": 0, "end_index": 0, "time_window": [0, 400]}
        vehicle["skills"] = draw(st.sampled_from([[], [1]])) if k else [1]
        if draw(st.booleans()):
            start = draw(st.integers(50, 200))
            vehicle["breaks"] = [{"id": 1, "time_windows": [[start, start + 60]], "service": 20}]
        fleet.append(vehicle)
    matrix = metric_matrix(draw, n_places)
    return {"jobs": jobs, "vehicles": fleet, "matrices": {"car": {"durations": matrix}}}


@settings(SETTINGS, max_examples=min(SETTINGS.max_examples, 12))
@given(team_days())
def test_plans_with_team_jobs_beyond_the_enumeration_are_valid(doc):
    problem = parse_problem(doc)
    solution = solver.solve(problem, 1.0, workers=1)
    plan = dump_solution(problem, solution)
    assert check_solution(problem, plan) == []
    for job in problem.jobs:
        got = visits(plan, job.id)
        assert len(got) in (0, job.team)
        assert len({s["arrival"] + s["waiting_time"] for s in got.values()}) <= 1

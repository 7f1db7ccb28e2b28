"""Slots to book (:mod:`dispatch.routing.recommend`): every slot is feasible, the best is the
best insertion there is, and the command line answers like ``solve``.

Feasibility is proven by the independent checker: each recommended slot is booked (the job
pinned in it) and the plan with it replayed. Optimality is proven against an enumeration written
here: the job tried at every place of every technician's day, each plan timed by the engine's
plain assembly (:func:`assemble.assemble`, as the solver times its answer), kept when the checker
finds nothing wrong with it, and costed by the objective (:func:`assemble.score`).
"""

from __future__ import annotations

import json
import random
from dataclasses import replace

import pytest

from dispatch.routing import check_solution, dump_solution, parse_problem
from dispatch.routing.assemble import assemble, score
from dispatch.routing.bench.generate import field_problem
from dispatch.routing.model import (
    Deadline,
    Dependency,
    Job,
    PinnedStep,
    Problem,
    Solution,
    Vehicle,
)
from dispatch.routing.recommend import PlanError, book, held_plan, recommend, unfit
from tests.routing.support import SAMPLE, dumps, run_cli

solver = pytest.importorskip("dispatch.routing.solver")


def _day(seed: int) -> tuple[Problem, Job]:
    """A small generated day (6 jobs, 2 technicians) with soft rules on some jobs, and one
    more job to place."""
    full = field_problem(seed, jobs=7, vehicles=2)
    rng = random.Random(seed)
    jobs = []
    for job in full.jobs:
        if rng.random() < 0.4:
            job = replace(job, deadline=Deadline(time=rng.randint(9, 15) * 3600, per_minute=30))
        if rng.random() < 0.4:
            job = replace(job, preferred_vehicles=((rng.choice((1, 2)), rng.randint(60, 3600)),))
        jobs.append(job)
    if seed % 2:
        jobs[-1] = replace(jobs[-1], time_windows=((0, 2**31 - 1),), skills=frozenset())
    if seed % 3 == 0:  # one job depends on another
        jobs[2] = replace(jobs[2], depends_on=(Dependency(id=jobs[1].id, delay=900),))
    vehicles = list(full.vehicles)
    if seed % 4 == 1:
        vehicles[0] = replace(vehicles[0], max_tasks=3)
    elif seed % 4 == 2:
        vehicles[1] = replace(vehicles[1], max_travel_time=5400, capacity=(4,))
    elif seed % 4 == 3:  # a pinned visit, within a time range
        vehicles[0] = replace(
            vehicles[0],
            steps=(
                PinnedStep("job", jobs[0].id, service_after=9 * 3600, service_before=15 * 3600),
            ),
        )
    return Problem(jobs=jobs[:-1], vehicles=vehicles, durations=full.durations), jobs[-1]


def _items(problem: Problem, solution: Solution) -> list[list[tuple[str, int]]]:
    """The plan as assemble takes it: per vehicle, its jobs and breaks by position."""
    jpos = {j.id: i for i, j in enumerate(problem.jobs)}
    routes = {r.vehicle: r for r in solution.routes}
    out = []
    for v in problem.vehicles:
        bpos = {b.id: i for i, b in enumerate(v.breaks)}
        route = routes.get(v.id)
        if route is None:
            out.append([("break", i) for i in range(len(v.breaks))])
        else:
            out.append(
                [
                    ("job", jpos[s.id]) if s.type == "job" else ("break", bpos[s.id])
                    for s in route.steps
                    if s.type in ("job", "break")
                ]
            )
    return out


def _cost(problem: Problem, solution: Solution) -> int:
    return -score(solution, problem)[2]


def _every_insertion(problem: Problem, plan: Solution, job: Job) -> dict[tuple, int]:
    """(vehicle id, order of its day) -> added cost, for every feasible insertion."""
    both = Problem(
        jobs=[*problem.jobs, job], vehicles=problem.vehicles, durations=problem.durations
    )
    new = len(problem.jobs)
    items = _items(both, plan)
    served = {s.id for r in plan.routes for s in r.steps if s.type == "job"} | {job.id}
    base = _cost(both, assemble(both, _items(both, plan), explain=False))
    found = {}
    for k, v in enumerate(both.vehicles):
        for p in range(len(items[k]) + 1):
            trial = [list(x) for x in items]
            trial[k] = [*items[k][:p], ("job", new), *items[k][p:]]
            solution = assemble(both, trial, explain=False)
            if {s.id for r in solution.routes for s in r.steps if s.type == "job"} != served:
                continue
            for u in solution.unassigned:
                u.reason = "left out"
            if check_solution(both, solution):
                continue
            order = tuple(
                ("job", both.jobs[i].id) if kind == "job" else ("break", v.breaks[i].id)
                for kind, i in trial[k]
            )
            found[(v.id, order)] = _cost(both, solution) - base
    return found


@pytest.mark.parametrize("seed", range(1, 25))
def test_best_slot_is_the_best_insertion_and_every_slot_checks(seed):
    problem, job = _day(seed)
    plan = solver.solve(problem, 1, workers=1)
    every = _every_insertion(problem, plan, job)
    slots = recommend(problem, plan, job, top=50)
    if not every:
        assert slots == []
        return
    assert slots, "feasible insertions exist, none was recommended"
    assert slots[0].cost == min(every.values())
    assert [s.cost for s in slots] == sorted(s.cost for s in slots)
    for s in slots:
        assert every[(s.vehicle, s.order)] == s.cost
        assert s.window[0] <= s.start < s.window[1] and s.window[1] - s.window[0] == 3600
        booked, solution = book(problem, plan, job, s)
        assert check_solution(booked, solution) == []
        step = next(
            x for r in solution.routes for x in r.steps if x.id == job.id and x.type == "job"
        )
        assert step.arrival + step.waiting_time == s.start
        before = {
            x.id: x.arrival + x.waiting_time
            for r in plan.routes
            for x in r.steps
            if x.type == "job"
        }
        after = {
            x.id: x.arrival + x.waiting_time
            for r in solution.routes
            for x in r.steps
            if x.type == "job"
        }
        shifts = [after[j] - before[j] for j in before if after[j] != before[j]]
        assert (s.moved, s.moved_seconds) == (len(shifts), sum(abs(x) for x in shifts))
    assert len({(s.vehicle, s.window) for s in slots}) == len(slots)


def test_plan_as_json_gives_the_same_slots():
    problem, job = _day(3)
    plan = solver.solve(problem, 1, workers=1)
    assert recommend(problem, dump_solution(problem, plan), job) == recommend(problem, plan, job)


def _chain() -> tuple[Problem, Solution, Job]:
    """Technician 1 does job 1 at place 1; technician 2 does job 2 at place 2, which starts
    after job 1 has ended. A new job at place 3 fits on technician 1 only before job 1."""
    m = [[0, 600, 600, 300], [600, 0, 600, 300], [600, 600, 0, 600], [300, 300, 600, 0]]
    vehicles = [
        Vehicle(id=1, start_index=0, end_index=0, time_window=(28800, 61200)),
        Vehicle(id=2, start_index=0, end_index=0, time_window=(28800, 61200)),
    ]
    jobs = [
        Job(id=1, location_index=1, service=1800, required_vehicles=frozenset({1})),
        Job(
            id=2,
            location_index=2,
            service=1800,
            required_vehicles=frozenset({2}),
            depends_on=(Dependency(id=1, delay=600),),
        ),
    ]
    problem = Problem(jobs=jobs, vehicles=vehicles, durations=m)
    plan = solver.solve(problem, 1, workers=1)
    return problem, plan, Job(id=3, location_index=3, service=3600, time_windows=((28800, 32400),))


def test_a_pushed_visit_pushes_the_visits_waiting_for_it():
    problem, plan, job = _chain()
    slots = recommend(problem, plan, job, top=10, slot=600)
    first = next(s for s in slots if s.vehicle == 1 and s.before == 1)
    # Job 1 now starts after the new job; job 2, on the other technician, waits longer.
    assert first.moved == 2
    booked, solution = book(problem, plan, job, first)
    assert check_solution(booked, solution) == []
    calm = recommend(problem, plan, job, top=10, slot=600, max_moved=0)
    assert calm == [s for s in slots if s.moved == 0] and calm


def test_a_job_waiting_for_another_on_its_vehicle_comes_after_it_there():
    problem, plan, _ = _chain()
    job = Job(
        id=3, location_index=3, service=600, depends_on=(Dependency(id=1, same_vehicle=True),)
    )
    slots = recommend(problem, plan, job, top=10)
    assert slots and all(s.vehicle == 1 and s.after == 1 for s in slots)
    assert all(check_solution(*book(problem, plan, job, s)) == [] for s in slots)


def test_stale_slot_and_bad_input_are_refused():
    problem, plan, job = _chain()
    slot = recommend(problem, plan, job)[0]
    other = Solution(routes=[], unassigned=plan.unassigned)
    with pytest.raises(PlanError, match="changed since"):
        book(problem, other, job, replace(slot, vehicle=1, order=(("job", 3), ("job", 1))))
    with pytest.raises(PlanError, match="already in the problem"):
        recommend(problem, plan, problem.jobs[0])
    with pytest.raises(PlanError, match="unknown vehicle"):
        recommend(problem, {"code": 0, "summary": {}, "routes": [{"vehicle": 9, "steps": []}]}, job)


# -- command line -----------------------------------------------------------------------------


def _files(tmp_path, job: dict, plan: dict | None = None):
    problem = tmp_path / "problem.json"
    problem.write_text(dumps(SAMPLE))
    if plan is None:
        parsed = parse_problem(SAMPLE)
        plan = dump_solution(parsed, solver.solve(parsed, 1, workers=1))
    (tmp_path / "plan.json").write_text(json.dumps(plan))
    (tmp_path / "job.json").write_text(json.dumps(job))
    return [
        "recommend", "-i", str(problem), "--plan", str(tmp_path / "plan.json"),
        "--job", str(tmp_path / "job.json"),
    ]  # fmt: skip


def test_cli_recommends_slots(tmp_path):
    args = _files(tmp_path, {"id": 20, "location_index": 1, "service": 600})
    proc = run_cli(*args, "--top", "3")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    doc = json.loads(proc.stdout)
    assert doc["code"] == 0 and doc["job"] == 20
    assert 1 <= len(doc["slots"]) <= 3
    first = doc["slots"][0]
    assert set(first) == {
        "vehicle", "start", "arrival", "slot", "after", "before", "cost", "travel",
        "soft_cost", "lateness", "moved", "moved_seconds",
    }  # fmt: skip
    assert first["vehicle"] == 1 and first["slot"][0] <= first["start"] < first["slot"][1]
    assert first["cost"] == min(s["cost"] for s in doc["slots"])


@pytest.mark.parametrize(
    ("job", "plan", "extra", "message"),
    [
        (
            {"id": 20, "location_index": 1, "servce": 6},
            None,
            [],
            "job.json: job.servce: unknown key",
        ),
        ({"id": 10, "location_index": 1}, None, [], "job.json: job.id: duplicate job id 10"),
        ({"id": 20, "location_index": 9}, None, [], "job.json: job.location_index: 9 out of range"),
        ({"id": 20, "location_index": 1}, {"code": 2, "error": "x"}, [], "plan.json: not a plan"),
        (
            {"id": 20, "location_index": 1},
            {"code": 0, "summary": {}, "routes": [], "unassigned": []},
            [],
            "plan.json: not a valid plan of the problem: job 10 is nowhere",
        ),
        ({"id": 20, "location_index": 1}, None, ["--top", "0"], "--top: must be at least 1"),
    ],
)
def test_cli_input_errors(tmp_path, job, plan, extra, message):
    args = _files(tmp_path, job, plan)
    proc = run_cli(*args, *extra)
    assert proc.returncode == 2
    doc = json.loads(proc.stdout)
    assert doc["code"] == 2 and message in doc["error"], doc["error"]
    assert "Traceback" not in proc.stderr


def test_cli_missing_file(tmp_path):
    args = _files(tmp_path, {"id": 20, "location_index": 1})
    args[args.index("--job") + 1] = str(tmp_path / "nope.json")
    doc = json.loads(run_cli(*args).stdout)
    assert doc["code"] == 2 and doc["error"].startswith("--job ") and "nope.json" in doc["error"]


def test_held_plan_keeps_the_pinned_visits_and_places_the_break():
    full = field_problem(4, jobs=5, vehicles=1)
    pins = (
        PinnedStep("job", 1, service_at=9 * 3600),
        PinnedStep("job", 2, service_at=15 * 3600),
    )
    windows = ((8 * 3600, 17 * 3600),)
    jobs = [replace(j, time_windows=windows, skills=frozenset()) for j in full.jobs[:4]]
    vehicle = replace(full.vehicles[0], steps=pins, time_window=(7 * 3600, 18 * 3600))
    problem = Problem(jobs=jobs, vehicles=[vehicle], durations=full.durations)
    plan = held_plan(problem)
    assert [(s.type, s.id) for s in plan.routes[0].steps][1:-1] == [
        ("job", 1),
        ("break", 1),
        ("job", 2),
    ]
    assert check_solution(problem, plan) == []
    slots = recommend(
        problem, plan, replace(full.jobs[4], time_windows=windows, skills=frozenset())
    )
    assert slots and all(s.moved == 0 for s in slots)  # visits pinned at a time stay there
    late = replace(vehicle, steps=(PinnedStep("job", 1, service_at=17 * 3600 + 60),))
    with pytest.raises(PlanError, match="do not fit"):
        held_plan(replace(problem, vehicles=[late]))
    assert unfit(problem) == {} and list(unfit(replace(problem, vehicles=[late]))) == [late.id]

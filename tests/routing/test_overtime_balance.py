"""Overtime, the balance of working time, and VROOM's legacy top-level ``matrix``: from the JSON
to the plan and the checker.

The property tests solve tiny random problems with overtime allowances and a balance weight and
compare the search's plan with the enumeration's (:mod:`dispatch.routing.exhaustive`), and the
enumeration's with a brute force written here, apart from the engine: every assignment of the
jobs to the technicians (or to nobody), every order, each timed as early as possible.
"""

from __future__ import annotations

import copy
import json
import re
from fractions import Fraction
from itertools import permutations, product
from math import ceil

import pytest
from hypothesis import given
from hypothesis import strategies as st

from dispatch.routing import (
    InputError,
    check_solution,
    dump_problem,
    dump_solution,
    loads_problem,
    parse_problem,
)
from dispatch.routing.assemble import assemble, compatible, score
from dispatch.routing.exhaustive import optimum
from dispatch.routing.fieldrules import balance_cost, work_times
from dispatch.routing.model import HORIZON, Overtime
from tests.routing.support import draw_job, metric_matrix, search_alone
from tests.routing.test_fieldwork import day, solved
from tests.routing.test_properties import SETTINGS

solver = pytest.importorskip("dispatch.routing.solver")

MATRIX = [
    [0, 600, 600, 900],
    [600, 0, 300, 900],
    [600, 300, 0, 900],
    [900, 900, 900, 0],
]


def shift(jobs: list[dict], vehicles: int = 1, end: int = 7200) -> dict:
    """Technicians leaving place 0 at 0 and back by ``end``, on :data:`MATRIX`."""
    return day(jobs, vehicles, end, MATRIX)


def pair(first: dict, second: dict, end: int) -> dict:
    """Jobs 1 and 2 (``first``, ``second``: their other keys) on two technicians' shifts."""
    return shift([{"id": 1, **first}, {"id": 2, **second}], vehicles=2, end=end)


def pattern(message: str) -> str:
    return re.escape(message)


# -- overtime: the JSON -------------------------------------------------------------------------
LONG = shift(
    [
        {"id": 1, "location_index": 1, "service": 3600, "priority": 10},
        {"id": 2, "location_index": 2, "service": 1800, "priority": 10},
    ]
)


def with_overtime(doc: dict, allowance: dict) -> dict:
    doc = copy.deepcopy(doc)
    for v in doc["vehicles"]:
        v["overtime"] = allowance
    return doc


def test_overtime_is_read_and_round_trips():
    problem = parse_problem(with_overtime(LONG, {"max": 3600, "per_minute": 30}))
    v = problem.vehicles[0]
    assert v.overtime == Overtime(max=3600, per_minute=30)
    assert v.latest_end == 7200 + 3600
    assert parse_problem(dump_problem(problem)) == problem
    # per_minute defaults to 60, as a soft deadline's: a minute over weighs a minute of driving
    assert parse_problem(with_overtime(LONG, {"max": 60})).vehicles[0].overtime.per_minute == 60


@pytest.mark.parametrize(
    "allowance, message",
    [
        ({}, "vehicles[0].overtime: max missing"),
        ({"max": -1}, "vehicles[0].overtime.max: negative duration -1"),
        ({"max": 60, "per_minute": 1.5}, "vehicles[0].overtime.per_minute: expected an integer"),
        ({"max": 60, "per_minute": -2}, "vehicles[0].overtime.per_minute: negative cost"),
        ({"max": 60, "cost": 2}, "vehicles[0].overtime.cost: unknown key"),
        ({"max": True}, "vehicles[0].overtime.max: expected an integer"),
        (600, "vehicles[0].overtime: expected an object"),
    ],
)
def test_bad_overtime_is_an_input_error_naming_its_place(allowance, message):
    with pytest.raises(InputError, match=pattern(message)):
        parse_problem(with_overtime(LONG, allowance))


# -- overtime: the plan -------------------------------------------------------------------------
def test_without_overtime_a_job_that_does_not_fit_is_left_out():
    # 600 + 3600 + 300 + 1800 + 600 = 6,900 s of work in a 7,200 s shift: fits; cut the
    # shift to 6,000 and job 2 no longer fits.
    doc = copy.deepcopy(LONG)
    doc["vehicles"][0]["time_window"] = [0, 6000]
    plan = solved(doc)
    assert len(plan["unassigned"]) == 1
    assert "overtime" not in plan["routes"][0] and "overtime" not in plan["summary"]


def test_overtime_serves_more_and_costs_per_minute():
    doc = with_overtime(LONG, {"max": 1200, "per_minute": 30})
    doc["vehicles"][0]["time_window"] = [0, 6000]
    plan = solved(doc)
    assert plan["unassigned"] == []
    route = plan["routes"][0]
    assert route["steps"][-1]["arrival"] == 6900
    assert route["overtime"] == 900 and plan["summary"]["overtime"] == 900
    assert plan["summary"]["soft_cost"] == 30 * 900 // 60


def test_overtime_never_runs_past_its_max():
    doc = with_overtime(LONG, {"max": 899, "per_minute": 0})
    doc["vehicles"][0]["time_window"] = [0, 6000]
    plan = solved(doc)
    assert len(plan["unassigned"]) == 1
    assert plan["routes"][0]["overtime"] == 0


def test_overtime_is_weighed_against_travel():
    # Two technicians, one job each (both on one would run past the overtime allowed): job 1
    # fits the shift, job 2, further out, runs 600 s over. The one whose overtime is cheap
    # takes the long day.
    doc = pair({"location_index": 1, "service": 3000}, {"location_index": 3, "service": 3000}, 4200)
    doc["vehicles"][0]["overtime"] = {"max": 3600, "per_minute": 600}
    doc["vehicles"][1]["overtime"] = {"max": 3600, "per_minute": 1}
    plan = solved(doc)
    assert plan["unassigned"] == []
    over = {r["vehicle"]: r["overtime"] for r in plan["routes"]}
    assert over == {1: 0, 2: 600}
    assert plan["summary"]["soft_cost"] == 10


def test_technicians_alike_but_for_their_overtime_are_told_apart():
    # Same places and shift, each job fits either alone; only technician 2 may run over, which
    # doing both takes (6,300 s of a 4,000 s shift) and costs less than a second trip. (The
    # enumeration shares one table between technicians alike: overtime sets them apart.)
    doc = pair({"location_index": 1, "service": 2400}, {"location_index": 2, "service": 2400}, 4000)
    doc["vehicles"][1]["overtime"] = {"max": 3000, "per_minute": 1}
    plan = solved(doc)
    assert plan["summary"]["search"]["stop"] == "optimal"
    assert [(r["vehicle"], r["overtime"]) for r in plan["routes"]] == [(2, 2300)]


# -- balance ------------------------------------------------------------------------------------
def test_balance_is_read_and_round_trips():
    doc = copy.deepcopy(LONG)
    doc["options"] = {"balance": 5}
    problem = parse_problem(doc)
    assert problem.balance == 5
    assert parse_problem(dump_problem(problem)) == problem
    assert parse_problem(LONG).balance == 0


@pytest.mark.parametrize(
    "value, message",
    [
        (-1, "options.balance: negative weight -1"),
        (0.5, "options.balance: expected an integer"),
        ("high", "options.balance: expected an integer"),
    ],
)
def test_bad_balance_is_an_input_error(value, message):
    doc = copy.deepcopy(LONG)
    doc["options"] = {"balance": value}
    with pytest.raises(InputError, match=pattern(message)):
        parse_problem(doc)


def test_balance_cost_is_the_spread_in_minutes():
    assert balance_cost(60, [0, 0]) == 0
    # mean 1,800: deviations 1,800 + 1,800 = 3,600 s = 60 min
    assert balance_cost(1, [0, 3600]) == 60
    assert balance_cost(2, [0, 3600]) == 120
    # mean 20 s: deviations 20 + 10 + 10 = 40 s, 2/3 of a minute, rounded up
    assert balance_cost(1, [0, 30, 30]) == 1
    assert balance_cost(0, [0, 3600]) == 0 and balance_cost(5, [100]) == 0


FOUR = shift(
    [{"id": i, "location_index": 1 + i % 2, "service": 1800} for i in range(1, 5)],
    vehicles=2,
    end=36_000,
)


def test_balance_shares_the_work_out():
    # Four jobs next to each other: one technician doing everything drives least; with the
    # balance on, each takes two.
    off = solved(FOUR)
    assert len(off["routes"]) == 1
    doc = copy.deepcopy(FOUR)
    doc["options"] = {"balance": 10}
    on = solved(doc)
    jobs = [sum(s["type"] == "job" for s in r["steps"]) for r in on["routes"]]
    assert jobs == [2, 2]
    problem = parse_problem(doc)
    assert on["summary"]["soft_cost"] == 0  # the two days are the same
    # each takes the two jobs at one place: 600 s there, 2 × 1,800 s on site, 600 s back
    assert work_times(problem, solver.solve(problem, 1.0)) == [600 + 3600 + 600] * 2


# -- the checker --------------------------------------------------------------------------------
def test_the_checker_replays_overtime_and_balance():
    doc = with_overtime(LONG, {"max": 1200, "per_minute": 30})
    doc["vehicles"][0]["time_window"] = [0, 6000]
    problem = parse_problem(doc)
    plan = solved(doc)
    bad = copy.deepcopy(plan)
    bad["routes"][0]["overtime"] = 0
    found = "\n".join(check_solution(problem, bad))
    assert "route of vehicle 1: overtime 0, it ends 900 s past its shift" in found
    bad = copy.deepcopy(plan)
    bad["summary"]["overtime"] = 0
    assert any("summary overtime is 0" in v for v in check_solution(problem, bad))
    bad = copy.deepcopy(plan)
    bad["summary"]["soft_cost"] = 0
    assert any("summary soft_cost is 0" in v for v in check_solution(problem, bad))
    # The same plan with less overtime allowed runs past it.
    short = with_overtime(doc, {"max": 600, "per_minute": 30})
    short["vehicles"][0]["time_window"] = [0, 6000]
    found = "\n".join(check_solution(parse_problem(short), plan))
    assert "after the shift closes at 6600" in found
    # Overtime on a vehicle that has no allowance.
    found = "\n".join(check_solution(parse_problem(LONG), plan))
    assert "overtime 900 without an overtime allowance" in found
    # Balance: a plan whose soft cost leaves it out.
    doc = copy.deepcopy(FOUR)
    doc["options"] = {"balance": 10}
    off = solved(FOUR)
    off["summary"]["soft_cost"] = 0
    found = check_solution(parse_problem(doc), off)
    assert any("summary soft_cost is 0, the plan's costs add up to" in v for v in found), found


# -- VROOM's legacy matrix ----------------------------------------------------------------------
def test_the_legacy_matrix_is_the_same_matrix():
    legacy = copy.deepcopy(LONG)
    legacy["matrix"] = legacy.pop("matrices")["car"]["durations"]
    problem = parse_problem(legacy)
    assert problem == parse_problem(LONG)
    assert parse_problem(dump_problem(problem)) == problem
    plan = solved(legacy)
    assert plan["unassigned"] == []


@pytest.mark.parametrize(
    "change, message",
    [
        ({"matrix": MATRIX}, "matrix: give either matrix (legacy) or matrices, not both"),
        ({"matrix": [[0, 1], [1, 0, 2]], "matrices": None}, "matrix[1]: row has 3 entries"),
        ({"matrix": [[0, 1]], "matrices": None}, "matrix[0]: row has 2 entries, expected 1"),
        ({"matrix": [], "matrices": None}, "matrix: empty matrix"),
        ({"matrix": [[0, -1], [1, 0]], "matrices": None}, "matrix[0][1]: negative travel time"),
        ({"matrix": {"car": MATRIX}, "matrices": None}, "matrix: expected an array"),
    ],
)
def test_a_bad_legacy_matrix_is_an_input_error(change, message):
    doc = copy.deepcopy(LONG)
    for key, value in change.items():
        if value is None:
            del doc[key]
        else:
            doc[key] = value
    with pytest.raises(InputError, match=pattern(message)):
        loads_problem(json.dumps(doc))


# -- properties against brute force -------------------------------------------------------------
@st.composite
def tiny_problems(draw) -> dict:
    """Up to 4 jobs on up to 3 technicians, no breaks, overtime allowances and a balance
    weight now and then."""
    n_places = draw(st.integers(2, 4))
    matrix = metric_matrix(draw, n_places)
    place = st.integers(0, n_places - 1)
    jobs = [draw_job(draw, i, n_places, longest=60) for i in range(draw(st.integers(1, 4)))]
    vehicles = []
    for k in range(1, draw(st.integers(1, 3)) + 1):
        v = {
            "id": k,
            "start_index": draw(place),
            "time_window": [draw(st.integers(0, 20)), draw(st.integers(40, 200))],
        }
        if draw(st.integers(0, 4)):
            v["end_index"] = draw(place)
        if draw(st.integers(0, 2)):
            v["overtime"] = {
                "max": draw(st.integers(0, 120)),
                "per_minute": draw(st.integers(0, 300)),
            }
        vehicles.append(v)
    doc = {"jobs": jobs, "vehicles": vehicles, "matrix": matrix}
    if draw(st.booleans()):
        doc["options"] = {"balance": draw(st.integers(1, 300))}
    return doc


def _first(windows, ready: int) -> int | None:
    for a, b in sorted(windows):
        if max(a, ready) <= b:
            return max(a, ready)
    return None


def _route(doc: dict, vehicle: dict, seq: list[dict]) -> tuple[int, int, int] | None:
    """(travel, work, overtime cost) of ``seq`` timed as early as possible, or None."""
    m = doc["matrix"]
    if not seq:
        return 0, 0, 0
    close = vehicle["time_window"][1]
    allowance = vehicle.get("overtime")
    latest = close + (allowance["max"] if allowance else 0)
    t, here, travel, work = vehicle["time_window"][0], vehicle["start_index"], 0, 0
    for job in seq:
        loc = job["location_index"]
        travel += m[here][loc]
        begin = _first(job.get("time_windows", [[0, HORIZON]]), t + m[here][loc])
        if begin is None:
            return None
        busy = (0 if here == loc else job.get("setup", 0)) + job["service"]
        work += busy
        t, here = begin + busy, loc
    if "end_index" in vehicle:
        travel += m[here][vehicle["end_index"]]
        t += m[here][vehicle["end_index"]]
    if t > latest:
        return None
    over = max(0, t - close)
    cost = ceil(Fraction(allowance["per_minute"] * over, 60)) if allowance else 0
    return travel, travel + work, cost


def brute_force(doc: dict) -> tuple[int, int, int]:
    """(priority, served, -(travel + soft cost)) of the best plan of all."""
    jobs, vehicles = doc["jobs"], doc["vehicles"]
    weight = doc.get("options", {}).get("balance", 0)
    best = (0, 0, 0)
    for owner in product([None, *range(len(vehicles))], repeat=len(jobs)):
        pairs = list(zip(owner, jobs, strict=True))
        mine = [[j for o, j in pairs if o == k] for k in range(len(vehicles))]
        for orders in product(*(permutations(m) for m in mine)):
            timed = [_route(doc, v, list(o)) for v, o in zip(vehicles, orders, strict=True)]
            if any(r is None for r in timed):
                continue
            works = [r[1] for r in timed]
            mean = Fraction(sum(works), len(works))
            spread = sum(abs(w - mean) for w in works)
            cost = sum(r[0] + r[2] for r in timed) + ceil(weight * spread / 60)
            served = [j for j, o in zip(jobs, owner, strict=True) if o is not None]
            best = max(best, (sum(j["priority"] for j in served), len(served), -cost))
    return best


def objective(plan: dict) -> tuple[int, int, int]:
    served = sum(1 for r in plan["routes"] for s in r["steps"] if s["type"] == "job")
    summary = plan["summary"]
    return summary["priority"], served, -summary["duration"] - summary.get("soft_cost", 0)


@SETTINGS
@given(tiny_problems())
def test_the_enumeration_is_the_brute_force_optimum(doc):
    problem = parse_problem(doc)
    exact = optimum(problem, compatible(problem))
    assert exact is not None
    solution = assemble(problem, exact)
    plan = dump_solution(problem, solution)
    assert check_solution(problem, plan) == [], json.dumps([doc, plan])
    assert objective(plan) == brute_force(doc), json.dumps([doc, plan])
    assert score(solution, problem) == objective(plan)


@SETTINGS
@given(tiny_problems())
def test_the_search_alone_reaches_the_enumerated_optimum(doc):
    problem = parse_problem(doc)
    best = score(assemble(problem, optimum(problem, compatible(problem))), problem)
    plan = dump_solution(problem, search_alone(problem, 1.0))
    assert check_solution(problem, plan) == [], json.dumps([doc, plan])
    assert objective(plan) == best, json.dumps([doc, plan])


@SETTINGS
@given(tiny_problems())
def test_tiny_problems_round_trip_through_the_json(doc):
    problem = parse_problem(doc)
    again = parse_problem(json.loads(json.dumps(dump_problem(problem))))
    assert again == problem

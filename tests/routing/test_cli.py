"""``python -m dispatch.routing solve``: round trips, reasons, errors and time limits."""

from __future__ import annotations

import json
import random
import time

import pytest

from dispatch.routing import check_solution, cli, parse_problem
from dispatch.routing.model import Route, RouteStep, Solution
from tests.routing.support import SAMPLE, dumps, run_cli

solver = pytest.importorskip("dispatch.routing.solver")


def _served(plan: dict) -> list[int]:
    return [s["id"] for r in plan["routes"] for s in r["steps"] if s["type"] == "job"]


def test_round_trip_through_files(tmp_path):
    src, dst = tmp_path / "problem.json", tmp_path / "plan.json"
    src.write_text(dumps(SAMPLE))
    proc = run_cli("solve", "-i", str(src), "-o", str(dst), "--time-limit", "1", "--check")
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == ""
    plan = json.loads(dst.read_text())
    assert plan["code"] == 0
    assert check_solution(parse_problem(SAMPLE), plan) == []
    assert sorted(_served(plan)) == [10, 11, 12]
    assert plan["unassigned"] == [
        {"id": 13, "type": "job", "location_index": 1, "reason": "no technician has skills [3]"}
    ]
    summary = plan["summary"]
    assert summary["priority"] == 6 and summary["routes"] == 1 and summary["unassigned"] == 1
    assert summary["cost"] == summary["duration"] == 1800  # depot → 1 → 2 → depot
    assert set(summary["computing_times"]) == {"loading", "solving"}
    route = plan["routes"][0]
    assert [s["type"] for s in route["steps"]][0] == "start"
    assert [s["type"] for s in route["steps"]][-1] == "end"
    assert set(route["steps"][1]) >= {
        "type",
        "id",
        "location_index",
        "arrival",
        "duration",
        "setup",
        "service",
        "waiting_time",
    }


def test_stdin_to_stdout():
    proc = run_cli("solve", "--time-limit", "1", stdin=dumps(SAMPLE))
    assert proc.returncode == 0, proc.stderr
    plan = json.loads(proc.stdout)
    assert check_solution(parse_problem(SAMPLE), plan) == []


def test_coordinates_are_echoed_in_the_plan():
    doc = {
        "vehicles": [
            {"id": 1, "start": [2.35, 48.85], "end": [2.35, 48.85], "time_window": [28800, 61200]}
        ],
        "jobs": [
            {"id": 1, "location": [2.29, 48.86], "service": 600, "description": "A"},
            {"id": 2, "location": [2.37, 48.83], "service": 600},
        ],
    }
    proc = run_cli("solve", "--time-limit", "1", "--check", stdin=dumps(doc))
    assert proc.returncode == 0, proc.stderr
    plan = json.loads(proc.stdout)
    steps = plan["routes"][0]["steps"]
    assert steps[0]["location"] == [2.35, 48.85] and steps[-1]["location"] == [2.35, 48.85]
    job1 = next(s for s in steps if s.get("id") == 1)
    assert job1["location"] == [2.29, 48.86] and job1["description"] == "A"
    assert check_solution(parse_problem(doc), plan) == []


def test_impossible_jobs_are_unassigned_with_reasons_not_errors():
    doc = {
        "vehicles": [
            {
                "id": 1,
                "start_index": 0,
                "end_index": 0,
                "time_window": [28800, 61200],
                "skills": [1],
                "capacity": [5],
                "max_travel_time": 7200,
            }
        ],
        "jobs": [
            {"id": 1, "location_index": 1, "skills": [2]},
            {"id": 2, "location_index": 1, "delivery": [9]},
            {"id": 3, "location_index": 1, "time_windows": [[28800, 28900]]},
            {"id": 4, "location_index": 2},
            {"id": 5, "location_index": 1, "service": 36000},
            {"id": 6, "location_index": 1, "service": 600},
        ],
        "matrices": {"car": {"durations": [[0, 600, 4000], [600, 0, 4000], [4000, 4000, 0]]}},
    }
    proc = run_cli("solve", "--time-limit", "1", "--check", stdin=dumps(doc))
    assert proc.returncode == 0, proc.stderr
    plan = json.loads(proc.stdout)
    reasons = {u["id"]: u["reason"] for u in plan["unassigned"]}
    assert reasons == {
        1: "no technician has skills [2]",
        2: "not enough capacity: delivery [9] exceeds every suitable technician's capacity",
        3: "window 08:00–08:01:40 unreachable from any shift",
        4: "too far: the trip exceeds every suitable technician's max travel time",
        5: "cannot be finished within any shift (10h00 on site + travel)",
    }
    assert _served(plan) == [6]


def test_a_tiny_time_limit_still_answers_with_a_valid_plan():
    rng = random.Random(7)
    n = 150
    places = [[rng.uniform(2.2, 2.5), rng.uniform(48.8, 48.9)] for _ in range(n)]
    doc = {
        "vehicles": [
            {
                "id": k,
                "start": places[0],
                "end": places[0],
                "time_window": [28800, 61200],
                "breaks": [{"id": 1, "time_windows": [[43200, 46800]], "service": 1800}],
            }
            for k in range(10)
        ],
        "jobs": [
            {
                "id": i,
                "location": places[i],
                "service": 1800,
                "time_windows": [[28800 + 3600 * (i % 6), 36000 + 3600 * (i % 6)]],
            }
            for i in range(1, n)
        ],
    }
    began = time.monotonic()
    proc = run_cli("solve", "--time-limit", "0.01", "--check", stdin=dumps(doc))
    assert time.monotonic() - began < 60
    assert proc.returncode == 0, proc.stderr
    plan = json.loads(proc.stdout)
    assert len(_served(plan)) + len(plan["unassigned"]) == n - 1
    assert all(u["reason"] for u in plan["unassigned"])


@pytest.mark.parametrize(
    "args, message",
    [
        (["solve", "--time-limit", "0"], "command line: argument --time-limit: must be a positive"),
        (["solve", "--time-limit", "soon"], "command line: argument --time-limit: not a number"),
        (["solve", "--frobnicate"], "command line: unrecognized arguments: --frobnicate"),
        ([], "command line: a command is required"),
        (
            ["solve", "-i", "/nonexistent/problem.json"],
            "-i /nonexistent/problem.json: No such file",
        ),
    ],
)
def test_command_line_errors_are_json_input_errors(args, message):
    proc = run_cli(*args, stdin="")
    assert proc.returncode == 2, proc.stderr
    answer = json.loads(proc.stdout)
    assert answer["code"] == 2 and answer["error"].startswith(message), answer
    assert "Traceback" not in proc.stderr


def test_error_document_also_replaces_the_output_file(tmp_path):
    dst = tmp_path / "plan.json"
    dst.write_text('{"code": 0, "stale": true}')
    proc = run_cli("solve", "-o", str(dst), stdin="{")
    assert proc.returncode == 2
    assert json.loads(dst.read_text())["code"] == 2
    assert json.loads(proc.stdout)["code"] == 2


def test_help_is_not_an_error():
    proc = run_cli("solve", "--help")
    assert proc.returncode == 0 and "--time-limit" in proc.stdout


# In-process: what happens when the solver itself misbehaves.


def _main(monkeypatch, capsys, fake_solve, *extra: str) -> tuple[int, dict, str]:
    monkeypatch.setattr(solver, "solve", fake_solve)
    monkeypatch.setattr("sys.stdin", _Stdin(dumps(SAMPLE).encode()))
    status = cli.main(["solve", "--time-limit", "1", *extra])
    out, err = capsys.readouterr()
    return status, json.loads(out), err


class _Stdin:
    def __init__(self, data: bytes) -> None:
        self.buffer = __import__("io").BytesIO(data)


def test_internal_error_is_code_1_without_traceback(monkeypatch, capsys):
    def broken(problem, time_limit):
        raise RuntimeError("solver exploded")

    status, answer, err = _main(monkeypatch, capsys, broken)
    assert status == 1
    assert answer == {"code": 1, "error": "internal error: RuntimeError: solver exploded"}
    assert "Traceback" not in err


def test_check_flag_refuses_an_invalid_plan(monkeypatch, capsys):
    def sloppy(problem, time_limit):
        # Job 10 "served" before its window opens, and nothing else accounted for.
        steps = [
            RouteStep("start", 28800, 0, location_index=0),
            RouteStep("job", 29400, 600, id=10, location_index=1, service=600),
            RouteStep("end", 30600, 1200, location_index=0),
        ]
        return Solution(
            routes=[Route(vehicle=1, steps=steps, duration=1200, service=600, priority=1)]
        )

    status, answer, err = _main(monkeypatch, capsys, sloppy, "--check")
    assert status == 1 and answer["code"] == 1
    assert answer["error"].startswith("plan failed the check: ")
    assert "job 10 starts at 29400, outside its windows" in answer["error"]
    status, answer, _ = _main(monkeypatch, capsys, sloppy)  # without --check: written as is
    assert status == 0 and answer["code"] == 0


@pytest.mark.parametrize(
    "doc, reasons",
    [
        (
            {"jobs": [{"id": 1, "location": [2.3, 48.8]}], "vehicles": []},
            {1: "no technician available"},
        ),
        ({"jobs": [], "vehicles": [{"id": 1, "start": [2.3, 48.8]}]}, {}),
    ],
)
def test_degenerate_problems_still_get_a_plan(doc, reasons):
    proc = run_cli("solve", "--time-limit", "1", "--check", stdin=dumps(doc))
    assert proc.returncode == 0, proc.stderr
    plan = json.loads(proc.stdout)
    assert plan["routes"] == []
    assert {u["id"]: u["reason"] for u in plan["unassigned"]} == reasons


def test_unwritable_output_is_an_internal_error(tmp_path):
    target = tmp_path / "missing-folder" / "plan.json"
    proc = run_cli("solve", "-o", str(target), "--time-limit", "1", stdin=dumps(SAMPLE))
    assert proc.returncode == 1
    answer = json.loads(proc.stdout)
    assert answer["code"] == 1 and answer["error"].startswith(f"-o {target}:")
    assert "Traceback" not in proc.stderr

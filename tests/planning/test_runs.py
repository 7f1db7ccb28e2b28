"""Planning runs: background thread, locks against two planners, refusals, time limits, CLI."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import UTC, datetime, time, timedelta
from pathlib import Path

import pytest

from dispatch.errors import Conflict, ValidationError
from dispatch.extensions import db
from dispatch.planning import runs, solve
from dispatch.planning.engine_reasons import say
from dispatch.planning.models import PlanLock, PlanRun, RunStatus, Visit
from tests.planning.fixtures import next_weekday, wait_for

ROOT = Path(__file__).resolve().parents[2]


def test_background_run_in_a_thread(
    planning_app, shifts, make_tech, make_job, make_skill, make_user
):
    day = next_weekday()
    skill = make_skill()
    tech = make_tech(skills=[skill])
    jobs = [make_job(duration=45) for _ in range(4)]
    impossible = make_job(skills=[make_skill("crane")])
    dispatcher = make_user("dispatcher")
    run = runs.start_run(dispatcher, day, 1, time_limit=1)
    assert run.status == RunStatus.QUEUED
    run = wait_for(run.id)
    assert run.status == RunStatus.DONE, run.message
    assert run.progress == 100 and "Plan ready" in run.message
    visits = db.session.scalars(
        db.select(Visit).where(Visit.plan_run_id == run.id).order_by(Visit.order)
    ).all()
    assert {v.ticket_id for v in visits} == {j.id for j in jobs}
    assert all(v.technician_id == tech.id and v.day == day for v in visits)
    assert [v.order for v in visits] == [1, 2, 3, 4]
    starts = [v.planned_start for v in visits]
    assert starts == sorted(starts) and starts[0] >= datetime.combine(day, time(8), UTC)
    (missing,) = run.result["unassigned"]
    assert missing["ticket_id"] == impossible.id and "skill" in say(missing["reason"])
    assert db.session.scalars(db.select(PlanLock)).all() == []  # released
    assert run.problem["jobs"] and run.result["plan"]["code"] == 0


def test_two_planners_same_days_one_is_told(planning_app, shifts, make_tech, make_user):
    day = next_weekday()
    make_tech()
    ana, bob = make_user("dispatcher", name="Ana"), make_user("dispatcher", name="Bob")
    first = runs.start_run(ana, day, 3, background=False)
    with pytest.raises(Conflict, match="Ana is already planning"):
        runs.start_run(bob, day + timedelta(days=2), 2, background=False)
    assert db.session.scalar(db.select(db.func.count(PlanRun.id))) == 1
    # Other days are free, and once the first run ends its days are free again.
    runs.start_run(bob, day + timedelta(days=3), 1, background=False)
    runs.execute(first.id)
    runs.start_run(bob, day, 1, background=False)


def test_stale_lock_of_a_dead_run_is_released(planning_app, shifts, make_user):
    day = next_weekday()
    stuck = runs.start_run(make_user("dispatcher"), day, 1, background=False)
    stuck.created_at = datetime.now(UTC) - timedelta(hours=2)
    db.session.commit()
    again = runs.start_run(make_user("dispatcher"), day, 1, background=False)
    assert again.id != stuck.id
    db.session.refresh(stuck)
    assert stuck.status == RunStatus.FAILED and "stopped answering" in stuck.message


def test_past_date_and_bad_ranges_refused(planning_app, shifts, make_user):
    user = make_user("dispatcher")
    yesterday = datetime.now(UTC).date() - timedelta(days=1)
    with pytest.raises(ValidationError, match="in the past"):
        runs.start_run(user, yesterday, 1, background=False)
    with pytest.raises(ValidationError):
        runs.start_run(user, next_weekday(), 30, background=False)
    with pytest.raises(ValidationError):
        runs.start_run(user, next_weekday(), 1, time_limit=0, background=False)
    assert db.session.scalars(db.select(PlanRun)).all() == []


def test_no_shift_and_unmeetable_windows_are_reported(
    planning_app, shifts, make_tech, make_job, make_user
):
    day = next_weekday()
    tech = make_tech(name="Off Today")
    shifts.off.add((tech.id, day))
    job = make_job()
    run = runs.start_run(make_user("dispatcher"), day, 1, background=False)
    runs.execute(run.id)
    db.session.refresh(run)
    assert run.status == RunStatus.DONE
    assert any("Off Today has no shift" in n for n in map(say, run.result["notes"]))
    (missing,) = run.result["unassigned"]
    assert missing["ticket_id"] == job.id and missing["reason"]


def test_engine_out_of_time_gives_best_plan_never_hangs(
    planning_app, shifts, make_tech, make_job, make_user
):
    day = next_weekday()
    for _ in range(3):
        make_tech()
    for _ in range(25):
        make_job(duration=30)
    run = runs.start_run(make_user("dispatcher"), day, 1, time_limit=1, background=False)
    started = datetime.now(UTC)
    runs.execute(run.id)
    db.session.refresh(run)
    assert (datetime.now(UTC) - started).total_seconds() < 15
    assert run.status == RunStatus.DONE
    assert "time limit" in run.message and "best plan" in run.message
    served = run.result["summary"]["visits"] + run.result["summary"]["unassigned"]
    assert served == 25


def test_engine_failure_ends_the_run_with_a_message(
    planning_app, shifts, make_tech, make_job, make_user, monkeypatch
):
    make_tech()
    make_job()
    run = runs.start_run(make_user("dispatcher"), next_weekday(), 1, background=False)

    def broken(*args, **kwargs):
        raise RuntimeError("solver exploded")

    monkeypatch.setattr(solve, "solving", broken)
    runs.execute(run.id)
    db.session.expire_all()
    run = db.session.get(PlanRun, run.id)
    assert run.status == RunStatus.FAILED and "solver exploded" in run.message
    assert db.session.scalars(db.select(PlanLock)).all() == []


def test_cli_writes_vroom_files_the_engine_accepts(
    planning_app, shifts, make_tech, make_job, runner, tmp_path
):
    day = next_weekday()
    make_tech()
    jobs = [make_job(duration=30) for _ in range(3)]
    problem_file, plan_file = tmp_path / "problem.json", tmp_path / "plan.json"
    result = runner.invoke(
        args=[
            "plan",
            "--date",
            day.isoformat(),
            "--time-limit",
            "1",
            "--problem-out",
            str(problem_file),
            "--plan-out",
            str(plan_file),
            "--publish",
        ]
    )
    assert result.exit_code == 0, result.output
    summary = json.loads(result.output)
    assert summary["visits_planned"] == 3 and summary["unassigned"] == []
    assert summary["status"] == "published" and summary["travel_minutes"] >= 0
    plan = json.loads(plan_file.read_text())
    assert sum(1 for r in plan["routes"] for s in r["steps"] if s["type"] == "job") == 3
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "dispatch.routing",
            "solve",
            "-i",
            str(problem_file),
            "--time-limit",
            "1",
            "--check",
        ],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=60,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    again = json.loads(proc.stdout)
    assert again["code"] == 0 and again["summary"]["unassigned"] == 0
    for job in jobs:
        db.session.refresh(job)
        assert job.status == "scheduled"


def test_cli_refuses_a_past_date(planning_app, runner):
    result = runner.invoke(args=["plan", "--date", "2001-01-01"])
    assert result.exit_code == 1 and "in the past" in result.output


def test_large_multi_day_problems_are_planned_day_by_day(
    planning_app, shifts, make_tech, make_job, make_user
):
    from dispatch.routing import check_solution, parse_problem

    planning_app.config["PLANNING_SPLIT_ABOVE"] = 0  # split even this small week
    day = next_weekday()
    tech = make_tech()
    jobs = [make_job(duration=180) for _ in range(5)]  # two or three a day fit
    pinned_day = day + timedelta(days=1)
    run = runs.start_run(
        make_user("dispatcher"),
        day,
        3,
        time_limit=3,
        background=False,
        options={
            "pins": [
                {
                    "ticket_id": jobs[0].id,
                    "technician_id": tech.id,
                    "day": pinned_day.isoformat(),
                    "start": None,
                }
            ]
        },
    )
    runs.execute(run.id)
    db.session.refresh(run)
    assert run.status == RunStatus.DONE, run.message
    visits = {v.ticket_id: v for v in run.visits}
    assert set(visits) == {j.id for j in jobs}
    assert len({v.day for v in visits.values()}) >= 2
    assert visits[jobs[0].id].day == pinned_day
    # The merged plan is a valid plan of the whole problem, by the engine's own checker.
    assert check_solution(parse_problem(run.problem), run.result["plan"]) == []


def test_window_no_shift_can_meet_is_explained(
    planning_app, shifts, make_tech, make_job, make_user
):
    day = next_weekday()
    make_tech()
    evening = datetime.combine(day, time(19), UTC)  # shifts end at 17:00
    late = make_job(
        duration=30, appointment_start=evening, appointment_end=evening + timedelta(hours=1)
    )
    run = runs.start_run(make_user("dispatcher"), day, 1, background=False)
    runs.execute(run.id)
    db.session.refresh(run)
    (missing,) = run.result["unassigned"]
    assert missing["ticket_id"] == late.id
    assert "unreachable" in say(missing["reason"]) or "shift" in say(missing["reason"])

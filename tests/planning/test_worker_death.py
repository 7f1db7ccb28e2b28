"""A worker that dies in the middle of a planning run: the run ends failed, and can be re-run.

The last test kills a real ``rq worker`` (and its work-horse) while the engine searches."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time as clock
import uuid
from datetime import UTC, datetime, time, timedelta
from pathlib import Path

import pytest

from dispatch.errors import TransitionError
from dispatch.extensions import db
from dispatch.planning import runs, services
from dispatch.planning.models import PlanLock, PlanRun, RunStatus
from tests.planning.fixtures import next_weekday, wait_for

REPOSITORY = Path(__file__).resolve().parents[2]


def _running(run: PlanRun, *, beat_ago: float) -> PlanRun:
    """Make ``run`` look taken by a worker whose last heartbeat was ``beat_ago`` seconds ago."""
    run.status = RunStatus.RUNNING
    run.heartbeat_at = datetime.now(UTC) - timedelta(seconds=beat_ago)
    db.session.commit()
    return run


def test_run_without_heartbeat_is_failed_by_the_progress_poll(
    planning_app, shifts, make_tech, make_user
):
    planning_app.config["PLANNING_HEARTBEAT_TIMEOUT"] = 30
    make_tech()
    day = next_weekday()
    alive = _running(runs.start_run(make_user("dispatcher"), day, 1, background=False), beat_ago=5)
    assert runs.status(alive)["status"] == RunStatus.RUNNING  # a recent heartbeat: left alone
    lost = _running(alive, beat_ago=31)
    state = runs.status(lost)
    assert state["status"] == RunStatus.FAILED and not state["active"]
    assert "worker stopped during the run" in state["message"]
    assert "30 s" in state["message"] and "Plan again" in state["message"]
    assert db.session.scalar(db.select(db.func.count(PlanLock.day))) == 0  # its day is free


def test_the_list_of_plans_and_the_next_worker_fail_lost_runs(
    planning_app, shifts, make_tech, make_job, make_user, auth, client
):
    planning_app.config["PLANNING_HEARTBEAT_TIMEOUT"] = 30
    make_tech()
    make_job(duration=30)
    day = next_weekday()
    first = _running(runs.start_run(make_user("dispatcher"), day, 1, background=False), beat_ago=60)
    auth.login(role="dispatcher")
    assert client.get("/planning/").status_code == 200
    db.session.expire_all()
    assert db.session.get(PlanRun, first.id).status == RunStatus.FAILED
    # A worker starting another run gives up lost runs first (nobody looked at this one).
    second = runs.start_run(make_user("dispatcher"), day + timedelta(days=7), 1, background=False)
    other = _running(second, beat_ago=60)
    third = runs.start_run(make_user("dispatcher"), day, 1, background=False)
    runs.execute(third.id)
    db.session.expire_all()
    assert db.session.get(PlanRun, other.id).status == RunStatus.FAILED
    assert db.session.get(PlanRun, third.id).status == RunStatus.DONE


def test_a_living_run_keeps_its_heartbeat_while_the_engine_searches(
    planning_app, shifts, make_tech, make_job, make_user
):
    """The engine searches for 3 s in one go (no progress written meanwhile); a heartbeat
    timeout of 0.6 s would fail the run if the heartbeat thread did not stamp it."""
    planning_app.config["PLANNING_HEARTBEAT_TIMEOUT"] = 0.6
    planning_app.config["PLANNING_STOP_EARLY"] = False  # one job: it would stop at once
    make_tech()
    make_job(duration=30)
    run = runs.start_run(make_user("dispatcher"), next_weekday(), 1, time_limit=3)
    seen = set()
    deadline = clock.monotonic() + 30
    while clock.monotonic() < deadline:
        db.session.expire_all()
        state = runs.status(db.session.get(PlanRun, run.id))  # the board's poll, which may fail it
        seen.add(state["status"])
        if not state["active"]:
            break
        clock.sleep(0.1)
    assert state["status"] == RunStatus.DONE, state["message"]
    assert RunStatus.RUNNING in seen


def test_a_run_given_up_meanwhile_stays_failed(
    planning_app, shifts, make_tech, make_job, make_user, monkeypatch
):
    """A worker that was only slow finishes after the run was given up: the failure stands and
    its plan is dropped (it may overlap a plan started since)."""
    make_tech()
    make_job(duration=30)
    run = runs.start_run(make_user("dispatcher"), next_weekday(), 1, background=False)
    solve_run = runs.solve_run

    def solved_while_given_up(r):
        answer = solve_run(r)
        with db.engine.begin() as conn:  # another process's session: the board's poll
            conn.execute(
                db.update(PlanRun)
                .where(PlanRun.id == r.id)
                .values(status=RunStatus.FAILED, message="given up")
            )
        return answer

    monkeypatch.setattr(runs, "solve_run", solved_while_given_up)
    runs.execute(run.id)
    db.session.expire_all()
    run = db.session.get(PlanRun, run.id)
    assert (run.status, run.message, run.visits) == (RunStatus.FAILED, "given up", [])


def test_plan_again_only_for_a_failed_run(planning_app, shifts, make_tech, make_job, make_user):
    make_tech()
    make_job(duration=30)
    dispatcher = make_user("dispatcher")
    run = runs.start_run(dispatcher, next_weekday(), 2, time_limit=3, background=False)
    run.options = {"removed": [12345]}
    db.session.commit()
    with pytest.raises(TransitionError, match="Only a failed plan"):
        services.plan_again(run, dispatcher)
    _running(run, beat_ago=3600)
    runs.status(run)
    again = services.plan_again(run, dispatcher, time_limit=1)
    assert again.id != run.id and again.status == RunStatus.QUEUED
    assert (again.first_day, again.days, again.options) == (run.first_day, 2, {"removed": [12345]})
    assert wait_for(again.id).status == RunStatus.DONE


def test_board_offers_plan_again_on_a_failed_run(
    planning_app, shifts, make_tech, make_job, auth, client
):
    make_tech()
    make_job(duration=30)
    dispatcher = auth.login(role="dispatcher")
    run = runs.start_run(dispatcher, next_weekday(), 1, background=False)
    _running(run, beat_ago=3600)
    page = client.get(f"/planning/runs/{run.id}")
    assert b"worker stopped during the run" in page.data and b"Plan again" in page.data
    response = client.post(f"/planning/runs/{run.id}/again")
    assert response.status_code == 302
    new_id = int(response.headers["Location"].rstrip("/").split("/")[-1])
    assert new_id != run.id and wait_for(new_id).status == RunStatus.DONE
    # A proposed plan offers no "Plan again": only what failed is planned again.
    assert b"Plan again" not in client.get(f"/planning/runs/{new_id}").data
    assert client.post(f"/planning/runs/{new_id}/again").status_code == 302
    assert db.session.scalar(db.select(db.func.count(PlanRun.id))) == 2


# ---- a real worker, killed ------------------------------------------------------------------


def _children(pid: int) -> list[int]:
    path = Path(f"/proc/{pid}/task/{pid}/children")
    return [int(p) for p in path.read_text().split()] if path.exists() else []


def _worker(redis_url: str, queue: str, env: dict, log: Path, *burst: str) -> subprocess.Popen:
    """``rq worker`` in its own process group, as an operator starts it."""
    with log.open("ab") as out:  # the child keeps its own copy of the file
        return subprocess.Popen(
            [sys.executable, "-m", "rq.cli", "worker", queue, "--url", redis_url, *burst],
            cwd=REPOSITORY,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )


def _company(make_site, make_tech, make_job):
    """A technician and jobs the real shift source plans: working hours every day."""
    from dispatch.technicians.models import WorkingHours

    site = make_site(timezone="UTC", opens_at=time(8), closes_at=time(17), open_weekdays="0123456")
    tech = make_tech(site=site)
    for weekday in range(7):
        db.session.add(
            WorkingHours(user_id=tech.id, weekday=weekday, start_time=time(8), end_time=time(17))
        )
    db.session.commit()
    return [make_job(site=site, duration=30) for _ in range(3)]


def test_killed_worker_leaves_a_failed_run_that_plans_again_on_a_new_worker(
    planning_app, make_site, make_tech, make_job, make_user, redis_url, database_url, tmp_path
):
    if not Path("/proc/self/task").exists():
        pytest.skip("finding the work-horse needs /proc")
    queue = f"planning-{uuid.uuid4().hex[:8]}"
    planning_app.config.update(
        RQ_REDIS_URL=redis_url, RQ_PLANNING_QUEUE=queue, PLANNING_HEARTBEAT_TIMEOUT=3
    )
    env = {
        **os.environ,
        "FLASK_SQLALCHEMY_DATABASE_URI": database_url,
        "FLASK_SECRET_KEY": "test",
        "FLASK_MAIL_OPEN_INTAKE": "true",
        "FLASK_PLANNING_WORKERS": "1",
        "FLASK_PLANNING_HEARTBEAT_TIMEOUT": "3",
        # Three jobs are planned in milliseconds: keep the engine searching to be killed.
        "FLASK_PLANNING_STOP_EARLY": "false",
    }
    jobs = _company(make_site, make_tech, make_job)
    dispatcher = make_user("dispatcher")
    run = runs.start_run(dispatcher, next_weekday(), 1, time_limit=120)
    log = tmp_path / "worker.log"
    worker = _worker(redis_url, queue, env, log)
    try:
        deadline = clock.monotonic() + 60
        while True:  # until the engine searches (solving_since is set when it starts)
            db.session.expire_all()
            run = db.session.get(PlanRun, run.id)
            if run.status == RunStatus.RUNNING and run.solving_since is not None:
                break
            assert run.is_active, run.message
            assert clock.monotonic() < deadline, log.read_text()[-3000:]
            clock.sleep(0.1)
        # Alive and searching for longer than the heartbeat timeout: the polls leave it be.
        for _ in range(8):
            clock.sleep(0.5)
            db.session.expire_all()
            assert runs.status(db.session.get(PlanRun, run.id))["status"] == RunStatus.RUNNING
        horses = _children(worker.pid)
        assert horses, "the worker runs its job in a work-horse child"
        for horse in horses:  # the horse leads its own process group (with any engine child)
            os.killpg(horse, signal.SIGKILL)
        os.killpg(worker.pid, signal.SIGKILL)
    finally:
        if worker.poll() is None:
            os.killpg(worker.pid, signal.SIGKILL)
        worker.wait(10)
    db.session.expire_all()
    assert db.session.get(PlanRun, run.id).status == RunStatus.RUNNING  # nobody knows yet
    deadline = clock.monotonic() + 30
    while True:  # the board polls; within the timeout the run is given up
        db.session.expire_all()
        state = runs.status(db.session.get(PlanRun, run.id))
        if not state["active"]:
            break
        assert clock.monotonic() < deadline, "the run of a dead worker stayed running"
        clock.sleep(0.5)
    assert state["status"] == RunStatus.FAILED
    assert "worker stopped during the run" in state["message"]
    assert db.session.scalar(db.select(db.func.count(PlanLock.day))) == 0

    run = db.session.get(PlanRun, run.id)
    again = services.plan_again(run, dispatcher, time_limit=2)
    fresh = _worker(redis_url, queue, env, log, "--burst")
    assert fresh.wait(120) == 0, log.read_text()[-3000:]
    again = wait_for(again.id, timeout=5)
    assert again.status == RunStatus.DONE, again.message
    assert sorted(v.ticket_id for v in again.visits) == sorted(j.id for j in jobs)

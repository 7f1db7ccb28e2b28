"""Planning on RQ workers: the run is queued on Redis and a worker plans it."""

from __future__ import annotations

from dispatch.extensions import db
from dispatch.planning import runs
from dispatch.planning.models import PlanLock, PlanRun, RunStatus
from tests.planning.fixtures import next_weekday


def test_run_goes_through_an_rq_worker(
    planning_app, shifts, make_tech, make_job, make_user, redis_url, database_url, monkeypatch
):
    from redis import Redis
    from rq import Queue, SimpleWorker

    planning_app.config["RQ_REDIS_URL"] = redis_url
    # The worker builds its own app from the environment, as `rq worker` does.
    monkeypatch.setenv("FLASK_SQLALCHEMY_DATABASE_URI", database_url)
    monkeypatch.setenv("FLASK_SECRET_KEY", "test")
    monkeypatch.setenv("FLASK_MAIL_OPEN_INTAKE", "true")
    monkeypatch.setenv("FLASK_PLANNING_WORKERS", "1")
    make_tech()
    job = make_job(duration=30)
    run = runs.start_run(make_user("dispatcher"), next_weekday(), 1, time_limit=1)
    assert db.session.get(PlanRun, run.id).status == RunStatus.QUEUED
    connection = Redis.from_url(redis_url)
    queue = Queue("planning", connection=connection)
    assert queue.count == 1
    SimpleWorker([queue], connection=connection).work(burst=True)
    db.session.expire_all()
    run = db.session.get(PlanRun, run.id)
    assert run.status == RunStatus.DONE, run.message
    assert [v.ticket_id for v in run.visits] == [job.id]


def test_unreachable_redis_fails_the_run_at_once(planning_app, shifts, make_user, closed_port):
    planning_app.config["RQ_REDIS_URL"] = f"redis://127.0.0.1:{closed_port}/0"
    run = runs.start_run(make_user("dispatcher"), next_weekday(), 1, time_limit=1)
    db.session.expire_all()
    run = db.session.get(PlanRun, run.id)
    assert run.status == RunStatus.FAILED and "job queue is unavailable" in run.message
    assert db.session.scalar(db.select(db.func.count(PlanLock.day))) == 0  # the days are free

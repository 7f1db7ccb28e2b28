"""The directory's sync on RQ (``flask directory schedule``), against the test slapd and a
throw-away Redis: a run syncs, records itself and schedules the next one; --status says so,
--stop cancels it; without a directory nothing is scheduled."""

from __future__ import annotations

import pytest

from dispatch.directory import jobs
from dispatch.directory.models import DirectorySync
from dispatch.extensions import db
from dispatch.people.models import User
from tests.planning.fixtures import redis_url  # noqa: F401  (a fixture)
from tests.rq_env import RqQueue


@pytest.fixture
def rq(dir_app, redis_url, monkeypatch):  # noqa: F811
    env = RqQueue(dir_app, redis_url, monkeypatch, "RQ_DIRECTORY_QUEUE", "directory")
    yield env
    env.close()


def _cli(app, *args):
    return app.test_cli_runner().invoke(args=["directory", "schedule", *args])


def test_a_scheduled_run_syncs_and_schedules_the_next(dir_app, rq):
    started = _cli(dir_app, "--interval", "3600")
    assert started.exit_code == 0, started.output
    assert (
        "directory sync every 3600 s on queue" in started.output and "queued now" in started.output
    )
    rq.work()
    run = db.session.scalar(db.select(DirectorySync))
    assert run.source == "scheduled directory sync" and run.created > 0
    assert db.session.scalar(db.select(User.id).filter_by(email="stefan.turcanu@firma.ro"))
    [following] = rq.scheduled()
    assert following.startswith(jobs.SYNC.job_prefix(dir_app.config["RQ_DIRECTORY_QUEUE"]))
    status = _cli(dir_app, "--status")
    assert "directory sync every 3600 s" in status.output and " at " in status.output
    stopped = _cli(dir_app, "--stop")
    assert (
        "directory sync stopped" in stopped.output
        and "1 pending run(s) cancelled" in stopped.output
    )
    assert rq.scheduled() == []
    assert "is not scheduled" in _cli(dir_app, "--status").output


def test_a_second_schedule_adds_no_second_run(dir_app, rq):
    assert _cli(dir_app).exit_code == 0
    again = _cli(dir_app)
    assert "a run is already pending: not adding another" in again.output


def test_without_a_directory_nothing_is_scheduled(app):
    result = app.test_cli_runner().invoke(args=["directory", "schedule"])
    assert result.exit_code == 1 and "LDAP_URL is not set" in result.output

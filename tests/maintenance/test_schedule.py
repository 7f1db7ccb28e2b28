"""Making the visits from cron (``flask maintenance generate``) and on RQ (``flask maintenance
schedule``, against a throw-away Redis): a run makes what is due and schedules the next one."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from dispatch.extensions import db
from dispatch.maintenance import jobs
from dispatch.maintenance.models import MaintenanceOccurrence
from dispatch.types import utctoday
from tests.planning.fixtures import redis_url  # noqa: F401  (a fixture)
from tests.rq_env import RqQueue


def _count() -> int:
    return db.session.scalar(select(func.count()).select_from(MaintenanceOccurrence))


@pytest.fixture
def rq(app, redis_url, monkeypatch):  # noqa: F811
    env = RqQueue(app, redis_url, monkeypatch, "RQ_MAINTENANCE_QUEUE", "maintenance")
    yield env
    env.close()


def test_cron_s_command_makes_each_visit_once(app, make_asset, make_plan, make_site):
    make_asset(tag="PR-1", site=make_site())
    make_plan(asset_tag="PR-1", starts_on=utctoday() + timedelta(days=3))
    runner = app.test_cli_runner()
    first = runner.invoke(args=["maintenance", "generate"])
    assert first.exit_code == 0 and "1 visit(s) made" in first.output
    again = runner.invoke(args=["maintenance", "generate"])
    assert "0 visit(s) made" in again.output and _count() == 1
    later = runner.invoke(args=["maintenance", "generate", "--today", "2099-13-01"])
    assert later.exit_code == 2 and "--today" in later.output


def test_a_scheduled_run_makes_the_visits_and_schedules_the_next(
    app, rq, make_asset, make_plan, make_site
):
    make_asset(tag="PR-1", site=make_site())
    make_plan(asset_tag="PR-1", starts_on=utctoday() + timedelta(days=3))
    cli = app.test_cli_runner()
    started = cli.invoke(args=["maintenance", "schedule", "--interval", "3600"])
    assert started.exit_code == 0 and "maintenance visits every 3600 s" in started.output
    rq.work()
    assert _count() == 1
    [following] = rq.scheduled()
    assert following.startswith(jobs.GENERATE.job_prefix(app.config["RQ_MAINTENANCE_QUEUE"]))
    stopped = cli.invoke(args=["maintenance", "schedule", "--stop"])
    assert "1 pending run(s) cancelled" in stopped.output and rq.scheduled() == []

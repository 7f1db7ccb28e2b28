"""The demo week is worth planning: almost every job finds a technician, and the few that do
not show the kinds of reasons a dispatcher meets (out of reach, window shorter than the job)."""

from __future__ import annotations

from datetime import date

import pytest

from dispatch import demo
from dispatch.demo_field import JOBS, planning_days
from dispatch.extensions import db
from dispatch.people.models import User
from dispatch.planning import runs
from dispatch.planning.engine_reasons import say
from dispatch.planning.models import PlanRun

pytestmark = pytest.mark.slow


def test_a_newcomer_can_plan_the_demo_week(app):
    app.config.update(RQ_REDIS_URL=None)
    demo.load(today=date(2030, 1, 9))
    boss = db.session.scalar(db.select(User).filter_by(email="dana.dispatch@example.com"))
    days = planning_days(date(2030, 1, 9))
    run = runs.start_run(boss, days[0], 5, time_limit=6, background=False)
    runs.execute(run.id)
    db.session.expire_all()
    run = db.session.get(PlanRun, run.id)
    assert run.status == "done", run.message
    assert len(run.visits) >= JOBS * 0.8, run.message
    assert len({v.technician_id for v in run.visits}) == 8  # every technician has work
    reasons = " ".join(say(u["reason"]) for u in run.result["unassigned"])
    assert "unreachable" in reasons or "shorter than the job" in reasons

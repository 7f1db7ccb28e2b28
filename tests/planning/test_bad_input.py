"""Bad input and conflicts in planning: the cases the other planning tests leave open."""

from __future__ import annotations

import time as clock
from datetime import UTC, datetime, time

import pytest

from dispatch.errors import Conflict
from dispatch.extensions import db
from dispatch.planning import replan, runs, services, solve
from dispatch.planning.engine_reasons import say
from dispatch.planning.models import PlanRun, RunStatus, VisitStatus
from dispatch.tickets.models import Ticket
from tests.planning.fixtures import failing_on, next_weekday, snapshot


def _run(user, day, days=1, **kw):
    run = runs.start_run(user, day, days, background=False, **kw)
    runs.execute(run.id)
    db.session.expire_all()
    return db.session.get(PlanRun, run.id)


@pytest.fixture
def at(monkeypatch):
    """Pretend it is ``at(hour)`` UTC today, for the planner and the re-planner."""

    def set_hour(hour: int):
        now = datetime.combine(datetime.now(UTC).date(), time(hour), UTC)
        monkeypatch.setattr(runs, "utcnow", lambda: now)
        monkeypatch.setattr(replan, "utcnow", lambda: now)
        monkeypatch.setattr(solve, "utcnow", lambda: now)
        return now.date()

    return set_hour


def test_nobody_working_that_day_is_said_plainly(
    planning_app, shifts, make_tech, make_job, make_user
):
    day = next_weekday()
    ana, bob = make_tech(name="Ana"), make_tech(name="Bob")
    shifts.off |= {(ana.id, day), (bob.id, day)}
    job = make_job()
    run = _run(make_user("dispatcher"), day)
    assert run.status == RunStatus.DONE
    notes = [say(n) for n in run.result["notes"]]
    assert any("Ana has no shift" in n for n in notes) and any(
        "Bob has no shift" in n for n in notes
    )
    assert any(f"Nobody has a shift on {day.isoformat()}" in n for n in notes), notes
    (missing,) = run.result["unassigned"]
    assert missing["ticket_id"] == job.id and missing["reason"]


def test_windows_already_over_today_are_listed(
    planning_app, shifts, make_tech, make_job, make_user, at
):
    today = at(18)  # sites close at 17:00, shifts end at 17:00
    make_tech(name="Late Larry")
    job = make_job()
    run = _run(make_user("dispatcher"), today)
    assert run.status == RunStatus.DONE
    (missing,) = run.result["unassigned"]
    assert missing["ticket_id"] == job.id and "already over" in say(missing["reason"])
    assert any(
        "Late Larry's shift on" in n and "already over" in n for n in map(say, run.result["notes"])
    )


def test_replan_while_someone_plans_today_is_told(
    planning_app, shifts, make_tech, make_job, make_user, at
):
    today = at(6)
    make_tech()
    urgent = make_job(priority="urgent")
    ana, bob = make_user("dispatcher", name="Ana"), make_user("dispatcher", name="Bob")
    runs.start_run(ana, today, 2, background=False)
    with pytest.raises(Conflict, match="Ana is already planning"):
        replan.replan_today(bob, urgent.id, background=False)
    assert db.session.scalar(db.select(db.func.count(PlanRun.id))) == 1


def test_replan_stays_within_its_time_limit(
    planning_app, shifts, make_tech, make_job, make_skill, make_user, at
):
    """Several engine steps, one time limit: the re-plan ends about when the limit says."""
    today = at(6)
    skill = make_skill()
    ana = make_tech(name="Ana", skills=[skill])
    make_tech(name="Bob"), make_tech(name="Cy")
    boss = make_user("dispatcher")
    full = [make_job(duration=120) for _ in range(4)]
    pins = [
        {"ticket_id": t.id, "technician_id": ana.id, "day": today.isoformat(), "start": None}
        for t in full
    ]
    run = runs.start_run(boss, today, 1, background=False, options={"pins": pins})
    runs.execute(run.id)
    services.publish(db.session.get(PlanRun, run.id), boss)
    urgent = make_job(duration=90, priority="urgent", skills=[skill])
    limit = 3
    new = replan.replan_today(boss, urgent.id, time_limit=limit, background=False)
    started = clock.monotonic()
    runs.execute(new.id)
    elapsed = clock.monotonic() - started
    db.session.expire_all()
    new = db.session.get(PlanRun, new.id)
    assert new.status == RunStatus.DONE, new.message
    assert len(new.result["tried"]) >= 3  # several steps were made …
    assert elapsed < limit + 4, elapsed  # … within the one time limit (and a little storing)
    assert "time limit" in new.message


def test_publishing_a_replan_is_all_or_nothing(
    planning_app, shifts, make_tech, make_job, make_user, at
):
    today = at(6)
    make_tech(name="Ana"), make_tech(name="Bob")
    boss = make_user("dispatcher")
    for _ in range(3):
        make_job(duration=60)
    first = _run(boss, today)
    services.publish(first, boss)
    urgent = make_job(duration=30, priority="urgent")
    new = replan.replan_today(boss, urgent.id, time_limit=2, background=False)
    runs.execute(new.id)
    db.session.expire_all()

    before = snapshot()
    with pytest.raises(RuntimeError):
        services.publish(db.session.get(PlanRun, new.id), boss, on_visit=failing_on(2))
    assert snapshot() == before  # the old published visits were not cancelled either
    assert {v.status for v in db.session.get(PlanRun, first.id).visits} == {VisitStatus.PUBLISHED}
    services.publish(db.session.get(PlanRun, new.id), boss)
    assert db.session.get(Ticket, urgent.id).status == "scheduled"


def test_replan_without_urgent_work_is_refused(
    planning_app, shifts, make_tech, make_job, make_user
):
    make_tech()
    make_job(priority="high")
    from dispatch.errors import ValidationError

    with pytest.raises(ValidationError, match="No urgent on-site ticket is waiting"):
        replan.replan_today(make_user("dispatcher"), background=False)
    assert db.session.scalars(db.select(PlanRun)).all() == []

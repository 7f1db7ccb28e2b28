"""Reviewing, re-running and publishing plans; re-planning today."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

import pytest

from dispatch.errors import ValidationError
from dispatch.extensions import db
from dispatch.notifications.models import Notification
from dispatch.planning import replan, runs, services, solve
from dispatch.planning.models import PlanRun, RunStatus, Visit, VisitStatus
from dispatch.planning.replan import replan_today
from dispatch.tickets.models import Ticket
from tests.planning.fixtures import failing_on, next_weekday, snapshot


def _plan(user, day, days=1, **kw):
    run = runs.start_run(user, day, days, background=False, **kw)
    runs.execute(run.id)
    db.session.expire_all()
    return db.session.get(PlanRun, run.id)


def test_publish_schedules_records_and_notifies(
    planning_app, shifts, make_tech, make_job, make_user
):
    day = next_weekday()
    tech = make_tech()
    jobs = [make_job(duration=30) for _ in range(3)]
    boss = make_user("dispatcher")
    run = _plan(boss, day)
    services.publish(run, boss)
    db.session.expire_all()
    assert db.session.get(PlanRun, run.id).status == RunStatus.PUBLISHED
    for job in jobs:
        ticket = db.session.get(Ticket, job.id)
        assert ticket.status == "scheduled" and ticket.assignee_id == tech.id
        types = [e.type for e in ticket.events]
        assert {"assigned", "status", "visit"} <= set(types)
        assert (
            db.session.scalar(
                db.select(Notification).where(Notification.user_id == ticket.requester_id)
            )
            is not None
        )
    assert {v.status for v in db.session.get(PlanRun, run.id).visits} == {VisitStatus.PUBLISHED}
    notes = db.session.scalars(db.select(Notification).where(Notification.user_id == tech.id)).all()
    assert len(notes) == 1 and "3 visits" in notes[0].text


def test_publish_is_all_or_nothing(planning_app, shifts, make_tech, make_job, make_user):
    day = next_weekday()
    make_tech()
    for _ in range(3):
        make_job(duration=30)
    boss = make_user("dispatcher")
    run = _plan(boss, day)
    before = snapshot()
    with pytest.raises(RuntimeError):
        services.publish(run, boss, on_visit=failing_on(2))
    assert snapshot() == before
    # And it can be published afterwards.
    services.publish(db.session.get(PlanRun, run.id), boss)


def test_pin_move_remove_and_rerun_keeps_pins(
    planning_app, shifts, make_tech, make_job, make_user, monkeypatch
):
    # The test runs the re-run itself: no background thread racing it (and outliving the test).
    monkeypatch.setattr(runs, "launch", lambda run: None)
    day = next_weekday()
    ana, bob = make_tech(name="Ana"), make_tech(name="Bob")
    jobs = [make_job(duration=30) for _ in range(4)]
    boss = make_user("dispatcher")
    run = _plan(boss, day, 2)
    visits = {v.ticket_id: v for v in run.visits}
    moved, removed = visits[jobs[0].id], visits[jobs[1].id]
    services.move_visit(run, moved.id, bob.id, day + timedelta(days=1), time(15, 0))
    services.remove_visit(run, removed.id)
    with pytest.raises(ValidationError, match="no shift"):
        shifts.off.add((ana.id, day))
        services.move_visit(run, visits[jobs[2].id].id, ana.id, day, time(9))
    db.session.expire_all()
    run = db.session.get(PlanRun, run.id)
    assert any(u["ticket_id"] == jobs[1].id for u in run.result["unassigned"])
    new = services.rerun(run, boss)
    assert new.parent_id == run.id
    new = db.session.get(PlanRun, new.id)
    runs.execute(new.id)
    db.session.expire_all()
    new = db.session.get(PlanRun, new.id)
    assert new.status == RunStatus.DONE
    assert db.session.get(PlanRun, run.id).status == RunStatus.SUPERSEDED
    again = {v.ticket_id: v for v in new.visits}
    assert jobs[1].id not in again  # removed stays out
    kept = again[jobs[0].id]
    assert kept.pinned and kept.technician_id == bob.id and kept.day == day + timedelta(days=1)
    assert kept.planned_start == datetime.combine(day + timedelta(days=1), time(15), UTC)


def test_replan_today_keeps_started_and_reports_moves(
    planning_app, shifts, make_tech, make_job, make_user, monkeypatch
):
    # Plan "today" as if it were 06:00 so that the whole day is ahead.
    today = datetime.now(UTC).date()
    morning = datetime.combine(today, time(6), UTC)
    monkeypatch.setattr(runs, "utcnow", lambda: morning)
    monkeypatch.setattr(replan, "utcnow", lambda: morning)
    monkeypatch.setattr(solve, "utcnow", lambda: morning)
    make_tech(name="Ana"), make_tech(name="Bob")
    jobs = [make_job(duration=60) for _ in range(4)]
    boss = make_user("dispatcher")
    run = _plan(boss, today)
    services.publish(run, boss)
    db.session.expire_all()
    visits = sorted(db.session.get(PlanRun, run.id).visits, key=lambda v: v.planned_start)
    started, pinned = visits[0], visits[1]
    started.status = VisitStatus.ARRIVED
    pinned.pinned = True
    db.session.commit()
    urgent = make_job(duration=30, priority="urgent")
    new = replan_today(boss, urgent.id, time_limit=2, background=False)
    runs.execute(new.id)
    db.session.expire_all()
    new = db.session.get(PlanRun, new.id)
    assert new.kind == "replan" and new.status == RunStatus.DONE, new.message
    by_ticket = {v.ticket_id: v for v in new.visits}
    assert urgent.id in by_ticket
    assert started.ticket_id not in by_ticket  # kept as it is, outside the problem
    assert started.id in new.options["kept"]
    assert by_ticket[pinned.ticket_id].technician_id == pinned.technician_id
    assert by_ticket[pinned.ticket_id].planned_start == pinned.planned_start
    changes = {m["ticket_id"]: m["change"] for m in new.result["moves"]}
    assert changes[urgent.id] == "added"
    services.publish(new, boss)
    db.session.expire_all()
    assert db.session.get(Visit, started.id).status == VisitStatus.ARRIVED
    assert db.session.get(Ticket, urgent.id).status == "scheduled"
    live = db.session.scalars(db.select(Visit).where(Visit.status == VisitStatus.PUBLISHED)).all()
    assert sorted(v.ticket_id for v in live) == sorted(
        [j.id for j in jobs if j.id != started.ticket_id] + [urgent.id]
    )


def test_replan_refuses_a_ticket_not_waiting(planning_app, make_user, make_ticket):
    with pytest.raises(ValidationError):
        replan_today(make_user("dispatcher"), make_ticket().id)

"""A ticket's technician rules and its follow-up link, as the planner gives them to the
engine: shifts of the required, prohibited and preferred technicians, and the visit a
follow-up comes after — on one day and across the days of a week."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

import pytest
from flask_babel import force_locale

from dispatch.extensions import db
from dispatch.planning import problem as builder
from dispatch.planning import runs
from dispatch.planning.engine_reasons import in_language, say
from dispatch.planning.models import RunStatus
from dispatch.routing import check_solution, parse_problem
from dispatch.tickets.models import TicketTechnician
from tests.planning.fixtures import next_weekday

NOW = datetime(2020, 1, 1, tzinfo=UTC)


def name(ticket, rule, *techs):
    for tech in techs:
        ticket.technicians.append(TicketTechnician(user_id=tech.id, rule=rule))
    db.session.commit()


def shifts_of(built, tech) -> list[int]:
    return sorted(v for v, f in built.vehicles.items() if f["technician_id"] == tech.id)


def test_rules_become_the_shifts_of_the_technicians(app, shifts, make_tech, make_job):
    day = next_weekday()
    ana, bogdan, dan = (make_tech(name=n) for n in ("Ana", "Bogdan", "Dan"))
    job = make_job()
    name(job, "required", ana, bogdan)
    name(job, "prohibited", dan)
    name(job, "preferred", bogdan)
    app.config.update(PLANNING_PREFERRED_WEIGHT=500)
    built = builder.build(day, 2, now=NOW)
    (engine_job,) = built.problem.jobs
    assert engine_job.required_vehicles == frozenset(
        shifts_of(built, ana) + shifts_of(built, bogdan)
    )
    assert engine_job.prohibited_vehicles == frozenset(shifts_of(built, dan))
    assert engine_job.preferred_vehicles == tuple((v, 500) for v in shifts_of(built, bogdan))


def test_the_named_preference_wins_over_the_last_visit(
    app, shifts, make_tech, make_job, make_asset, visited
):
    day = next_weekday()
    printer = make_asset()
    last, asked = make_tech(name="Last"), make_tech(name="Asked")
    visited(printer, last, day, NOW)
    again, named = make_job(), make_job()
    again.asset_id = named.asset_id = printer.id
    db.session.commit()
    name(named, "preferred", asked)
    jobs = {j.id: j for j in builder.build(day, 1, now=NOW).problem.jobs}
    built = builder.build(day, 1, now=NOW)
    assert [v for v, _w in jobs[again.id].preferred_vehicles] == shifts_of(built, last)
    assert [v for v, _w in jobs[named.id].preferred_vehicles] == shifts_of(built, asked)


def test_required_technicians_off_on_every_day_leave_the_job_unplannable(
    shifts, make_tech, make_job
):
    day = next_weekday()
    away, _other = make_tech(name="Away"), make_tech(name="Other")
    shifts.off |= {(away.id, day), (away.id, day + timedelta(days=1))}
    job = make_job()
    name(job, "required", away)
    built = builder.build(day, 2, now=NOW)
    assert built.problem.jobs == []
    (out,) = built.unplannable
    assert (out["ticket_id"], out["duration_min"]) == (job.id, 60)
    assert say(out["reason"]) == "none of the technicians it may have is working"
    with force_locale("ro"):
        assert say(out["reason"]) == "niciunul dintre tehnicienii pe care îi poate avea nu lucrează"


def test_the_engine_reasons_are_said_in_romanian(app):
    with app.test_request_context(), force_locale("ro"):
        assert in_language("none of the technicians it may have is working").startswith("niciunul")
        assert in_language("depends on job 12, which is not served") == (
            "vine după #12, care nu este planificat"
        )
        assert in_language("no room left after job 12, 14, which it depends on") == (
            "nu mai este loc după #12, #14, după care trebuie să vină"
        )


def test_a_follow_up_depends_on_its_parent_in_the_same_run(
    shifts, make_tech, make_job, make_ticket
):
    day = next_weekday()
    make_tech()
    parent = make_job()
    child, alone = make_job(), make_job()
    child.parent_id = parent.id
    remote = make_ticket()  # a parent that is no visit: no dependency
    alone.parent_id = remote.id
    db.session.commit()
    jobs = {j.id: j for j in builder.build(day, 1, now=NOW).problem.jobs}
    assert [d.id for d in jobs[child.id].depends_on] == [parent.id]
    assert jobs[alone.id].depends_on == ()
    assert jobs[parent.id].depends_on == ()


@pytest.mark.parametrize("parent_day, child_day", [(1, None), (0, 1)])
def test_a_follow_up_lands_after_its_parent_when_the_week_is_planned_day_by_day(
    planning_app, shifts, make_tech, make_job, make_user, parent_day, child_day
):
    """The parent can only be visited on the second day: the follow-up waits for it; or the
    parent is planned on the first day and the follow-up can only come on the second."""
    planning_app.config["PLANNING_SPLIT_ABOVE"] = 0  # day by day even for this small week
    day = next_weekday()
    make_tech()

    def on(k):
        start = datetime.combine(day + timedelta(days=k), time(10), UTC)
        return dict(appointment_start=start, appointment_end=start + timedelta(hours=2))

    parent = make_job(**on(parent_day))
    child = make_job(duration=30, **(on(child_day) if child_day is not None else {}))
    child.parent_id = parent.id
    db.session.commit()
    run = runs.start_run(make_user("dispatcher"), day, 2, time_limit=2, background=False)
    runs.execute(run.id)
    db.session.refresh(run)
    assert run.status == RunStatus.DONE, run.message
    visits = {v.ticket_id: v for v in run.visits}
    assert set(visits) == {parent.id, child.id}, run.result["unassigned"]
    assert visits[parent.id].day == day + timedelta(days=parent_day)
    assert visits[child.id].day == day + timedelta(days=child_day or parent_day)
    assert visits[child.id].planned_start >= visits[parent.id].planned_end
    assert check_solution(parse_problem(run.problem), run.result["plan"]) == []

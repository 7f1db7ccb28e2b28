"""The planning board runs as many SQL statements for a day of 40 visits as for a day of 3:
visits, their tickets, sites and technicians are loaded together, not one query each."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

from dispatch.extensions import db
from dispatch.planning.models import PlanRun, RunStatus, Visit
from tests.planning.fixtures import next_weekday
from tests.sql_count import statements


def _board(make_tech, make_job, make_site, technicians: int, visits: int) -> int:
    """A proposed plan for one day: ``visits`` visits spread over ``technicians`` technicians,
    each at its own site (the worst case for loading one by one)."""
    day = next_weekday()
    techs = [make_tech(name=f"Tech {technicians}-{k}") for k in range(technicians)]
    summary = {"visits": visits, "unassigned": 0, "travel_minutes": 0}
    result = {"routes": [], "unassigned": [], "summary": summary}
    run = PlanRun(first_day=day, days=1, status=RunStatus.DONE, result=result)
    for k in range(visits):
        site = make_site(timezone="UTC", opens_at=time(7), closes_at=time(19))
        job = make_job(site=site, subject=f"Job {visits}-{k}")
        start = datetime.combine(day, time(8), UTC) + timedelta(minutes=20 * (k // technicians))
        run.visits.append(
            Visit(
                ticket=job,
                technician=techs[k % technicians],
                day=day,
                planned_start=start,
                planned_end=start + timedelta(minutes=15),
                order=k // technicians + 1,
            )
        )
    db.session.add(run)
    db.session.commit()
    return run.id


def test_the_board_costs_the_same_with_few_and_many_visits(
    planning_app, shifts, client, auth, make_tech, make_job, make_site
):
    few = _board(make_tech, make_job, make_site, 2, 3)
    many = _board(make_tech, make_job, make_site, 10, 40)
    auth.login(role="dispatcher")
    counts = []
    for run_id, last in ((few, "Job 3-2"), (many, "Job 40-39")):
        with statements() as sent:
            response = client.get(f"/planning/runs/{run_id}")
        assert response.status_code == 200
        assert last in response.get_data(as_text=True)
        counts.append(len(sent))
    assert counts[0] == counts[1], counts

"""The service level in planning: the resolution due time is a deadline the planner ranks by,
and the board marks a visit that ends after it."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

from dispatch.planning import runs
from dispatch.planning.problem import deadline, engine_priority
from tests.planning.fixtures import next_weekday


def test_the_earlier_of_the_due_date_and_the_resolution_due_time_is_the_deadline(
    make_ticket, make_policy, now
):
    make_policy(name="Always", around_the_clock=True, resolution_minutes=120)
    now.at = datetime(2026, 12, 7, 9, tzinfo=UTC)
    ticket = make_ticket()
    assert deadline(ticket) == datetime(2026, 12, 7, 11, tzinfo=UTC)
    ticket.due_at = datetime(2026, 12, 7, 10, tzinfo=UTC)
    assert deadline(ticket) == ticket.due_at
    day_end = datetime(2026, 12, 7, 17, tzinfo=UTC)
    ticket.due_at = None
    bumped = engine_priority(ticket, day_end, day_end)
    ticket.sla_resolution_due = None
    assert bumped > engine_priority(ticket, day_end, day_end)


def test_the_board_marks_a_visit_that_ends_after_the_resolution_due_time(
    planning_app, shifts, auth, client, make_tech, make_job, make_site, make_policy, make_user
):
    make_tech()
    hurried = make_site(
        name="Hurried",
        timezone="UTC",
        opens_at=time(8),
        closes_at=time(17),
        open_weekdays="0123456",
    )
    make_policy(
        name="Within the hour",
        site_id=hurried.id,
        around_the_clock=True,
        first_response_minutes=30,
        resolution_minutes=60,
    )
    late = make_job(site=hurried, subject="Late job", duration=30)
    calm = make_job(subject="Calm job", duration=30)
    assert late.sla_resolution_due is not None and calm.sla_resolution_due is None
    run = runs.start_run(make_user("dispatcher"), next_weekday(), 1, background=False)
    runs.execute(run.id)
    auth.login(role="dispatcher")
    html = client.get(f"/planning/runs/{run.id}").data.decode()
    table = html.split('id="visits"', 1)[1]
    rows = {name: table.split(name, 1)[1].split("</tr>", 1)[0] for name in ("Late job", "Calm job")}
    assert "past its resolution target" in rows["Late job"]
    assert "past its resolution target" not in rows["Calm job"]
    assert late.sla_resolution_due < datetime.now(UTC) + timedelta(hours=2)

"""Preventive visits in the planner: their window of working days becomes time windows on the
site's hours of those days, and they rank below every reported failure until overdue."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

from dispatch.planning import problem as builder
from dispatch.planning.engine_reasons import say
from tests.planning.fixtures import next_weekday

NOW = datetime(2020, 1, 1, tzinfo=UTC)


def test_a_preventive_window_is_the_site_s_hours_of_its_days(shifts, make_tech, make_job):
    day = next_weekday()
    make_tech()
    begin = datetime.combine(day + timedelta(days=1), time(8), UTC)
    preventive = make_job(
        duration=60,
        priority="low",
        channel="plan",
        appointment_start=begin,
        appointment_end=begin + timedelta(days=1, hours=9),
    )
    reported = make_job(duration=60, priority="low")
    built = builder.build(day, 4, now=NOW)
    jobs = {j.id: j for j in built.problem.jobs}
    # Days two and three of the four, 08:00 to 17:00 less the hour of work; not the night.
    assert jobs[preventive.id].time_windows == (
        (32 * 3600, 40 * 3600),
        (56 * 3600, 64 * 3600),
    )
    assert jobs[preventive.id].priority == builder.PREVENTIVE_PRIORITY
    assert jobs[preventive.id].priority < jobs[reported.id].priority


def test_an_overdue_preventive_visit_ranks_as_its_priority_on_any_day(shifts, make_tech, make_job):
    day = next_weekday()
    make_tech()
    now = datetime.combine(day, time(0), UTC)
    ended = now - timedelta(days=1)
    make_job(
        duration=60,
        priority="normal",
        channel="plan",
        due_at=ended,
        appointment_start=now - timedelta(days=12),
        appointment_end=ended,
    )
    built = builder.build(day, 2, now=now)
    (job,) = built.problem.jobs
    # Its own priority, and its due date (the window's end) long past.
    assert job.priority == builder.PRIORITY_BASE["normal"] + builder.SLA_DUE_IN_FIRST_DAY
    assert len(job.time_windows) == 2


def test_a_window_outside_the_planned_days_is_said(shifts, make_tech, make_job):
    day = next_weekday()
    make_tech()
    begin = datetime.combine(day + timedelta(days=10), time(8), UTC)
    make_job(channel="plan", appointment_start=begin, appointment_end=begin + timedelta(days=5))
    built = builder.build(day, 2, now=NOW)
    assert built.problem.jobs == []
    assert (
        say(built.unplannable[0]["reason"]) == "its maintenance window is not on the planned days"
    )


def test_the_mixed_week_benchmark_ranks_jobs_as_the_app_does():
    from dispatch.routing.bench import mixed

    assert mixed.PRIORITY == builder.PRIORITY_BASE
    assert mixed.PREVENTIVE == builder.PREVENTIVE_PRIORITY
    assert mixed.DUE_FIRST_DAY == builder.SLA_DUE_IN_FIRST_DAY

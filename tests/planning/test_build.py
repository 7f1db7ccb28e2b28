"""Building the engine's problem from the database."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

from dispatch.planning import problem as builder
from dispatch.planning.engine_reasons import say
from dispatch.routing import dump_problem, parse_problem
from tests.planning.fixtures import next_weekday

NOW = datetime(2020, 1, 1, tzinfo=UTC)  # long before the planned days


def _day_start(day):
    return datetime.combine(day, time(0), UTC)


def test_windows_skills_priorities_and_lunch(shifts, make_tech, make_job, make_skill, make_site):
    day = next_weekday()
    ladder = make_skill("ladder")
    tech = make_tech(skills=[ladder])
    site = make_site(timezone="UTC", opens_at=time(9), closes_at=time(16), open_weekdays="0123456")
    plain = make_job(site=site, duration=30)
    narrow = make_job(
        site=site,
        duration=60,
        skills=[ladder],
        priority="urgent",
        access_from=time(10),
        access_until=time(12),
        due_at=_day_start(day) + timedelta(hours=20),
    )
    built = builder.build(day, 2, now=NOW)
    jobs = {j.id: j for j in built.problem.jobs}
    assert set(jobs) == {plain.id, narrow.id}
    # Service must start inside the window and finish before the site closes.
    assert jobs[plain.id].time_windows == (
        (9 * 3600, 16 * 3600 - 1800),
        (33 * 3600, 40 * 3600 - 1800),
    )
    assert jobs[narrow.id].time_windows[0] == (10 * 3600, 11 * 3600)
    assert jobs[narrow.id].skills == frozenset({ladder.id})
    assert jobs[narrow.id].priority > jobs[plain.id].priority
    expected = builder.PRIORITY_BASE["urgent"] + builder.SLA_DUE_IN_FIRST_DAY
    assert jobs[narrow.id].priority == expected
    assert jobs[plain.id].service == 1800
    vehicles = built.problem.vehicles
    assert len(vehicles) == 2  # one per technician per day
    assert {v["technician_id"] for v in built.vehicles.values()} == {tech.id}
    first = vehicles[0]
    assert first.time_window == (8 * 3600, 17 * 3600)
    assert first.skills == frozenset({ladder.id})
    lunch = first.breaks[0]
    assert lunch.service == 1800 and lunch.time_windows == ((12 * 3600, 14 * 3600 - 1800),)
    # The JSON form is valid VROOM input for the engine's own parser.
    again = parse_problem(dump_problem(built.problem))
    assert [j.time_windows for j in again.jobs] == [j.time_windows for j in built.problem.jobs]


def test_days_off_skipped_and_reported(shifts, make_tech, make_job):
    day = next_weekday()
    tech, other = make_tech(name="Ana Off"), make_tech()
    make_job()
    shifts.off.add((tech.id, day))
    built = builder.build(day, 1, now=NOW)
    assert [v["technician_id"] for v in built.vehicles.values()] == [other.id]
    assert any("Ana Off has no shift on" in say(note) for note in built.notes)


def test_jobs_without_location_or_window_are_listed(shifts, make_tech, make_job, make_site):
    day = next_weekday()
    make_tech()
    nowhere = make_job(site=make_site(latitude=None, longitude=None, open_weekdays="0123456"))
    closed = make_job(site=make_site(open_weekdays=""))
    short = make_job(duration=120, access_from=time(10), access_until=time(11))
    appointment = make_job(appointment_start=_day_start(day) + timedelta(days=9, hours=9))
    ok = make_job()
    built = builder.build(day, 1, now=NOW)
    assert [j.id for j in built.problem.jobs] == [ok.id]
    reasons = {u["ticket_id"]: say(u["reason"]) for u in built.unplannable}
    assert "no location" in reasons[nowhere.id]
    assert "closed" in reasons[closed.id]
    assert "shorter than the job" in reasons[short.id]
    assert "appointment" in reasons[appointment.id]


def test_appointment_window_and_pins(shifts, make_tech, make_job):
    day = next_weekday()
    tech = make_tech()
    start = _day_start(day) + timedelta(hours=13)
    booked = make_job(
        duration=30, appointment_start=start, appointment_end=start + timedelta(hours=1)
    )
    pinned = make_job()
    pin = builder.Pin(
        ticket_id=pinned.id,
        technician_id=tech.id,
        day=day,
        start=_day_start(day) + timedelta(hours=9),
    )
    built = builder.build(day, 1, now=NOW, pins=[pin])
    jobs = {j.id: j for j in built.problem.jobs}
    assert jobs[booked.id].time_windows == ((13 * 3600, 13 * 3600 + 1800),)
    steps = built.problem.vehicles[0].steps
    assert [(s.type, s.id, s.service_at) for s in steps] == [("job", pinned.id, 9 * 3600)]


def test_site_filter(shifts, make_tech, make_job, make_site):
    day = next_weekday()
    make_tech()
    here = make_site(city="Iasi", open_weekdays="0123456")
    there = make_site(open_weekdays="0123456")
    a, b = make_job(site=here), make_job(site=there)
    only_there = builder.build(day, 1, now=NOW, site_ids=[there.id])
    assert [j.id for j in only_there.problem.jobs] == [b.id]
    assert [j.id for j in builder.build(day, 1, now=NOW, region="Iasi").problem.jobs] == [a.id]


def test_the_service_level_due_time_is_the_jobs_soft_deadline(shifts, make_tech, make_job, app):
    day = next_weekday()
    make_tech()
    due = _day_start(day) + timedelta(hours=11)
    sla = make_job()
    sla.sla_resolution_due = due
    earlier = make_job(due_at=due - timedelta(hours=1))
    earlier.sla_resolution_due = due
    plain = make_job()
    app.config.update(PLANNING_LATE_BREACH_COST=900, PLANNING_LATE_COST_PER_MINUTE=120)
    jobs = {j.id: j for j in builder.build(day, 1, now=NOW).problem.jobs}
    assert jobs[sla.id].deadline.time == 11 * 3600
    assert (jobs[sla.id].deadline.breach, jobs[sla.id].deadline.per_minute) == (900, 120)
    # The dispatcher's own due date, when earlier, comes first.
    assert jobs[earlier.id].deadline.time == 10 * 3600
    assert jobs[plain.id].deadline is None
    # The engine's JSON carries it.
    again = parse_problem(dump_problem(builder.build(day, 1, now=NOW).problem))
    assert {j.id: j.deadline for j in again.jobs} == {k: j.deadline for k, j in jobs.items()}


def test_a_device_prefers_the_technician_who_last_visited_it(
    shifts, make_tech, make_job, make_asset, visited, app
):
    day = next_weekday()
    printer = make_asset()
    first, second = make_tech(name="First"), make_tech(name="Second")
    visited(printer, first, day, NOW)
    visited(printer, second, day, NOW + timedelta(days=1))
    again = make_job()
    again.asset_id = printer.id
    other = make_job()
    app.config.update(PLANNING_PREFERRED_WEIGHT=700)
    built = builder.build(day, 2, now=NOW)
    jobs = {j.id: j for j in built.problem.jobs}
    theirs = {v for v, facts in built.vehicles.items() if facts["technician_id"] == second.id}
    assert len(theirs) == 2  # each of their days
    assert jobs[again.id].preferred_vehicles == tuple((v, 700) for v in sorted(theirs))
    assert jobs[other.id].preferred_vehicles == ()


def test_overtime_is_off_unless_configured(shifts, make_tech, make_job, app):
    day = next_weekday()
    make_tech()
    make_job()
    assert all(v.overtime is None for v in builder.build(day, 1, now=NOW).problem.vehicles)
    app.config.update(PLANNING_OVERTIME_MAX_MINUTES=45, PLANNING_OVERTIME_COST_PER_MINUTE=90)
    built = builder.build(day, 1, now=NOW)
    (vehicle,) = built.problem.vehicles
    assert (vehicle.overtime.max, vehicle.overtime.per_minute) == (45 * 60, 90)
    assert vehicle.latest_end == vehicle.time_window[1] + 45 * 60
    # The engine's JSON carries it.
    again = parse_problem(dump_problem(built.problem))
    assert again.vehicles[0].overtime == vehicle.overtime

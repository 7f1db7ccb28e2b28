"""Making due visits: each occurrence once, ahead of time, with its window; retired assets stop
their plans; plans counted from the last visit done."""

from __future__ import annotations

import threading
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import func, select

from dispatch.extensions import db
from dispatch.maintenance.generate import generate, plan_assets
from dispatch.maintenance.models import MaintenanceOccurrence, MaintenancePlan, OccurrenceStatus
from dispatch.tickets.changes import set_status
from dispatch.tickets.models import Status, Ticket


def _occurrences():
    return list(
        db.session.scalars(select(MaintenanceOccurrence).order_by(MaintenanceOccurrence.due_on))
    )


def test_a_due_visit_becomes_an_onsite_ticket_lead_days_ahead_with_its_window(
    make_plan, make_asset, make_site, make_user
):
    site = make_site(open_weekdays="01234")
    printer = make_asset(tag="PR-0042", site=site, room="12")
    make_plan(
        asset_tag="PR-0042", checklist="Clean the rollers\nReplace the toner", duration_min=45
    )

    assert generate(date(2027, 1, 1)).made == 1  # the first date, 4 January, is in the lead
    (occurrence,) = _occurrences()
    assert occurrence.due_on == date(2027, 1, 4) and occurrence.asset_id == printer.id
    ticket = occurrence.ticket
    assert ticket.kind == "onsite" and ticket.status == Status.TO_SCHEDULE
    assert ticket.channel == "plan" and ticket.asset_id == printer.id and ticket.room == "12"
    assert ticket.duration_min == 45 and "Clean the rollers" in ticket.description
    # Ten working days from Monday 4 January in Bucharest (08:00–17:00): to Friday 15 January.
    assert ticket.appointment_start == datetime(2027, 1, 4, 6, 0, tzinfo=UTC)
    assert ticket.appointment_end == datetime(2027, 1, 15, 15, 0, tzinfo=UTC)
    assert occurrence.window_end == ticket.appointment_end
    # The next date (4 April) is beyond the lead time; a second run makes nothing new.
    report = generate(date(2027, 1, 2))
    assert report.made == 0 and len(_occurrences()) == 1
    assert generate(date(2027, 3, 22)).made == 1
    assert [o.due_on for o in _occurrences()] == [date(2027, 1, 4), date(2027, 4, 4)]


def test_a_type_plan_covers_the_type_s_assets_at_the_chosen_sites(
    make_plan, make_asset, make_asset_type, make_site
):
    printers, laptops = make_asset_type(name="Printer"), make_asset_type(name="Laptop")
    here, there = make_site(), make_site()
    make_asset(tag="PR-1", asset_type=printers, site=here)
    make_asset(tag="PR-2", asset_type=printers, site=here)
    make_asset(tag="PR-3", asset_type=printers, site=there)
    make_asset(tag="PR-4", asset_type=printers, site=here, status="retired")
    make_asset(tag="LT-1", asset_type=laptops, site=here)
    make_plan(asset_type_id=printers.id, site_ids=[here.id])

    assert generate(date(2027, 1, 1)).made == 2
    assert sorted(o.asset.tag for o in _occurrences()) == ["PR-1", "PR-2"]


def test_two_runs_at_once_make_each_visit_once(
    app, make_plan, make_asset, make_asset_type, make_site
):
    printers, site = make_asset_type(name="Printer"), make_site()
    for k in range(12):
        make_asset(tag=f"PR-{k:02d}", asset_type=printers, site=site)
    make_plan(asset_type_id=printers.id, rule="FREQ=WEEKLY", lead_days=21)
    db.session.remove()
    start, reports, failures = threading.Barrier(2), [], []

    def run():
        try:
            with app.app_context():
                start.wait()
                reports.append(generate(date(2027, 1, 1)))
                db.session.remove()
        except Exception as exc:  # pragma: no cover - shown by the assertion below
            failures.append(exc)

    threads = [threading.Thread(target=run) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert failures == []
    # 4, 11, 18 January (the 25th is past the 21 days of lead) for each of the 12 printers.
    made = sum(r.made for r in reports)
    assert made == 36 and sum(r.existing for r in reports) <= 36
    assert db.session.scalar(select(func.count()).select_from(MaintenanceOccurrence)) == 36
    assert db.session.scalar(select(func.count()).select_from(Ticket)) == 36


def test_a_retired_asset_stops_its_plans(make_plan, make_asset, make_site, make_user):
    printer = make_asset(tag="PR-7", site=make_site())
    plan = make_plan(asset_tag="PR-7")
    generate(date(2027, 1, 1))
    printer.status = "retired"
    db.session.commit()

    report = generate(date(2027, 1, 2))
    assert report.skipped == 1 and report.stopped_plans == 1
    (occurrence,) = _occurrences()
    assert (
        occurrence.status == OccurrenceStatus.SKIPPED and occurrence.skip_reason == "asset retired"
    )
    assert occurrence.ticket.status == Status.CLOSED
    db.session.refresh(plan)
    assert plan.active is False
    assert generate(date(2027, 3, 25)).made == 0


def test_from_the_last_visit_done_the_next_date_counts_from_that_visit(
    make_plan, make_asset, make_site, make_user
):
    make_asset(tag="UPS-1", site=make_site())
    make_plan(
        asset_tag="UPS-1",
        rule="FREQ=MONTHLY;INTERVAL=6",
        from_last_done=True,
        starts_on=date(2027, 1, 4),
        lead_days=7,
    )
    generate(date(2027, 1, 1))
    (first,) = _occurrences()
    assert first.due_on == date(2027, 1, 4)
    # Not done yet: nothing more, however late it gets.
    assert generate(date(2027, 8, 1)).made == 0
    set_status(first.ticket, None, Status.RESOLVED)
    first.ticket.resolved_at = datetime.combine(date(2027, 2, 10), time(10), UTC)
    db.session.commit()
    assert generate(date(2027, 8, 1)).made == 0  # 10 August is beyond the 7 days of lead
    assert generate(date(2027, 8, 3)).made == 1
    assert [o.due_on for o in _occurrences()] == [date(2027, 1, 4), date(2027, 8, 10)]


def test_a_missed_run_still_makes_a_visit_whose_window_is_open(make_plan, make_asset, make_site):
    make_asset(tag="PR-9", site=make_site())
    make_plan(asset_tag="PR-9", lead_days=0)
    assert generate(date(2027, 1, 4) + timedelta(days=3)).made == 1


def test_the_demo_s_plans_make_their_visits_once_they_fall_due(app):
    from dispatch import demo

    today = date(2030, 1, 7)
    demo.load(today)
    demo.load(today)  # twice: nothing more
    plans = db.session.scalars(select(MaintenancePlan).order_by(MaintenancePlan.name)).all()
    assert [p.name for p in plans] == ["Quarterly printer service", "UPS battery check"]
    assert generate(today).made == 0  # the first visits are a month away
    report = generate(today + timedelta(days=20))
    printers = plan_assets(plans[0])
    assert report.made == len(printers) + len(plan_assets(plans[1])) and printers

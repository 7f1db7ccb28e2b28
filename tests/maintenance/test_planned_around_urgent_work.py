"""End to end: a quarterly plan on a site's printers makes its visits once, and the planner
fits them around the week's urgent work, each inside its window."""

from __future__ import annotations

from datetime import time, timedelta

from sqlalchemy import select

from dispatch.extensions import db
from dispatch.maintenance.generate import generate
from dispatch.maintenance.models import MaintenanceOccurrence
from dispatch.planning import runs
from dispatch.planning.models import PlanRun
from tests.planning.fixtures import next_weekday


def test_a_quarterly_plan_s_visits_are_planned_around_urgent_work(
    planning_app, shifts, make_tech, make_job, make_user, make_site, make_asset,
    make_asset_type, make_plan,
):  # fmt: skip
    monday = next_weekday()
    while monday.weekday() != 0:
        monday = next_weekday(monday)
    site = make_site(timezone="UTC", opens_at=time(8), closes_at=time(17), open_weekdays="01234")
    printers = make_asset_type(name="Printer")
    for k in range(4):
        make_asset(tag=f"PR-{k}", asset_type=printers, site=site, room=f"{k}")
    make_plan(asset_type_id=printers.id, site_ids=[site.id], rule="FREQ=MONTHLY;INTERVAL=3",
              starts_on=monday, lead_days=7, window_days=5, duration_min=120)  # fmt: skip
    assert generate(monday - timedelta(days=3)).made == 4
    assert generate(monday - timedelta(days=2)).made == 0  # once, however often it runs
    make_tech()
    # One technician's Monday is eight hours: three urgent jobs of two hours each take most of it.
    urgent = [make_job(site=site, duration=120, priority="urgent") for _ in range(3)]
    run = runs.start_run(make_user("dispatcher"), monday, 5, background=False)
    runs.execute(run.id)
    db.session.expire_all()
    run = db.session.get(PlanRun, run.id)
    planned = {v.ticket_id: v for v in run.visits}
    assert all(job.id in planned for job in urgent)
    assert all(planned[job.id].day == monday for job in urgent)  # urgent work first
    for occurrence in db.session.scalars(select(MaintenanceOccurrence)):
        visit = planned[occurrence.ticket_id]  # every preventive visit is planned …
        assert occurrence.window_start <= visit.planned_start  # … inside its window
        assert visit.planned_end <= occurrence.window_end

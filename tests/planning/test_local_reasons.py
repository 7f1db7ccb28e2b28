"""The engine's reasons for unplanned jobs are shown in the site's local time."""

from __future__ import annotations

from datetime import UTC, datetime, time
from zoneinfo import ZoneInfo

from dispatch.extensions import db
from dispatch.planning import runs
from dispatch.planning.engine_reasons import say
from dispatch.planning.local_reasons import local_reason
from dispatch.planning.models import PlanRun
from tests.planning.fixtures import next_weekday

BUCHAREST = ZoneInfo("Europe/Bucharest")


def test_unreachable_window_is_in_the_sites_time(
    planning_app, shifts, make_tech, make_job, make_site, make_user
):
    day = next_weekday()
    make_tech()
    shifts.hours = (time(17), time(20))  # UTC: 19:00–22:00 in Bucharest, after the site closes
    site = make_site(
        timezone="Europe/Bucharest",
        opens_at=time(8),
        closes_at=time(16, 30),
        open_weekdays="0123456",
    )
    job = make_job(site=site, duration=60)
    run = runs.start_run(make_user("dispatcher"), day, 1, background=False)
    runs.execute(run.id)
    db.session.expire_all()
    run = db.session.get(PlanRun, run.id)
    reason = next(say(u["reason"]) for u in run.result["unassigned"] if u["ticket_id"] == job.id)
    # The visit may start 08:00–15:30 local (it must finish by 16:30), not 06:00–13:30 UTC.
    assert "08:00–15:30" in reason and "06:00" not in reason


def test_local_reason_days_windows_and_other_text():
    epoch = datetime(2026, 11, 30, tzinfo=UTC)
    text = (
        "pinned on technician 12: windows 06:00–13:30, day 2 06:00–13:30, "
        "day 3 22:30–day 4 05:00 unreachable from that shift (1h30 on site)"
    )
    assert local_reason(text, epoch, BUCHAREST) == (
        "pinned on technician 12: windows 08:00–15:30, day 2 08:00–15:30, "
        "day 4 00:30–07:00 unreachable from that shift (1h30 on site)"
    )
    assert local_reason("window from 06:00:30", epoch, BUCHAREST) == "window from 08:00:30"
    assert local_reason("window 06:00–14:30", epoch, ZoneInfo("UTC")) == "window 06:00–14:30"
    # West of UTC an early window falls on the day before the first planned day: give the date.
    assert local_reason("window 02:00–03:00", epoch, ZoneInfo("America/New_York")) == (
        "window 2026-11-29 21:00–22:00"
    )
    assert local_reason("no technician has skills [3]", epoch, BUCHAREST) == (
        "no technician has skills [3]"
    )


def test_local_reason_across_daylight_saving_change():
    # Bucharest leaves summer time on Sunday 2026-10-25: 06:00 UTC is 09:00, then 08:00.
    epoch = datetime(2026, 10, 24, tzinfo=UTC)
    assert local_reason("windows 06:00–13:30, day 3 06:00–13:30", epoch, BUCHAREST) == (
        "windows 09:00–16:30, day 3 08:00–15:30"
    )

"""The board through HTTP: permissions, CSRF, the run's progress, drag and drop on the timeline."""

from __future__ import annotations

import json
import re
from datetime import UTC, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from dispatch.extensions import db
from dispatch.planning import runs, services
from dispatch.planning.models import PlanRun, RunStatus, Visit
from tests.planning.fixtures import next_weekday, wait_for


def test_board_flow_through_http(planning_app, shifts, auth, client, make_tech, make_job):
    make_tech()
    make_job(duration=30)
    auth.login(role="dispatcher")
    page = client.get("/planning/")
    assert page.status_code == 200 and b"Re-plan today" in page.data
    day = next_weekday()
    response = client.post(
        "/planning/", data={"day": day.isoformat(), "days": "1", "time_limit": "1"}
    )
    assert response.status_code == 302
    run_id = int(response.headers["Location"].rstrip("/").split("/")[-1])
    status = client.get(f"/planning/runs/{run_id}/status.json").get_json()
    assert status["status"] in ("queued", "running", "done") and 0 <= status["progress"] <= 100
    assert status["status_label"] in ("queued", "running", "proposed")  # words for the badge
    assert wait_for(run_id).status == RunStatus.DONE
    board = client.get(f"/planning/runs/{run_id}")
    assert board.status_code == 200
    html = board.data.decode()
    assert "planning-board.js" in html and "/vendor/leaflet/leaflet.js" in html
    assert "<script>" not in html  # CSP: no inline scripts
    assert client.get(f"/planning/runs/{run_id}/status.json").get_json()["progress"] == 100
    published = client.post(f"/planning/runs/{run_id}/publish")
    assert published.status_code == 302
    assert db.session.get(PlanRun, run_id).status == RunStatus.PUBLISHED
    # Planning a past day is refused with the reason next to the date.
    past = client.post("/planning/", data={"day": "2001-01-01", "days": "1"})
    assert past.status_code == 400 and b"in the past" in past.data


def test_second_dispatcher_is_told(planning_app, shifts, auth, client, make_tech, make_user):
    make_tech()
    day = next_weekday()
    runs.start_run(make_user("dispatcher", name="Ana First"), day, 1, background=False)
    auth.login(role="dispatcher")
    response = client.post("/planning/", data={"day": day.isoformat(), "days": "1"})
    assert response.status_code == 400 and b"Ana First is already planning" in response.data


@pytest.mark.parametrize("role", ["employee", "agent", "technician"])
def test_board_is_404_for_other_roles(planning_app, auth, client, role):
    auth.login(role=role)
    assert client.get("/planning/").status_code == 404
    assert client.get("/planning/runs/1/status.json").status_code == 404


# ---- The board's timeline: drag and drop through the move endpoint (JSON) -------------------

JSON = {"Accept": "application/json"}


def _proposal(make_tech, make_job, make_user, n=2, **job):
    """A proposed (not published) one-day plan for two technicians, the first with the jobs."""
    day = next_weekday()
    first, second = make_tech(name="Ana Tech"), make_tech(name="Bob Tech")
    jobs = [make_job(duration=30, **job) for _ in range(n)]
    run = runs.start_run(make_user("dispatcher"), day, 1, background=False)
    runs.execute(run.id)
    db.session.expire_all()
    return day, first, second, jobs, db.session.get(PlanRun, run.id)


def test_board_has_a_row_for_every_working_technician(
    planning_app, shifts, auth, client, make_tech, make_job, make_user
):
    idle = make_tech(name="Idle Ida")
    day, first, second, jobs, run = _proposal(make_tech, make_job, make_user)
    auth.login(role="dispatcher")
    html = client.get(f"/planning/runs/{run.id}").data.decode()
    # Everyone who works that day is a drop target, with or without visits.
    for tech in (idle, first, second):
        assert re.search(rf'class="tl-track" data-technician="{tech.id}"\s+data-day="{day}"', html)
    assert html.count('class="tl-visit') == len(run.visits) == 2
    assert 'data-move-url="/planning/runs/' in html and 'data-csrf="' in html
    assert "Idle Ida" in html and 'id="map-legend"' in html
    assert "<script>" not in html


def test_drop_moves_and_pins_on_the_technician_s_clock(
    planning_app, shifts, auth, client, make_tech, make_job, make_user, make_site
):
    # The site is in Bucharest (UTC+2 in winter, +3 in summer); the rows are on the
    # technicians' clock (UTC here): 09:00 on the row is 09:00 UTC whatever the site's offset.
    site = make_site(
        timezone="Europe/Bucharest", opens_at=time(6), closes_at=time(20), open_weekdays="0123456"
    )
    day, first, second, jobs, run = _proposal(make_tech, make_job, make_user, site=site)
    visit = run.visits[0]
    auth.login(role="dispatcher")
    response = client.post(
        f"/planning/runs/{run.id}/visits/{visit.id}/move",
        headers=JSON,
        data={
            "technician": second.id,
            "day": day.isoformat(),
            "start": "09:00",
            "clock": "technician",
        },
    )
    assert response.status_code == 200, response.data
    body = response.get_json()
    assert body["visit"] == visit.id and "Moved and pinned" in body["message"]
    # The refreshed parts of the board: the block now sits on the other technician's row.
    track = re.split(rf'class="tl-track" data-technician="{second.id}"', body["timeline"])[1]
    assert f'id="block-{visit.id}"' in track.split('class="tl-row"')[0]
    assert "is-pinned" in body["timeline"] and f'id="visit-{visit.id}"' in body["visits"]
    assert {s["id"] for s in body["map"]["stops"]} == {v.id for v in run.visits}
    db.session.expire_all()
    moved = db.session.get(Visit, visit.id)
    assert (moved.technician_id, moved.pinned) == (second.id, True)
    assert moved.planned_start.astimezone(UTC).time() == time(9)
    # The Move form (site clock) still works without the script: 12:00 in Bucharest.
    response = client.post(
        f"/planning/runs/{run.id}/visits/{visit.id}/move",
        data={"technician": first.id, "day": day.isoformat(), "start": "12:00"},
    )
    assert response.status_code == 302
    db.session.expire_all()
    moved = db.session.get(Visit, visit.id)
    assert moved.technician_id == first.id
    assert moved.planned_start.astimezone(ZoneInfo("Europe/Bucharest")).time() == time(12)


def test_refused_drops_answer_with_the_reason(
    planning_app, shifts, auth, client, make_tech, make_job, make_user
):
    day, first, second, jobs, run = _proposal(make_tech, make_job, make_user)
    visit = run.visits[0]
    before = (visit.technician_id, visit.planned_start, visit.pinned)
    url = f"/planning/runs/{run.id}/visits/{visit.id}/move"
    auth.login(role="dispatcher")
    shifts.off.add((second.id, day))

    def drop(**data):
        fields = {
            "technician": second.id,
            "day": day.isoformat(),
            "start": "10:00",
            "clock": "technician",
            **data,
        }
        return client.post(url, headers=JSON, data=fields)

    refused = drop()
    assert refused.status_code == 400
    assert (
        refused.get_json()["error"] == f"Bob Tech has no shift on {day:%B} {day.day}, {day.year}."
    )
    outside = drop(day=(day + timedelta(days=3)).isoformat(), technician=first.id)
    assert outside.status_code == 400 and "Choose a day of this plan" in outside.get_json()["error"]
    incomplete = drop(start="")
    assert incomplete.status_code == 400 and "Check the move" in incomplete.get_json()["error"]
    strange = drop(clock="moon", technician=first.id)
    assert strange.status_code == 400
    missing = client.post(
        f"/planning/runs/{run.id}/visits/999999/move",
        headers=JSON,
        data={"technician": first.id, "day": day.isoformat(), "start": "10:00"},
    )
    assert missing.status_code == 404 and missing.get_json()["error"]
    db.session.expire_all()
    again = db.session.get(Visit, visit.id)
    assert (again.technician_id, again.planned_start, again.pinned) == before
    # A published plan cannot be changed any more.
    services.publish(db.session.get(PlanRun, run.id), make_user("dispatcher"))
    late = drop(technician=first.id)
    assert late.status_code == 409 and "Only a proposed plan" in late.get_json()["error"]


def _seen(html: str, visit_id: int) -> str:
    """The stamp the board gives a visit's block (what a drop sends back)."""
    return re.search(rf'id="block-{visit_id}"[^>]*?data-seen="([^"]+)"', html, re.S).group(1)


def test_a_move_on_a_board_someone_changed_is_refused(
    planning_app, shifts, auth, client, make_tech, make_job, make_user
):
    day, first, second, jobs, run = _proposal(make_tech, make_job, make_user)
    visit = run.visits[0]
    url = f"/planning/runs/{run.id}/visits/{visit.id}/move"
    auth.login(role="dispatcher")
    seen = _seen(client.get(f"/planning/runs/{run.id}").data.decode(), visit.id)
    # Another dispatcher moves the visit after this board was drawn.
    services.move_visit(run, visit.id, second.id, day, time(10), seen=seen)
    db.session.expire_all()
    theirs = db.session.get(Visit, visit.id).stamp
    assert theirs != seen

    def drop(stamp, **extra):
        return client.post(
            url,
            headers=JSON,
            data={
                "technician": first.id,
                "day": day.isoformat(),
                "start": "11:00",
                "clock": "technician",
                "seen": stamp,
                **extra,
            },
        )

    refused = drop(seen)
    assert refused.status_code == 409
    body = refused.get_json()
    assert "Someone else moved this visit meanwhile" in body["error"]
    # The answer carries the board as it is now: the block on the other dispatcher's row.
    track = re.split(rf'class="tl-track" data-technician="{second.id}"', body["timeline"])[1]
    assert f'id="block-{visit.id}"' in track.split('class="tl-row"')[0]
    assert _seen(body["timeline"], visit.id) == theirs
    db.session.expire_all()
    assert db.session.get(Visit, visit.id).stamp == theirs  # theirs stands
    # The Move form without the script: the same refusal, said on the board.
    form = client.post(
        url,
        data={"technician": first.id, "day": day.isoformat(), "start": "11:00", "seen": seen},
        follow_redirects=True,
    )
    assert "Someone else moved this visit meanwhile" in form.data.decode()
    db.session.expire_all()
    assert db.session.get(Visit, visit.id).stamp == theirs
    # From the refreshed board the move goes through.
    moved = drop(theirs)
    assert moved.status_code == 200, moved.data
    db.session.expire_all()
    assert db.session.get(Visit, visit.id).technician_id == first.id
    # Removed by someone else meanwhile: this board's drop is told so, nothing else changes.
    services.remove_visit(db.session.get(PlanRun, run.id), visit.id)
    gone = drop(_seen(moved.get_json()["timeline"], visit.id))
    assert gone.status_code == 404 and gone.get_json()["error"] == "No such visit in this plan."


@pytest.mark.parametrize("role", ["employee", "agent", "technician"])
def test_only_dispatchers_move_visits(
    planning_app, shifts, auth, client, make_tech, make_job, make_user, role
):
    day, first, second, jobs, run = _proposal(make_tech, make_job, make_user, n=1)
    (visit,) = run.visits
    before = (visit.technician_id, visit.planned_start, visit.pinned)
    auth.login(role=role)
    response = client.post(
        f"/planning/runs/{run.id}/visits/{visit.id}/move",
        headers=JSON,
        data={"technician": second.id, "day": day.isoformat(), "start": "10:00"},
    )
    assert response.status_code == 404
    db.session.expire_all()  # read the row again: the identity map would answer with itself
    again = db.session.get(Visit, visit.id)
    assert (again.technician_id, again.planned_start, again.pinned) == before


def test_drop_needs_the_csrf_token(
    planning_app, shifts, auth, client, make_tech, make_job, make_user
):
    day, first, second, jobs, run = _proposal(make_tech, make_job, make_user, n=1)
    (visit,) = run.visits
    auth.login(role="dispatcher")
    page = client.get(f"/planning/runs/{run.id}").data.decode()
    token = re.search(r'data-csrf="([^"]+)"', page).group(1)
    planning_app.config["WTF_CSRF_ENABLED"] = True
    url = f"/planning/runs/{run.id}/visits/{visit.id}/move"
    data = {
        "technician": second.id,
        "day": day.isoformat(),
        "start": "10:00",
        "clock": "technician",
    }
    refused = client.post(url, headers=JSON, data=data)
    assert refused.status_code == 400 and "expired" in refused.get_json()["error"]
    db.session.expire_all()
    assert db.session.get(Visit, visit.id).technician_id == first.id
    accepted = client.post(
        url, headers={**JSON, "X-CSRFToken": token}, data={**data, "csrf_token": token}
    )
    assert accepted.status_code == 200, accepted.data
    db.session.expire_all()
    assert db.session.get(Visit, visit.id).technician_id == second.id


def test_board_links_jobs_without_a_location_to_the_site_map(
    planning_app, shifts, auth, client, make_tech, make_job, make_site
):
    make_tech()
    nowhere = make_site(
        name="Iasi <Branch>", latitude=None, longitude=None, timezone="UTC", open_weekdays="0123456"
    )
    make_job(site=nowhere, subject="Projector is dark")
    make_job(duration=30)
    dispatcher = auth.login(role="dispatcher")
    run = runs.start_run(dispatcher, next_weekday(), 1, background=False)
    runs.execute(run.id)
    html = client.get(f"/planning/runs/{run.id}").data.decode()
    assert 'id="missing-locations"' in html and "needs a location" in html
    assert f'href="/sites/{nowhere.id}/location"' in html
    assert "Iasi &lt;Branch&gt;" in html and "Iasi <Branch>" not in html
    # Every stop on the map links to where its point is corrected.
    data = json.loads(re.search(r'id="map-data">(.*?)</script>', html, re.S).group(1))
    assert all(stop["fix_url"].startswith("/sites/") for stop in data["stops"])


def test_week_board_has_a_day_filter_and_no_row_for_a_day_off(
    planning_app, shifts, auth, client, make_tech, make_job, make_user
):
    day = next_weekday()
    off, on = make_tech(name="Off Olga"), make_tech(name="On Otto")
    shifts.off.add((off.id, day + timedelta(days=1)))
    make_job(duration=30)
    run = runs.start_run(make_user("dispatcher"), day, 2, background=False)
    runs.execute(run.id)
    auth.login(role="dispatcher")
    html = client.get(f"/planning/runs/{run.id}").data.decode()
    assert 'id="day-filter"' in html
    second = (day + timedelta(days=1)).isoformat()
    assert re.search(rf'data-technician="{on.id}"\s+data-day="{second}"', html)
    assert not re.search(rf'data-technician="{off.id}"\s+data-day="{second}"', html)


@pytest.mark.parametrize("day", ["9999-12-31", "0001-01-01"])
def test_drop_on_a_day_far_outside_the_plan_is_refused_not_a_crash(
    planning_app, shifts, auth, client, make_tech, make_job, make_user, make_site, day
):
    # The timeline's clock is converted to the site's: at the ends of the calendar that
    # conversion overflows. The day must be checked against the plan first (a clear 400).
    site = make_site(
        timezone="Europe/Bucharest", opens_at=time(6), closes_at=time(20), open_weekdays="0123456"
    )
    _day, first, second, jobs, run = _proposal(make_tech, make_job, make_user, n=1, site=site)
    (visit,) = run.visits
    auth.login(role="dispatcher")
    for start in ("23:45", "00:00"):
        response = client.post(
            f"/planning/runs/{run.id}/visits/{visit.id}/move",
            headers=JSON,
            data={"technician": second.id, "day": day, "start": start, "clock": "technician"},
        )
        assert response.status_code == 400, response.data
        assert "Choose a day of this plan" in response.get_json()["error"]

"""The technician's day through HTTP: permissions, CSRF, status flow, calendar."""

from __future__ import annotations

import re

import pytest
from icalendar import Calendar

from dispatch.extensions import db
from dispatch.planning import runs, services
from dispatch.planning.models import PlanRun, Visit, VisitStatus
from dispatch.tickets.models import Ticket
from tests.planning.fixtures import next_weekday


def _published(make_tech, make_job, make_user, n=2):
    day = next_weekday()
    tech = make_tech()
    jobs = [make_job(duration=30, room="Room 12", building="B2") for _ in range(n)]
    boss = make_user("dispatcher")
    run = runs.start_run(boss, day, 1, background=False)
    runs.execute(run.id)
    db.session.expire_all()
    run = db.session.get(PlanRun, run.id)
    services.publish(run, boss)
    return day, tech, jobs, run


@pytest.mark.parametrize("role", ["employee", "agent", "dispatcher", "admin"])
def test_my_day_is_404_for_other_roles(planning_app, auth, client, role):
    auth.login(role=role)
    assert client.get("/my-day/").status_code == 404


def test_my_day_status_flow_updates_ticket_and_board(
    planning_app, shifts, auth, client, make_tech, make_job, make_user
):
    day, tech, jobs, run = _published(make_tech, make_job, make_user)
    auth.login(tech)
    page = client.get(f"/my-day/?day={day.isoformat()}")
    html = page.data.decode()
    assert page.status_code == 200 and "Room 12" in html and "geo:" in html
    assert "openstreetmap.org/?mlat=" in html
    assert "2 visits were planned for you" in html  # the publication's notification
    assert 'data-state="published">planned</span>' in html  # the state in words
    visit = sorted(run.visits, key=lambda v: v.order)[0]
    ticket_id = visit.ticket_id
    for action in ("en_route", "arrived"):
        assert client.post(f"/my-day/visits/{visit.id}/{action}").status_code == 302
    db.session.expire_all()
    assert db.session.get(Ticket, ticket_id).status == "in_progress"
    # Done needs the time spent.
    client.post(f"/my-day/visits/{visit.id}/done", data={"notes": "Replaced the fuser."})
    assert db.session.get(Visit, visit.id).status == VisitStatus.ARRIVED
    client.post(
        f"/my-day/visits/{visit.id}/done", data={"notes": "Replaced the fuser.", "time_spent": "40"}
    )
    db.session.expire_all()
    done = db.session.get(Visit, visit.id)
    assert done.status == VisitStatus.DONE and done.time_spent_min == 40
    ticket = db.session.get(Ticket, ticket_id)
    assert ticket.status == "resolved"
    visit_events = [e.data["status"] for e in ticket.events if e.type == "visit"]
    assert visit_events[-3:] == ["en_route", "arrived", "done"]
    again = client.get(f"/my-day/?day={day.isoformat()}").data.decode()
    assert 'data-state="done">done</span>' in again
    # The dispatcher's board sees it at once.
    auth.logout()
    auth.login(role="dispatcher")
    state = client.get(f"/planning/runs/{run.id}/status.json").get_json()
    assert state["visits"][str(visit.id)] == "done"
    # The ticket's history shows the visit's events.
    assert client.get(f"/desk/tickets/{ticket_id}").status_code == 200


def test_technician_cannot_touch_another_s_visit(
    planning_app, shifts, auth, client, make_tech, make_job, make_user
):
    day, tech, jobs, run = _published(make_tech, make_job, make_user, n=1)
    (visit,) = run.visits
    auth.login(make_tech())
    assert client.post(f"/my-day/visits/{visit.id}/arrived").status_code == 404
    assert db.session.get(Visit, visit.id).status == VisitStatus.PUBLISHED


def test_csrf_is_required(planning_app, shifts, auth, client, make_tech, make_job, make_user):
    day, tech, jobs, run = _published(make_tech, make_job, make_user, n=1)
    (visit,) = run.visits
    auth.login(tech)
    planning_app.config["WTF_CSRF_ENABLED"] = True
    assert client.post(f"/my-day/visits/{visit.id}/en_route").status_code == 400
    assert db.session.get(Visit, visit.id).status == VisitStatus.PUBLISHED
    page = client.get("/my-day/", query_string={"day": day.isoformat()}).data.decode()
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    assert (
        client.post(f"/my-day/visits/{visit.id}/en_route", data={"csrf_token": token}).status_code
        == 302
    )
    db.session.expire_all()
    assert db.session.get(Visit, visit.id).status == VisitStatus.EN_ROUTE
    # The board's forms refuse a missing token too.
    planning_app.config["WTF_CSRF_ENABLED"] = False
    auth.logout()
    auth.login(role="dispatcher")
    planning_app.config["WTF_CSRF_ENABLED"] = True
    assert client.post("/planning/", data={"day": day.isoformat(), "days": "1"}).status_code == 400
    assert db.session.scalar(db.select(db.func.count(PlanRun.id))) == 1


def test_calendar_feed(planning_app, shifts, auth, client, make_tech, make_job, make_user):
    day, tech, jobs, run = _published(make_tech, make_job, make_user)
    auth.login(tech)
    response = client.post("/my-day/calendar")
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    assert response.headers["Referrer-Policy"] == "no-referrer"
    url = re.search(
        r"(http://localhost/my-day/calendar/[A-Za-z0-9_\-]+\.ics)", response.data.decode()
    ).group(1)
    with client.session_transaction() as session:  # the session cookie never carries it
        assert url.rsplit("/", 1)[1].removesuffix(".ics") not in repr(dict(session))
    auth.logout()
    feed = client.get(url)
    assert feed.status_code == 200 and feed.mimetype == "text/calendar"
    calendar = Calendar.from_ical(feed.data)
    events = calendar.walk("VEVENT")
    assert len(events) == 2
    assert {str(e["summary"]).split()[1].rstrip(":") for e in events} == {t.number for t in jobs}
    assert all(e.decoded("dtstart").date() == day for e in events)
    assert client.get("/my-day/calendar/not-the-token.ics").status_code == 404
    auth.login(tech)
    client.post("/my-day/calendar/revoke")
    auth.logout()
    assert client.get(url).status_code == 404


@pytest.mark.parametrize("change", ["deactivated", "now an agent", "now a dispatcher"])
def test_the_feed_checks_its_owner_on_every_request(
    planning_app, shifts, auth, client, make_tech, make_job, make_user, change
):
    from dispatch.my_day.calendar import new_feed_token

    _day, tech, _jobs, _run = _published(make_tech, make_job, make_user)
    url = f"/my-day/calendar/{new_feed_token(tech)}.ics"
    assert client.get(url).status_code == 200
    if change == "deactivated":
        tech.set_active(False)
    else:
        tech.role = change.split()[-1]
    db.session.commit()
    assert client.get(url).status_code == 404
    if change == "deactivated":
        tech.set_active(True)
    else:
        tech.role = "technician"
    db.session.commit()
    assert client.get(url).status_code == 200  # the same address, while it is not revoked

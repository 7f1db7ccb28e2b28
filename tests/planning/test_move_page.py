"""The board's visits list draws little per visit: Pin and Remove belong to one form, the Move
form is drawn once (a template the board's script fills in); without a script, Move leads to
the visit's own page with the form filled in, which moves it like the board does."""

from __future__ import annotations

import re
from datetime import time
from zoneinfo import ZoneInfo

import pytest

from dispatch.extensions import db
from dispatch.planning import runs
from dispatch.planning.models import PlanRun, RunStatus, Visit
from tests.planning.fixtures import next_weekday


def _proposal(make_tech, make_job, make_user, jobs: int = 3):
    day = next_weekday()
    first, second = make_tech(name="Ana Tech"), make_tech(name="Bob <Tech>")
    for _ in range(jobs):
        make_job(duration=30)
    run = runs.start_run(make_user("dispatcher"), day, 1, background=False)
    runs.execute(run.id)
    db.session.expire_all()
    return day, first, second, db.session.get(PlanRun, run.id)


def test_the_board_draws_the_technicians_once_not_once_per_visit(
    planning_app, shifts, auth, client, make_tech, make_job, make_user
):
    day, first, second, run = _proposal(make_tech, make_job, make_user)
    assert len(run.visits) == 3
    auth.login(role="dispatcher")
    planning_app.config["WTF_CSRF_ENABLED"] = True  # the forms carry their tokens
    html = client.get(f"/planning/runs/{run.id}").data.decode()
    template = re.search(r'<template id="move-template">(.*?)</template>', html, re.S).group(1)
    # Every technician once, in the one template; none in the rows.
    assert html.count(f'<option value="{second.id}"') == 1
    assert f'<option value="{second.id}">Bob &lt;Tech&gt;</option>' in template
    assert 'name="csrf_token"' in template and 'class="move-form' in template
    assert html.count('class="move-form') == 1
    for visit in run.visits:
        row = re.search(rf'<tr id="visit-{visit.id}".*?</tr>', html, re.S).group(0)
        base = f"/planning/runs/{run.id}/visits/{visit.id}"
        assert f'form="visit-action" formaction="{base}/pin"' in row
        assert f'form="visit-action" formaction="{base}/remove"' in row
        assert f'data-move-url="{base}/move"' in row and f'data-seen="{visit.stamp}"' in row
        assert f'href="{base}/move"' in row  # the way without a script
    # The one form the buttons send carries the CSRF token.
    assert re.search(r'<form id="visit-action" method="post"[^>]*><input[^>]*csrf_token', html)


def test_pin_and_remove_through_the_shared_form(
    planning_app, shifts, auth, client, make_tech, make_job, make_user
):
    day, first, second, run = _proposal(make_tech, make_job, make_user, jobs=2)
    pinned, removed = run.visits
    auth.login(role="dispatcher")
    base = f"/planning/runs/{run.id}/visits"
    assert client.post(f"{base}/{pinned.id}/pin", data={"pinned": "1"}).status_code == 302
    assert client.post(f"{base}/{removed.id}/remove").status_code == 302
    db.session.expire_all()
    assert db.session.get(Visit, pinned.id).pinned is True
    assert db.session.get(Visit, removed.id) is None or (
        db.session.get(Visit, removed.id).plan_run_id != run.id
    )


def test_the_move_page_moves_without_a_script(
    planning_app, shifts, auth, client, make_tech, make_job, make_user
):
    day, first, second, run = _proposal(make_tech, make_job, make_user, jobs=1)
    (visit,) = run.visits
    auth.login(role="dispatcher")
    url = f"/planning/runs/{run.id}/visits/{visit.id}/move"
    page = client.get(url)
    assert page.status_code == 200
    html = page.data.decode()
    form = re.search(r'<form method="post" action="([^"]+)" class="move-form.*?</form>', html, re.S)
    assert form.group(1) == url
    assert f'<option value="{visit.technician_id}" selected>' in form.group(0)
    assert f'value="{visit.stamp}"' in form.group(0)
    assert f'id="move-{visit.id}-day" value="{day.isoformat()}"' in form.group(0)
    other = second if visit.technician_id == first.id else first
    moved = client.post(
        url,
        data={"technician": other.id, "day": day.isoformat(), "start": "10:00",
              "seen": visit.stamp},
    )  # fmt: skip
    assert moved.status_code == 302 and moved.headers["Location"].endswith(f"/runs/{run.id}")
    db.session.expire_all()
    again = db.session.get(Visit, visit.id)
    assert (again.technician_id, again.pinned) == (other.id, True)
    zone = ZoneInfo(visit.ticket.site.timezone)
    assert again.planned_start.astimezone(zone).time() == time(10)


@pytest.mark.parametrize("role", ["employee", "agent", "technician"])
def test_the_move_page_is_for_dispatchers_only(
    planning_app, shifts, auth, client, make_tech, make_job, make_user, role
):
    day, first, second, run = _proposal(make_tech, make_job, make_user, jobs=1)
    (visit,) = run.visits
    auth.login(role=role)
    assert client.get(f"/planning/runs/{run.id}/visits/{visit.id}/move").status_code == 404


def test_the_move_page_of_a_visit_not_in_a_proposal_is_404(
    planning_app, shifts, auth, client, make_tech, make_job, make_user
):
    day, first, second, run = _proposal(make_tech, make_job, make_user, jobs=1)
    (visit,) = run.visits
    auth.login(role="dispatcher")
    assert client.get(f"/planning/runs/{run.id}/visits/999999/move").status_code == 404
    assert client.get(f"/planning/runs/999999/visits/{visit.id}/move").status_code == 404
    run.status = RunStatus.PUBLISHED
    db.session.commit()
    assert client.get(f"/planning/runs/{run.id}/visits/{visit.id}/move").status_code == 404

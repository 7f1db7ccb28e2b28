"""Service-level administration: policies and closure days — who may, CSRF, validation, the
record of administration, escaping, and open tickets moved by a change."""

from __future__ import annotations

import re
from datetime import date

import pytest
from sqlalchemy import func, select

from dispatch.audit.models import AdminEvent
from dispatch.extensions import db
from dispatch.sla.models import ClosureDay, SlaPolicy

POLICY = {
    "name": "Urgent hardware",
    "priority": "urgent",
    "first_response_minutes": "30",
    "resolution_minutes": "240",
    "active": "y",
}


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def test_an_admin_creates_and_changes_a_policy(client, auth, make_site, make_category):
    admin = auth.login(role="admin")
    site, category = make_site(name="Cluj"), make_category(name="Hardware")
    assert client.get("/admin/service-levels/new").status_code == 200
    data = {**POLICY, "site_id": str(site.id), "category_id": str(category.id)}
    response = client.post("/admin/service-levels/new", data=data)
    assert response.status_code == 302
    policy = db.session.scalar(select(SlaPolicy))
    assert (policy.site_id, policy.category_id, policy.priority) == (site.id, category.id, "urgent")
    assert (policy.first_response_minutes, policy.resolution_minutes) == (30, 240)
    listing = client.get("/admin/service-levels").get_data(as_text=True)
    assert "category Hardware, priority Urgent, site Cluj" in listing
    assert "4 h 00 min" in listing

    data["resolution_minutes"] = "480"
    assert client.post(f"/admin/service-levels/{policy.id}", data=data).status_code == 302
    assert db.session.get(SlaPolicy, policy.id).resolution_minutes == 480
    events = db.session.scalars(select(AdminEvent).order_by(AdminEvent.id)).all()
    assert [(e.action, e.actor_id) for e in events[-2:]] == [
        ("created", admin.id),
        ("changed", admin.id),
    ]
    assert events[-1].after == {"resolution_minutes": 480}
    record = client.get("/admin/events?target_type=sla_policy").get_data(as_text=True)
    assert "created service level “Urgent hardware”" in record


@pytest.mark.parametrize(
    "change, field",
    [
        ({"name": ""}, "name"),
        ({"first_response_minutes": "0"}, "first_response_minutes"),
        ({"resolution_minutes": "10"}, "resolution_minutes"),  # before the first response
        ({"priority": "whenever"}, "priority"),
        ({"site_id": "999999"}, "site_id"),
    ],
)
def test_bad_policies_are_refused_with_the_reason(client, auth, change, field):
    auth.login(role="admin")
    response = client.post("/admin/service-levels/new", data={**POLICY, **change})
    assert response.status_code == 200
    assert "Nothing was saved" in response.get_data(as_text=True)
    assert count(SlaPolicy) == 0


def test_two_active_policies_cannot_apply_to_the_same_tickets(client, auth):
    auth.login(role="admin")
    assert client.post("/admin/service-levels/new", data=POLICY).status_code == 302
    again = {**POLICY, "name": "Another"}
    page = client.post("/admin/service-levels/new", data=again).get_data(as_text=True)
    assert "already applies to exactly these tickets" in page
    same_name = {**POLICY, "priority": "high"}
    page = client.post("/admin/service-levels/new", data=same_name).get_data(as_text=True)
    assert "already taken" in page
    assert count(SlaPolicy) == 1


def test_closure_days_are_added_and_removed(client, auth):
    auth.login(role="admin")
    data = {"day": "2026-12-24", "name": "Christmas Eve <b>"}
    assert client.post("/admin/closure-days", data=data).status_code == 302
    page = client.get("/admin/closure-days").get_data(as_text=True)
    assert "Christmas Eve &lt;b&gt;" in page and "<b>" not in page.split("</nav>", 1)[1]
    assert client.post("/admin/closure-days", data=data).status_code == 200  # the same day
    [row] = db.session.scalars(select(ClosureDay)).all()
    assert row.day == date(2026, 12, 24)
    assert client.post(f"/admin/closure-days/{row.id}/delete").status_code == 302
    assert count(ClosureDay) == 0
    assert client.post(f"/admin/closure-days/{row.id}/delete").status_code == 404


@pytest.mark.parametrize("role", ["employee", "agent", "technician", "dispatcher"])
def test_only_admins_see_or_change_service_levels(client, auth, make_policy, role):
    policy = make_policy(name="Standard")
    day = ClosureDay(day=date(2026, 12, 24), name="Eve")
    db.session.add(day)
    db.session.commit()
    auth.login(role=role)
    for url in ("/admin/service-levels", "/admin/service-levels/new", "/admin/closure-days"):
        assert client.get(url).status_code == 404, url
    assert client.post(f"/admin/service-levels/{policy.id}", data=POLICY).status_code == 404
    assert client.post(f"/admin/closure-days/{day.id}/delete").status_code == 404
    assert (
        client.post("/admin/closure-days", data={"day": "2026-12-25", "name": "x"}).status_code
        == 404
    )
    assert db.session.get(SlaPolicy, policy.id).name == "Standard"
    assert count(ClosureDay) == 1


def test_service_level_forms_need_the_csrf_token(app, client, auth):
    auth.login(role="admin")
    app.config["WTF_CSRF_ENABLED"] = True
    assert client.post("/admin/service-levels/new", data=POLICY).status_code == 400
    assert (
        client.post("/admin/closure-days", data={"day": "2026-12-24", "name": "x"}).status_code
        == 400
    )
    assert count(SlaPolicy) == count(ClosureDay) == 0
    page = client.get("/admin/service-levels/new").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    assert (
        client.post("/admin/service-levels/new", data={**POLICY, "csrf_token": token}).status_code
        == 302
    )


def test_a_site_names_the_country_of_its_public_holidays(client, auth, make_site):
    auth.login(role="admin")
    site = make_site()
    page = client.get(f"/admin/sites/{site.id}").get_data(as_text=True)
    assert '<option value="RO">Romania (RO)</option>' in page
    data = {
        "name": site.name,
        "timezone": "Europe/Bucharest",
        "opens_at": "08:00",
        "closes_at": "17:00",
        "weekdays": ["0", "1", "2", "3", "4"],
        "country": "RO",
    }
    assert client.post(f"/admin/sites/{site.id}", data=data).status_code == 302
    assert db.session.get(type(site), site.id).country == "RO"
    bad = client.post(f"/admin/sites/{site.id}", data={**data, "country": "XX"})
    assert bad.status_code == 200

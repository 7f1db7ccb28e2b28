"""Site managers: where an admin allows it, a person named for some sites reads the reports of
those sites only — on the page, in the files and in the API — and nothing else; admins grant
and remove, on the record of administration."""

from __future__ import annotations

import csv
import io
import re

import pytest
from sqlalchemy import select

from dispatch.audit.models import AdminEvent
from dispatch.extensions import db
from dispatch.reports.models import ReportSettings, SiteManager
from tests.reports.conftest import at

PERIOD = {"start": "2026-11-02", "end": "2026-11-29"}


@pytest.fixture
def two_sites(old_ticket, make_site, make_user):
    """Cluj with two requests, Iași with one; a manager of Cluj, allowed."""
    cluj, iasi = make_site(name="Cluj"), make_site(name="Iași")
    old_ticket(at(1), at(2), site=cluj, channel="web")
    old_ticket(at(3), site=cluj, channel="web")
    old_ticket(at(4), site=iasi, channel="web")
    manager = make_user("employee", email="mara@example.com")
    db.session.add(ReportSettings(id=1, summary_recipients="", site_managers_allowed=True))
    db.session.add(SiteManager(user=manager, site=cluj))
    db.session.commit()
    return cluj, iasi, manager


def _created(client, **query):
    body = client.get("/reports/volume.csv", query_string={**PERIOD, **query})
    assert body.status_code == 200
    rows = list(csv.reader(io.StringIO(body.get_data(as_text=True).lstrip("\ufeff"))))
    return sum(int(r[2]) for r in rows[1:])


def test_a_site_manager_reads_only_their_sites(client, auth, two_sites):
    cluj, iasi, manager = two_sites
    auth.login(manager)
    page = client.get("/reports/", query_string=PERIOD).get_data(as_text=True)
    assert page.count("Requests created and resolved per week") >= 1
    assert "Technician utilisation" not in page  # about people, across sites
    assert 'href="/reports/"' in page  # in their menu
    assert "Iași" not in page  # not even among the filter's sites
    assert _created(client) == 2
    assert _created(client, site=cluj.id) == 2
    # Asking for another site's figures is refused, on the page and in the files.
    assert client.get("/reports/", query_string={**PERIOD, "site": iasi.id}).status_code == 404
    assert client.get("/reports/volume.csv", query_string={"site": iasi.id}).status_code == 404
    assert client.get("/reports/utilisation.csv").status_code == 404
    # And nothing else is new: the desk stays closed.
    assert client.get("/desk/inbox").status_code == 404


def test_the_api_holds_a_site_manager_to_their_sites(api, two_sites):
    cluj, iasi, manager = two_sites
    reader = api(manager)
    answer = reader.get("/api/v1/reports/volume?start=2026-11-02&end=2026-11-29")
    assert answer.status_code == 200
    assert sum(r["created"] for r in answer.get_json()["rows"]) == 2
    assert answer.get_json()["scope"]["sites"] == [cluj.id]
    assert reader.get(f"/api/v1/reports/kinds?site={iasi.id}").status_code == 404
    assert reader.get("/api/v1/reports/utilisation").status_code == 404


def test_without_the_admins_leave_a_grant_is_nothing(client, auth, api, two_sites):
    _, _, manager = two_sites
    db.session.get(ReportSettings, 1).site_managers_allowed = False
    db.session.commit()
    auth.login(manager)
    assert client.get("/reports/").status_code == 404
    assert 'href="/reports/"' not in client.get("/tickets/mine").get_data(as_text=True)
    assert api(manager).get("/api/v1/reports/volume").status_code == 404


def test_dispatchers_still_read_every_site(client, auth, two_sites):
    auth.login(role="dispatcher")
    assert _created(client) == 3


def test_an_admin_allows_grants_and_removes_on_the_record(client, auth, make_site, make_user):
    admin = auth.login(role="admin")
    site = make_site(name="Brașov")
    person = make_user("agent", email="ana@example.com")
    assert client.get("/admin/reports").status_code == 200
    response = client.post(
        "/admin/reports",
        data={
            "summary_recipients": "Boss@Example.com\n\nboss@example.com\n",
            "site_managers_allowed": "y",
        },
    )
    assert response.status_code == 302
    saved = db.session.get(ReportSettings, 1)
    assert saved.recipients == ["boss@example.com"] and saved.site_managers_allowed
    bad = client.post("/admin/reports", data={"summary_recipients": "not an address"})
    assert bad.status_code == 200 and "not an address" in bad.get_data(as_text=True)

    response = client.post(
        "/admin/reports/site-managers", data={"email": "ANA@example.com", "site_id": site.id}
    )
    assert response.status_code == 302
    grant = db.session.scalar(select(SiteManager))
    assert (grant.user_id, grant.site_id) == (person.id, site.id)
    again = client.post(
        "/admin/reports/site-managers", data={"email": "ana@example.com", "site_id": site.id}
    )
    assert "already manages this site" in again.get_data(as_text=True)
    nobody = client.post(
        "/admin/reports/site-managers", data={"email": "x@example.com", "site_id": site.id}
    )
    assert "No active user has this address" in nobody.get_data(as_text=True)
    page = client.get("/admin/reports").get_data(as_text=True)
    assert "ana@example.com" in page and "Brașov" in page
    assert client.post(f"/admin/reports/site-managers/{grant.id}/delete").status_code == 302
    assert db.session.scalar(select(SiteManager)) is None

    events = db.session.scalars(select(AdminEvent).order_by(AdminEvent.id)).all()
    assert [(e.action, e.target_type, e.actor_id) for e in events] == [
        ("changed", "report_settings", admin.id),
        ("created", "site_manager", admin.id),
        ("deleted", "site_manager", admin.id),
    ]
    assert events[1].after == {"user": "ana@example.com", "site": "Brașov"}


@pytest.mark.parametrize("role", ["employee", "agent", "dispatcher"])
def test_only_admins_manage_report_access(client, auth, role):
    auth.login(role=role)
    assert client.get("/admin/reports").status_code == 404
    assert client.post("/admin/reports/site-managers", data={}).status_code == 404


def test_report_access_forms_need_the_csrf_token(app, client, auth, make_site, make_user):
    auth.login(role="admin")
    site, person = make_site(), make_user()
    app.config["WTF_CSRF_ENABLED"] = True
    data = {"email": person.email, "site_id": site.id}
    assert client.post("/admin/reports/site-managers", data=data).status_code == 400
    assert client.post("/admin/reports", data={"site_managers_allowed": "y"}).status_code == 400
    assert db.session.scalar(select(SiteManager)) is None
    page = client.get("/admin/reports").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    response = client.post("/admin/reports/site-managers", data={**data, "csrf_token": token})
    assert response.status_code == 302

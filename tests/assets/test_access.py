"""Who sees which asset: their own, their rooms', their department's when allowed; staff all;
anyone else's is a 404 on the pages."""

from __future__ import annotations

import pytest

from dispatch.assets.access import visible_assets
from dispatch.extensions import db


@pytest.fixture
def office(make_site, make_user, make_asset):
    site = make_site()
    ana, bob = make_user("employee", site=site), make_user("employee", site=site)
    laptop = make_asset(tag="LT-1", owner=ana, site=site, building="A", floor="2", room="201")
    printer = make_asset(tag="PR-1", site=site, building="a", floor="2", room="201 ")
    printer.room = "201"
    elsewhere = make_asset(tag="PR-2", site=site, building="A", floor="3", room="301")
    bobs = make_asset(tag="LT-2", owner=bob, site=site, building="A", floor="3", room="301")
    db.session.commit()
    return dict(site=site, ana=ana, bob=bob, laptop=laptop, printer=printer,
                elsewhere=elsewhere, bobs=bobs)  # fmt: skip


def _tags(user):
    return sorted(a.tag for a in db.session.scalars(visible_assets(user)))


def test_an_employee_sees_their_devices_and_those_of_their_rooms(office):
    assert _tags(office["ana"]) == ["LT-1", "PR-1"]
    assert _tags(office["bob"]) == ["LT-2", "PR-2"]


def test_staff_see_every_asset(office, make_user):
    for role in ("agent", "technician", "dispatcher", "admin"):
        assert _tags(make_user(role)) == ["LT-1", "LT-2", "PR-1", "PR-2"]


def test_a_department_s_devices_for_those_who_see_their_department(
    make_user, make_department, make_asset
):
    dept = make_department()
    make_asset(tag="DP-1", department=dept)
    plain = make_user("employee", department=dept)
    trusted = make_user("employee", department=dept, sees_department=True)
    assert _tags(plain) == []
    assert _tags(trusted) == ["DP-1"]


def test_someone_else_s_asset_is_a_404(client, auth, office):
    auth.login(office["ana"])
    assert client.get(f"/assets/{office['printer'].id}").status_code == 200
    response = client.get(f"/assets/{office['bobs'].id}")
    assert response.status_code == 404
    assert b"LT-2" not in response.data
    listing = client.get("/assets").get_data(as_text=True)
    assert "LT-1" in listing and "PR-1" in listing and "LT-2" not in listing


def test_only_dispatchers_and_admins_edit(client, auth, office, make_user):
    auth.login(office["ana"])
    assert client.get("/assets/new").status_code == 404
    assert client.get(f"/assets/{office['laptop'].id}/edit").status_code == 404
    auth.login(make_user("technician"))
    assert client.get("/assets/new").status_code == 404
    auth.login(make_user("dispatcher"))
    assert client.get("/assets/new").status_code == 200

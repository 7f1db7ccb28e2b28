"""Admin: sites, departments, skills and groups — saving, and bad input that writes nothing."""

from datetime import time

import pytest
from sqlalchemy import func, select

from dispatch.extensions import db
from dispatch.people.models import Department, Group, Skill
from dispatch.sites.models import Site


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def site_data(**kw):
    data = {
        "name": "Cluj HQ",
        "code": "CLJ-1",
        "address": "1 Memorandumului",
        "city": "Cluj-Napoca",
        "timezone": "Europe/Bucharest",
        "opens_at": "07:30",
        "closes_at": "18:00",
        "weekdays": ["0", "1", "2", "3", "4", "5"],
        "latitude": "46.7712",
        "longitude": "23.6236",
        "active": "y",
    }
    data.update(kw)
    return {k: v for k, v in data.items() if v is not None}


@pytest.fixture
def admin(auth):
    return auth.login(role="admin")


def test_create_site(client, admin):
    response = client.post("/admin/sites/new", data=site_data())
    assert response.status_code == 302
    site = db.session.scalar(select(Site))
    assert (site.name, site.code, site.city, site.timezone) == (
        "Cluj HQ",
        "CLJ-1",
        "Cluj-Napoca",
        "Europe/Bucharest",
    )
    assert (site.opens_at, site.closes_at, site.open_weekdays) == (time(7, 30), time(18), "012345")
    assert (site.latitude, site.longitude) == (pytest.approx(46.7712), pytest.approx(23.6236))
    assert site.active
    assert "Cluj HQ" in client.get("/admin/sites").get_data(as_text=True)


def test_site_without_location_is_flagged(client, admin):
    assert (
        client.post(
            "/admin/sites/new", data=site_data(latitude="", longitude="", code="")
        ).status_code
        == 302
    )
    site = db.session.scalar(select(Site))
    assert site.latitude is None and site.longitude is None and site.code is None
    assert "needs a location" in client.get("/admin/sites").get_data(as_text=True)


def test_edit_and_deactivate_site(client, admin, make_site):
    site = make_site(name="Old name")
    response = client.post(
        f"/admin/sites/{site.id}", data=site_data(name="New name", active=None, weekdays=[])
    )
    assert response.status_code == 302
    db.session.expire_all()
    assert site.name == "New name" and not site.active and site.open_weekdays == ""
    body = client.get(f"/admin/sites/{site.id}").get_data(as_text=True)
    assert 'value="New name"' in body and 'value="07:30"' in body


@pytest.mark.parametrize(
    "changes, field, message",
    [
        ({"timezone": "Mars/Olympus_Mons"}, "timezone", "Unknown time zone"),
        ({"timezone": "localtime"}, "timezone", "Unknown time zone"),
        ({"latitude": "91"}, "latitude", "Latitude is between -90 and 90"),
        ({"latitude": "-90.5"}, "latitude", "Latitude is between -90 and 90"),
        ({"longitude": "180.01"}, "longitude", "Longitude is between -180 and 180"),
        ({"latitude": "nan"}, "latitude", "Latitude is between -90 and 90"),
        ({"longitude": ""}, "longitude", "Enter both latitude and longitude, or neither"),
        ({"latitude": ""}, "latitude", "Enter both latitude and longitude, or neither"),
        ({"opens_at": "18:00", "closes_at": "08:00"}, "closes_at", "must close after it opens"),
        ({"opens_at": "09:00", "closes_at": "09:00"}, "closes_at", "must close after it opens"),
        ({"closes_at": "25:00"}, "closes_at", "Not a valid time value"),
        ({"name": "   "}, "name", ""),
        ({"weekdays": ["0", "9"]}, "weekdays", "not a valid choice"),
    ],
)
def test_bad_site_input_is_shown_and_nothing_is_written(client, admin, changes, field, message):
    data = site_data(name="Typed name", **{k: v for k, v in changes.items() if k != "name"})
    if "name" in changes:
        data["name"] = changes["name"]
    response = client.post("/admin/sites/new", data=data)
    assert response.status_code == 200
    body = response.get_data(as_text=True)
    assert message in body
    assert f'id="{field}"' in body or f'id="{field}-0"' in body
    assert "invalid-feedback" in body and "Nothing was saved" in body
    if "name" not in changes:
        assert 'value="Typed name"' in body  # what the admin typed is kept
    assert 'value="1 Memorandumului"' in body
    assert count(Site) == 0


def test_bad_edit_leaves_the_site_unchanged(client, admin, make_site):
    site = make_site(name="Keep me", timezone="Europe/Bucharest")
    response = client.post(
        f"/admin/sites/{site.id}", data=site_data(name="Changed", timezone="Nowhere/Town")
    )
    assert response.status_code == 200
    assert 'value="Nowhere/Town"' in response.get_data(as_text=True)
    db.session.expire_all()
    assert (site.name, site.timezone) == ("Keep me", "Europe/Bucharest")


def test_duplicate_site_name_and_code(client, admin, make_site):
    make_site(name="Cluj HQ", code="C1")
    response = client.post("/admin/sites/new", data=site_data(code="C2"))
    assert response.status_code == 200
    assert "“Cluj HQ” already exists" in response.get_data(as_text=True)
    response = client.post("/admin/sites/new", data=site_data(name="Other", code="C1"))
    assert response.status_code == 200
    assert "Another site has the code C1" in response.get_data(as_text=True)
    assert count(Site) == 1


def test_missing_site_is_404(client, admin):
    assert client.get("/admin/sites/999").status_code == 404


# --- departments and skills ------------------------------------------------------------------


@pytest.mark.parametrize("kind, model", [("departments", Department), ("skills", Skill)])
def test_named_entries(client, admin, kind, model):
    response = client.post(f"/admin/{kind}/new", data={"name": "Electrical", "active": "y"})
    assert response.status_code == 302
    row = db.session.scalar(select(model))
    assert row.name == "Electrical" and row.active
    # Duplicate name: shown next to the field, nothing written.
    response = client.post(f"/admin/{kind}/new", data={"name": "Electrical", "active": "y"})
    assert response.status_code == 200
    assert "“Electrical” already exists" in response.get_data(as_text=True)
    assert count(model) == 1
    # Rename and deactivate.
    assert client.post(f"/admin/{kind}/{row.id}", data={"name": "Power"}).status_code == 302
    db.session.expire_all()
    assert row.name == "Power" and not row.active
    assert "Power" in client.get(f"/admin/{kind}").get_data(as_text=True)


def test_unused_department_can_be_deleted_used_one_cannot(
    client, admin, make_department, make_user
):
    unused, used = make_department(name="Unused"), make_department(name="Used")
    make_user(department=used)
    assert client.post(f"/admin/departments/{unused.id}/delete").status_code == 302
    response = client.post(f"/admin/departments/{used.id}/delete", follow_redirects=True)
    assert "in use: deactivate it instead" in response.get_data(as_text=True)
    assert db.session.scalars(select(Department.name)).all() == ["Used"]


def test_skill_required_by_a_category_is_not_deleted(client, admin, make_category):
    skill = Skill(name="Welding")
    make_category(skills=[skill])
    client.post(f"/admin/skills/{skill.id}/delete")
    assert count(Skill) == 1


# --- groups ----------------------------------------------------------------------------------


def test_group_with_agent_members(client, admin, make_user):
    a1, a2 = make_user("agent"), make_user("agent")
    response = client.post(
        "/admin/groups/new", data={"name": "Level 1", "member_ids": [a1.id, a2.id], "active": "y"}
    )
    assert response.status_code == 302
    group = db.session.scalar(select(Group))
    assert {m.id for m in group.members} == {a1.id, a2.id}
    response = client.post(
        f"/admin/groups/{group.id}", data={"name": "Level 1", "member_ids": [a2.id], "active": "y"}
    )
    assert response.status_code == 302
    db.session.expire_all()
    assert [m.id for m in group.members] == [a2.id]
    assert a2.name in client.get("/admin/groups").get_data(as_text=True)


def test_only_agents_can_join_a_group(client, admin, make_user):
    tech = make_user("technician")
    page = client.get("/admin/groups/new").get_data(as_text=True)
    assert tech.email not in page
    response = client.post("/admin/groups/new", data={"name": "Mixed", "member_ids": [tech.id]})
    assert response.status_code == 200
    assert count(Group) == 0


def test_group_service_refuses_non_agents(app, make_user):
    from dispatch.admin.services import save_group
    from dispatch.errors import ValidationError

    tech = make_user("technician")
    with pytest.raises(ValidationError) as exc:
        save_group(None, make_user("admin"), name="Mixed", member_ids=[tech.id])
    assert exc.value.field == "member_ids"
    assert count(Group) == 0


def test_renaming_onto_an_existing_name_changes_nothing(client, admin, make_site):
    make_site(name="Taken", code="T")
    mine = make_site(name="Mine", code="M")
    response = client.post(f"/admin/sites/{mine.id}", data=site_data(name="Taken", code="M2"))
    assert response.status_code == 200
    body = response.get_data(as_text=True)
    assert "“Taken” already exists" in body and 'value="M2"' in body
    db.session.expire_all()
    assert (mine.name, mine.code) == ("Mine", "M")

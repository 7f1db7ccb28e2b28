"""Admin area: who may enter, every page renders, CSRF, escaping, the overview."""

import re

import pytest
from sqlalchemy import func, select

from dispatch.extensions import db
from dispatch.people.models import Department, Group, Skill, User
from dispatch.sites.models import Site
from dispatch.tickets.models import Category, CategoryField


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


@pytest.fixture
def world(make_site, make_department, make_user, make_category):
    """One of everything, so that every edit URL has something to show."""
    site = make_site()
    dept = make_department()
    skill = Skill(name="Printers")
    group = Group(name="Service desk")
    db.session.add_all([skill, group])
    db.session.commit()
    user = make_user("technician")
    category = make_category(fields=[{"key": "asset", "label": "Asset", "type": "asset_tag"}])
    return dict(
        site=site,
        dept=dept,
        skill=skill,
        group=group,
        user=user,
        category=category,
        field=category.fields[0],
    )


def page_urls(w) -> list[str]:
    c = w["category"].id
    return [
        "/admin/",
        "/admin/sites",
        "/admin/sites/new",
        f"/admin/sites/{w['site'].id}",
        "/admin/departments",
        "/admin/departments/new",
        f"/admin/departments/{w['dept'].id}",
        "/admin/skills",
        "/admin/skills/new",
        f"/admin/skills/{w['skill'].id}",
        "/admin/groups",
        "/admin/groups/new",
        f"/admin/groups/{w['group'].id}",
        "/admin/users",
        "/admin/users/new",
        f"/admin/users/{w['user'].id}",
        "/admin/categories",
        "/admin/categories/new",
        f"/admin/categories/{c}",
        f"/admin/categories/{c}/fields/new",
        f"/admin/categories/{c}/fields/{w['field'].id}",
        "/admin/events",
    ]


def post_urls(w) -> list[str]:
    return [
        u
        for u in page_urls(w)
        if u
        not in (
            "/admin/",
            "/admin/sites",
            "/admin/departments",
            "/admin/skills",
            "/admin/groups",
            "/admin/users",
            "/admin/categories",
            "/admin/events",
        )
    ] + [
        f"/admin/departments/{w['dept'].id}/delete",
        f"/admin/skills/{w['skill'].id}/delete",
        f"/admin/groups/{w['group'].id}/delete",
    ]


def test_every_admin_page_works_for_an_admin(client, auth, world):
    auth.login(role="admin")
    for url in page_urls(world):
        response = client.get(url)
        assert response.status_code == 200, url
        assert b"Administration" in response.data, url


@pytest.mark.parametrize("role", ["employee", "agent", "technician", "dispatcher"])
def test_other_roles_get_404_everywhere(client, auth, world, role):
    auth.login(role=role)
    models = (Site, Department, Skill, Group, User, Category, CategoryField)
    before = [count(m) for m in models]
    for url in page_urls(world):
        assert client.get(url).status_code == 404, url
    for url in post_urls(world):
        response = client.post(url, data={"name": "Hijacked", "email": "x@example.com"})
        assert response.status_code == 404, url
    assert [count(m) for m in models] == before
    assert db.session.scalar(select(Site).where(Site.name == "Hijacked")) is None


def test_anonymous_visitors_are_sent_to_sign_in(client, world):
    for url in page_urls(world):
        response = client.get(url)
        assert response.status_code == 302, url
        assert "/login" in response.headers["Location"]
    assert client.post("/admin/sites/new", data={"name": "X"}).status_code == 302
    assert count(Site) == 1


def test_inactive_admin_is_not_let_in(client, auth, make_user):
    admin = auth.login(role="admin")
    admin.active = False
    db.session.commit()
    assert client.get("/admin/").status_code == 302


def test_forms_refuse_a_post_without_csrf_token(app, client, auth):
    auth.login(role="admin")
    app.config["WTF_CSRF_ENABLED"] = True
    data = {"name": "North", "timezone": "UTC", "opens_at": "08:00", "closes_at": "17:00"}
    response = client.post("/admin/sites/new", data=data)
    assert response.status_code == 400
    assert count(Site) == 0
    assert client.post("/admin/departments/new", data={"name": "Sales"}).status_code == 400
    assert count(Department) == 0

    # With the token the page hands out, the same post goes through.
    page = client.get("/admin/sites/new").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    response = client.post("/admin/sites/new", data={**data, "csrf_token": token})
    assert response.status_code == 302
    assert count(Site) == 1


def test_delete_buttons_carry_a_csrf_token(app, client, auth, make_department):
    auth.login(role="admin")
    dept = make_department()
    app.config["WTF_CSRF_ENABLED"] = True
    assert client.post(f"/admin/departments/{dept.id}/delete").status_code == 400
    assert count(Department) == 1
    page = client.get(f"/admin/departments/{dept.id}").get_data(as_text=True)
    tokens = re.findall(r'name="csrf_token" value="([^"]+)"', page)
    assert tokens
    assert (
        client.post(
            f"/admin/departments/{dept.id}/delete", data={"csrf_token": tokens[-1]}
        ).status_code
        == 302
    )
    assert count(Department) == 0


def test_user_text_is_escaped(client, auth, make_site, make_category, make_user, make_department):
    auth.login(role="admin")
    evil = "<script>alert(1)</script>"
    site = make_site(name=evil, code="<b>X</b>")
    make_department(name=evil)
    category = make_category(
        name=evil,
        description=evil,
        fields=[{"key": "k", "label": evil, "type": "choice", "choices": [evil]}],
    )
    make_user("agent", name=evil)
    for url in [
        "/admin/sites",
        f"/admin/sites/{site.id}",
        "/admin/departments",
        "/admin/users",
        "/admin/categories",
        f"/admin/categories/{category.id}",
    ]:
        body = client.get(url).get_data(as_text=True)
        assert evil not in body, url
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in body, url
    assert "<b>X</b>" not in client.get("/admin/sites").get_data(as_text=True)


def test_overview_counts_and_links(client, auth, make_site, make_category):
    auth.login(role="admin")
    make_site()
    make_site(latitude=None, longitude=None)
    make_site(active=False)
    make_category(fields=[{"key": "a", "label": "A"}, {"key": "b", "label": "B", "active": False}])
    body = client.get("/admin/").get_data(as_text=True)
    assert "1 need a location" in body
    assert re.search(r"Sites</div>\s*<div[^>]*>2</div>", body)
    assert "1 extra fields" in body
    for endpoint in ("sites", "departments", "skills", "groups", "users", "categories"):
        assert f'href="/admin/{endpoint}"' in body
    # Admins reach the area from the main navigation.
    assert 'href="/admin/"' in body

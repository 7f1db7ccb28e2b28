"""Admin: user accounts — roles, skills, groups, passwords, and admins protecting themselves."""

import re

import pytest
from sqlalchemy import func, select

from dispatch.extensions import db
from dispatch.people import services as people
from dispatch.people.models import Group, Skill, User
from dispatch.tickets.access import visible_tickets


def user_data(**kw):
    data = {
        "email": "Ana.Pop@Example.com",
        "name": "Ana Pop",
        "role": "employee",
        "department_id": "",
        "site_id": "",
        "phone": "+40 700 000 000",
        "active": "y",
        "password": "",
    }
    data.update(kw)
    return {k: v for k, v in data.items() if v is not None}


def count_users() -> int:
    return db.session.scalar(select(func.count()).select_from(User))


@pytest.fixture
def admin(auth):
    return auth.login(role="admin")


def test_create_user_who_can_then_sign_in(app, client, admin, make_site, make_department):
    site, dept = make_site(), make_department()
    response = client.post(
        "/admin/users/new",
        data=user_data(site_id=site.id, department_id=dept.id, password="a long passphrase"),
    )
    assert response.status_code == 302
    user = db.session.scalar(select(User).where(User.id != admin.id))
    assert (user.email, user.name, user.role) == ("ana.pop@example.com", "Ana Pop", "employee")
    assert (user.site, user.department, user.phone) == (site, dept, "+40 700 000 000")
    assert user.password_hash.startswith("scrypt:")
    other = app.test_client()
    assert (
        other.post(
            "/login", data={"email": "ana.pop@example.com", "password": "a long passphrase"}
        ).status_code
        == 302
    )


def test_user_without_password_cannot_sign_in(app, client, admin):
    assert client.post("/admin/users/new", data=user_data()).status_code == 302
    user = db.session.scalar(select(User).where(User.email == "ana.pop@example.com"))
    assert user.password_hash is None and not user.check_password("")


def test_duplicate_email_is_refused_whatever_the_case(client, admin, make_user):
    make_user(email="ana.pop@example.com")
    response = client.post("/admin/users/new", data=user_data(name="Typed Name"))
    assert response.status_code == 200
    body = response.get_data(as_text=True)
    assert "Another account uses ana.pop@example.com" in body
    assert 'value="Typed Name"' in body
    assert count_users() == 2


def test_short_password_is_refused_and_not_echoed(client, admin):
    response = client.post("/admin/users/new", data=user_data(password="short1234"))
    assert response.status_code == 200
    body = response.get_data(as_text=True)
    # The rules and their words are dispatch.people.services', the same as the CLI's.
    assert "The password needs at least 10 characters." in body
    assert "short1234" not in body
    assert count_users() == 1


def test_admin_and_cli_share_the_password_and_address_rules(client, admin):
    from dispatch.people.services import PASSWORD_MAX

    response = client.post("/admin/users/new", data=user_data(password="x" * (PASSWORD_MAX + 1)))
    assert response.status_code == 200 and count_users() == 1
    # 201 characters: too long for the old admin rule, fine for the shared one.
    response = client.post("/admin/users/new", data=user_data(password="y" * 201))
    assert response.status_code == 302
    user = db.session.scalar(select(User).where(User.email == "ana.pop@example.com"))
    assert user.check_password("y" * 201)
    response = client.post("/admin/users/new", data=user_data(email="bob@example..com"))
    assert response.status_code == 200
    assert "Not a valid e-mail address" in response.get_data(as_text=True)


def test_unchanged_address_is_kept_even_if_the_rules_would_refuse_it(client, admin, make_user):
    # Mail may create an account with an address the stricter rules refuse (a .local domain).
    user = make_user(email="ana@corp.local")
    response = client.post(
        f"/admin/users/{user.id}", data=user_data(email="ana@corp.local", name="Ana")
    )
    assert response.status_code == 302
    db.session.expire_all()
    assert (user.email, user.name) == ("ana@corp.local", "Ana")


def test_admin_cannot_change_own_password_without_the_current_one(app, client, admin, password):
    """The admin page asks no current password: an own password is changed on the account
    page instead, and nothing of the form is saved."""
    other_device = app.test_client()
    other_device.post("/login", data={"email": admin.email, "password": password})
    response = client.post(
        f"/admin/users/{admin.id}",
        data=user_data(
            email=admin.email, name="Renamed", role="admin", password="a brand new passphrase"
        ),
    )
    assert response.status_code == 200
    assert "Change your own password on your account page" in response.get_data(as_text=True)
    db.session.expire_all()
    assert admin.check_password(password) and admin.name != "Renamed"
    assert other_device.get("/admin/").status_code == 200  # still signed in there


def test_deactivating_and_reactivating_ends_the_sessions_from_before(
    app, client, admin, make_user, password
):
    user = make_user()
    theirs = app.test_client()
    theirs.post("/login", data={"email": user.email, "password": password})
    assert theirs.get("/tickets/new").status_code == 200
    for active in ("", "y"):
        client.post(
            f"/admin/users/{user.id}",
            data=user_data(email=user.email, name=user.name, active=active),
        )
    db.session.expire_all()
    assert user.active
    assert theirs.get("/tickets/new").status_code == 302  # to the sign-in page
    fresh = app.test_client()
    fresh.post("/login", data={"email": user.email, "password": password})
    assert fresh.get("/tickets/new").status_code == 200  # the password still works


def test_saving_an_account_unchanged_keeps_its_sessions(app, client, admin, make_user, password):
    user = make_user()
    theirs = app.test_client()
    theirs.post("/login", data={"email": user.email, "password": password})
    client.post(f"/admin/users/{user.id}", data=user_data(email=user.email, name="New name"))
    assert theirs.get("/tickets/new").status_code == 200


def test_admin_setting_someone_elses_password_signs_them_out(
    app, client, admin, make_user, password
):
    user = make_user()
    theirs = app.test_client()
    theirs.post("/login", data={"email": user.email, "password": password})
    assert theirs.get("/tickets/new").status_code == 200
    client.post(
        f"/admin/users/{user.id}",
        data=user_data(email=user.email, name=user.name, password="chosen by the admin"),
    )
    assert theirs.get("/tickets/new").status_code == 302


@pytest.mark.parametrize(
    "changes, message",
    [
        ({"email": "not-an-email"}, "Not a valid e-mail address"),
        ({"role": "superuser"}, "Not a valid choice"),
        ({"department_id": "999"}, "Not a valid choice"),
        ({"name": ""}, "This field is required"),
    ],
)
def test_bad_user_input(client, admin, changes, message):
    response = client.post("/admin/users/new", data=user_data(**changes))
    assert response.status_code == 200
    assert message in response.get_data(as_text=True)
    assert count_users() == 1


def test_skills_for_technicians_groups_for_agents(client, admin):
    skill, group = Skill(name="HVAC"), Group(name="Desk")
    db.session.add_all([skill, group])
    db.session.commit()
    client.post(
        "/admin/users/new",
        data=user_data(
            email="t@example.com", role="technician", skill_ids=[skill.id], group_ids=[group.id]
        ),
    )
    client.post(
        "/admin/users/new",
        data=user_data(
            email="a@example.com", role="agent", skill_ids=[skill.id], group_ids=[group.id]
        ),
    )
    tech = db.session.scalar(select(User).filter_by(email="t@example.com"))
    agent = db.session.scalar(select(User).filter_by(email="a@example.com"))
    assert (tech.skills, tech.groups) == ([skill], [])
    assert (agent.skills, agent.groups) == ([], [group])
    body = client.get(f"/admin/users/{tech.id}").get_data(as_text=True)
    assert re.search(rf'<input checked[^>]*name="skill_ids"[^>]*value="{skill.id}"', body)


def test_sees_department_widens_what_an_employee_sees(
    client, admin, make_user, make_department, make_ticket
):
    dept = make_department()
    me, colleague = make_user(department=dept), make_user(department=dept)
    theirs = make_ticket(requester=colleague)
    assert theirs not in db.session.scalars(visible_tickets(me)).all()
    response = client.post(
        f"/admin/users/{me.id}",
        data=user_data(email=me.email, name=me.name, department_id=dept.id, sees_department="y"),
    )
    assert response.status_code == 302
    db.session.expire_all()
    assert me.sees_department
    assert theirs in db.session.scalars(visible_tickets(me)).all()


def test_admin_cannot_demote_or_deactivate_themselves(client, admin):
    url = f"/admin/users/{admin.id}"
    assert "This is your own account" in client.get(url).get_data(as_text=True)
    response = client.post(url, data=user_data(email=admin.email, name=admin.name, role="agent"))
    assert response.status_code == 200
    assert "You cannot take the administrator role from yourself" in response.get_data(as_text=True)
    response = client.post(
        url, data=user_data(email=admin.email, name=admin.name, role="admin", active=None)
    )
    assert response.status_code == 200
    assert "You cannot deactivate your own account" in response.get_data(as_text=True)
    db.session.expire_all()
    assert admin.role == "admin" and admin.active
    assert client.get("/admin/").status_code == 200
    # Editing their own name is fine.
    response = client.post(url, data=user_data(email=admin.email, name="Boss", role="admin"))
    assert response.status_code == 302


def test_admin_can_demote_and_deactivate_someone_else(app, client, admin, make_user, password):
    other = make_user("admin")
    response = client.post(
        f"/admin/users/{other.id}",
        data=user_data(email=other.email, name=other.name, role="dispatcher", active=None),
    )
    assert response.status_code == 302
    db.session.expire_all()
    assert other.role == "dispatcher" and not other.active
    second = app.test_client()
    response = second.post("/login", data={"email": other.email, "password": password})
    assert response.status_code == 200  # the form again: inactive accounts cannot sign in


def test_password_change_keeps_old_one_when_left_empty(client, admin, make_user):
    user = make_user()
    old_hash = user.password_hash
    client.post(f"/admin/users/{user.id}", data=user_data(email=user.email, name=user.name))
    db.session.expire_all()
    assert user.password_hash == old_hash
    client.post(
        f"/admin/users/{user.id}",
        data=user_data(email=user.email, name=user.name, password="another long one"),
    )
    db.session.expire_all()
    assert user.check_password("another long one")


def test_user_list_filters(client, admin, make_user):
    make_user("technician", name="Tudor Tech")
    make_user("employee", name="Elena Employee")
    body = client.get("/admin/users?q=tudor").get_data(as_text=True)
    assert "Tudor Tech" in body and "Elena Employee" not in body
    body = client.get("/admin/users?role=employee").get_data(as_text=True)
    assert "Elena Employee" in body and "Tudor Tech" not in body
    assert client.get("/admin/users?page=99").status_code == 200


def test_admin_cannot_change_own_address_here(client, admin):
    """Password links go to the address: changing one's own here would be a way round the
    current password."""
    before = admin.email
    response = client.post(
        f"/admin/users/{admin.id}",
        data=user_data(email="someone.else@example.com", name=admin.name, role="admin"),
    )
    assert response.status_code == 200
    assert "Another administrator changes your address" in response.get_data(as_text=True)
    db.session.expire_all()
    assert admin.email == before


def test_deactivating_revokes_api_tokens_for_good(client, admin, make_user):
    user = make_user(role="dispatcher")
    token = people.create_token(user)
    headers = {"Authorization": f"Bearer {token}"}
    api = client.application.test_client()
    assert api.get("/api/v1/tickets", headers=headers).status_code == 200
    for active in ("", "y"):
        client.post(
            f"/admin/users/{user.id}",
            data=user_data(email=user.email, name=user.name, role="dispatcher", active=active),
        )
    db.session.expire_all()
    assert user.active
    assert api.get("/api/v1/tickets", headers=headers).status_code == 401


@pytest.mark.parametrize(("typed", "found"), [("%", "100% Pop"), ("_", "ana_pop")])
def test_search_takes_wildcards_literally(client, admin, make_user, typed, found):
    make_user(name="100% Pop", email="percent@example.com")
    make_user(name="Ana Underscore", email="ana_pop@example.com")
    make_user(name="Plain Person", email="plain@example.com")
    page = client.get("/admin/users", query_string={"q": typed}).get_data(as_text=True)
    assert found in page
    assert "Plain Person" not in page
    assert ("Ana Underscore" in page) == (typed == "_")


def test_a_directory_account_is_given_no_password_here(client, admin, make_user):
    user = make_user(auth_source="ldap", password_hash=None, directory_id="entry-1")
    page = client.post(
        f"/admin/users/{user.id}",
        data=user_data(email=user.email, name=user.name, password="another long one"),
    )
    assert "make the account local below to give it a password" in page.get_data(as_text=True)
    db.session.expire_all()
    assert user.password_hash is None and user.auth_source == "ldap"

"""Each administrative change is on the record, in the same transaction as the change."""

import json

import pytest
from sqlalchemy import func, select

from dispatch.audit.models import AdminEvent
from dispatch.extensions import db
from dispatch.mail.models import MailTemplate
from dispatch.people.models import Department, Group, Skill, User
from dispatch.sites.models import Site
from tests.admin.test_sites import site_data
from tests.admin.test_users import user_data


def events(**where) -> list[AdminEvent]:
    return list(db.session.scalars(select(AdminEvent).filter_by(**where).order_by(AdminEvent.id)))


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


@pytest.fixture
def admin(auth):
    return auth.login(role="admin")


def test_user_creation_and_changes_are_recorded_without_the_password(client, admin):
    client.post("/admin/users/new", data=user_data(role="agent", password="first passphrase"))
    user = db.session.scalar(select(User).where(User.id != admin.id))
    client.post(
        f"/admin/users/{user.id}",
        data=user_data(
            email="ana.new@example.com", role="admin", active="", password="second passphrase"
        ),
    )
    created, password, changed = events(target_type="user")
    assert (created.action, created.actor_id, created.before) == ("created", admin.id, None)
    assert created.after["email"] == "ana.pop@example.com" and created.after["role"] == "agent"
    assert (password.action, password.before, password.after) == ("password_changed", None, None)
    assert changed.action == "changed"
    assert changed.before == {"email": "ana.pop@example.com", "role": "agent", "active": True}
    assert changed.after == {"email": "ana.new@example.com", "role": "admin", "active": False}
    everything = json.dumps([[e.before, e.after] for e in events()])
    assert "passphrase" not in everything and "scrypt" not in everything


def test_a_refused_change_records_nothing(client, admin, make_user):
    other = make_user("agent", email="taken@example.com")
    client.post("/admin/users/new", data=user_data(email="taken@example.com"))
    client.post(f"/admin/users/{other.id}", data=user_data(name=""))
    assert events() == []


def test_a_change_lost_to_the_database_records_nothing(app, make_user):
    """The unique clash fires at the commit, after the event was added: both are undone."""
    from dispatch.admin.services import save_department
    from dispatch.errors import ValidationError

    admin = make_user("admin")
    save_department(None, admin, name="Finance")
    with pytest.raises(ValidationError):
        save_department(None, admin, name="Finance")
    assert [e.target_name for e in events()] == ["Finance"]
    assert count(Department) == 1


def test_a_record_that_cannot_be_written_undoes_the_change(app, make_user, monkeypatch):
    from dispatch.admin import services

    admin = make_user("admin")

    def broken(*args, **kwargs):
        raise RuntimeError("the record is out of order")

    monkeypatch.setattr(services, "record_admin_event", broken)
    with pytest.raises(RuntimeError):
        services.save_department(None, admin, name="Finance")
    assert count(Department) == 0 and events() == []


def test_departments_skills_and_groups(client, admin, make_user):
    agent = make_user("agent")
    client.post("/admin/departments/new", data={"name": "Finance", "active": "y"})
    dept = db.session.scalar(select(Department))
    client.post(f"/admin/departments/{dept.id}", data={"name": "Money", "active": "y"})
    client.post(f"/admin/departments/{dept.id}/delete")
    client.post("/admin/skills/new", data={"name": "Wiring", "active": "y"})
    client.post("/admin/groups/new", data={"name": "Desk", "member_ids": [agent.id], "active": "y"})
    group = db.session.scalar(select(Group))
    made, renamed, deleted = events(target_type="department")
    assert (made.action, made.after) == ("created", {"name": "Finance", "active": True})
    assert (renamed.before, renamed.after) == ({"name": "Finance"}, {"name": "Money"})
    assert (deleted.action, deleted.before, deleted.after) == (
        "deleted",
        {"name": "Money", "active": True},
        None,
    )
    assert deleted.target_id == dept.id and count(Department) == 0
    assert events(target_type="skill")[0].after["name"] == "Wiring"
    (grouped,) = events(target_type="agent_group")
    assert grouped.target_id == group.id and grouped.after["members"] == [agent.email]


def test_deleted_skills_and_groups_keep_what_was_deleted(client, admin):
    client.post("/admin/skills/new", data={"name": "Wiring", "active": "y"})
    client.post("/admin/groups/new", data={"name": "Night desk", "active": "y"})
    skill_id = events(target_type="skill")[0].target_id
    group_id = events(target_type="agent_group")[0].target_id
    assert client.post(f"/admin/skills/{skill_id}/delete").status_code == 302
    assert client.post(f"/admin/groups/{group_id}/delete").status_code == 302
    (_made, skill_gone) = events(target_type="skill")
    (_made, group_gone) = events(target_type="agent_group")
    assert (skill_gone.action, skill_gone.target_id, skill_gone.actor_id) == (
        "deleted",
        skill_id,
        admin.id,
    )
    assert (skill_gone.before, skill_gone.after) == ({"name": "Wiring", "active": True}, None)
    assert (group_gone.action, group_gone.target_id) == ("deleted", group_id)
    assert group_gone.before == {"name": "Night desk", "active": True, "members": []}
    assert group_gone.after is None
    assert count(Skill) == 0 and count(Group) == 0


def test_catalog_changes(client, admin):
    client.post(
        "/admin/categories/new",
        data={"name": "Printers", "default_duration_min": "30", "active": "y"},
    )
    category_id = events(target_type="category")[0].target_id
    client.post(
        f"/admin/categories/{category_id}/fields/new",
        data={"key": "model", "label": "Model", "type": "text", "position": "0", "active": "y"},
    )
    client.post(
        f"/admin/categories/{category_id}",
        data={"name": "Printers", "default_duration_min": "45", "active": "y"},
    )
    made, changed = events(target_type="category")
    assert made.after["name"] == "Printers"
    assert (changed.before, changed.after) == (
        {"default_duration_min": 30},
        {"default_duration_min": 45},
    )
    (field,) = events(target_type="category_field")
    assert field.after["key"] == "model" and field.after["category"] == "Printers"


def test_a_changed_field_keeps_what_it_was(client, admin):
    client.post(
        "/admin/categories/new",
        data={"name": "Printers", "default_duration_min": "30", "active": "y"},
    )
    category_id = events(target_type="category")[0].target_id
    field = {"key": "model", "label": "Model", "type": "text", "position": "0", "active": "y"}
    client.post(f"/admin/categories/{category_id}/fields/new", data=field)
    field_id = events(target_type="category_field")[0].target_id
    client.post(
        f"/admin/categories/{category_id}/fields/{field_id}",
        data={**field, "label": "Printer model", "required": "y"},
    )
    _made, changed = events(target_type="category_field")
    assert (changed.action, changed.target_id, changed.actor_id) == ("changed", field_id, admin.id)
    assert changed.before == {"label": "Model", "required": False}
    assert changed.after == {"label": "Printer model", "required": True}


def test_sites_and_their_points(client, auth, make_user):
    admin = auth.login(role="admin")
    client.post("/admin/sites/new", data=site_data())
    site = db.session.scalar(select(Site))
    auth.logout()
    dispatcher = auth.login(role="dispatcher")
    client.post(f"/sites/{site.id}/location", data={"latitude": "46.5", "longitude": "23.5"})
    made, moved = events(target_type="site")
    assert (made.actor_id, made.after["name"]) == (admin.id, "Cluj HQ")
    assert moved.actor_id == dispatcher.id
    assert moved.before == {"latitude": pytest.approx(46.7712), "longitude": pytest.approx(23.6236)}
    assert moved.after == {"latitude": 46.5, "longitude": 23.5}


def test_mail_templates(client, admin):
    client.post("/mail/templates/ack", data={"subject": "Got {{ number }}", "body": "Hi"})
    client.post("/mail/templates/ack", data={"subject": "x", "body": "y", "reset": "1"})
    saved, reset = events(target_type="mail_template")
    assert (saved.action, saved.target_name, saved.after) == (
        "changed",
        "ack (en)",  # the template in that language
        {"subject": "Got {{ number }}", "body": "Hi"},
    )
    assert (reset.action, reset.target_name) == ("reset", "ack (en)")
    assert reset.before == {"subject": "Got {{ number }}", "body": "Hi"}
    assert count(MailTemplate) == 0


def test_own_password_change_is_recorded(client, auth, password):
    user = auth.login(role="agent")
    client.post(
        "/account/password",
        data={
            "current_password": password,
            "password": "a brand new passphrase",
            "confirm": "a brand new passphrase",
        },
    )
    (event,) = events()
    assert (event.action, event.actor_id, event.target_id) == ("password_changed", user.id, user.id)


def test_command_line_changes_name_the_command_line(runner, monkeypatch):
    monkeypatch.setattr("getpass.getuser", lambda: "ops")
    result = runner.invoke(
        args=["user", "create", "cli@example.com", "--role", "agent", "--department", "IT"],
        input="a long passphrase\n",
    )
    assert result.exit_code == 0, result.output
    runner.invoke(args=["token", "create", "cli@example.com"])
    runner.invoke(args=["token", "revoke", "cli@example.com"])
    dept, user, token, revoked = events()
    assert {e.actor_name for e in events()} == {"command line (ops)"}
    assert {e.actor_id for e in events()} == {None}
    assert (dept.target_type, dept.target_name) == ("department", "IT")
    assert (user.action, user.after["email"], user.after["department"]) == (
        "created",
        "cli@example.com",
        "IT",
    )
    assert (token.target_type, token.target_name) == ("api_token", "cli@example.com")
    assert (revoked.before, revoked.after) == ({"live_api_tokens": 1}, {"live_api_tokens": 0})


def test_a_failed_command_records_nothing(runner, make_user):
    make_user(email="dup@example.com")
    result = runner.invoke(
        args=["user", "create", "dup@example.com", "--role", "agent"], input="a long passphrase\n"
    )
    assert result.exit_code == 1 and events() == []

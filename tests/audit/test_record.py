"""The record of administration: what an event keeps, and that nothing changes it afterwards."""

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.exc import DatabaseError

from dispatch.audit.models import AdminEvent
from dispatch.audit.record import Target, changes, command_line, record_admin_event, target_of
from dispatch.extensions import db


def events() -> list[AdminEvent]:
    return list(db.session.scalars(select(AdminEvent).order_by(AdminEvent.id)))


def test_a_change_keeps_only_what_differs(app, make_user):
    admin, user = make_user("admin"), make_user("agent")
    record_admin_event(
        admin,
        "changed",
        user,
        {"role": "agent", "active": True, "name": "A"},
        {"role": "admin", "active": True, "name": "A"},
    )
    db.session.commit()
    (event,) = events()
    assert (event.actor_id, event.action, event.target_type, event.target_id) == (
        admin.id,
        "changed",
        "user",
        user.id,
    )
    assert event.actor_name == f"{admin.name} <{admin.email}>"
    assert event.target_name == user.name
    assert (event.before, event.after) == ({"role": "agent"}, {"role": "admin"})


def test_a_change_that_changes_nothing_records_nothing(app, make_user):
    admin = make_user("admin")
    assert record_admin_event(admin, "changed", admin, {"a": 1}, {"a": 1}) is None
    db.session.commit()
    assert events() == []


def test_creation_and_deletion_keep_the_whole_snapshot():
    assert changes(None, {"a": 1, "b": 2}) == (None, {"a": 1, "b": 2})
    assert changes({"a": 1}, None) == ({"a": 1}, None)
    assert changes({"a": 1, "b": 2}, {"a": 1, "b": 3}) == ({"b": 2}, {"b": 3})


def test_unknown_action_is_refused(app, make_user):
    with pytest.raises(ValueError, match="unknown admin action"):
        record_admin_event(make_user("admin"), "renamed", Target("site", 1, "x"))


def test_the_command_line_and_the_application_are_named(app, monkeypatch):
    monkeypatch.setattr("getpass.getuser", lambda: "ops")
    record_admin_event(command_line(), "created", Target("user", 7, "a@example.com"), None, {})
    record_admin_event(None, "released", Target("mail_message", 3, "Hello"))
    db.session.commit()
    first, second = events()
    assert (first.actor_id, first.actor_name) == (None, "command line (ops)")
    assert (second.actor_name, second.target_type, second.target_name) == (
        "Dispatch",
        "mail_message",
        "Hello",
    )


def test_command_line_without_a_user_name(monkeypatch):
    def nobody():
        raise KeyError("uid 1234")

    monkeypatch.setattr("getpass.getuser", nobody)
    assert command_line() == "command line"


def test_a_row_is_named_by_its_name_or_email(app, make_user, make_department):
    user, dept = make_user("agent"), make_department(name="Finance")
    assert target_of(dept) == Target("department", dept.id, "Finance")
    assert target_of(user).type == "user" and target_of(user).name == user.name


@pytest.fixture
def recorded(app, make_user):
    record_admin_event(make_user("admin"), "created", Target("site", 1, "HQ"), None, {"a": 1})
    db.session.commit()
    return events()[0]


def test_the_application_cannot_update_or_delete_an_event(recorded):
    recorded.target_name = "Rewritten"
    with pytest.raises(RuntimeError, match="append-only"):
        db.session.commit()
    db.session.rollback()
    db.session.delete(recorded)
    with pytest.raises(RuntimeError, match="append-only"):
        db.session.commit()
    db.session.rollback()
    assert events()[0].target_name == "HQ"


@pytest.mark.parametrize(
    "statement",
    ["UPDATE admin_event SET target_name = 'Rewritten'", "DELETE FROM admin_event"],
)
def test_the_database_refuses_to_update_or_delete_an_event(recorded, statement):
    # Past the application: a statement written by hand is refused by the table's trigger
    # (SQLite and PostgreSQL alike; the suite runs on both).
    with pytest.raises(DatabaseError, match="append-only"):
        db.session.execute(text(statement))
    db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(AdminEvent)) == 1
    assert events()[0].target_name == "HQ"

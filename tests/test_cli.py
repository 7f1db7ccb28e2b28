"""`flask user create`, `flask token create|revoke`: accounts and API tokens from the shell."""

from __future__ import annotations

from dispatch.extensions import db
from dispatch.people.models import ApiToken, Department, User

GOOD = "a long enough password"


def _user(email):
    db.session.expire_all()
    return db.session.scalar(db.select(User).filter_by(email=email))


def test_user_create_reads_the_password_from_stdin(runner, make_site):
    site = make_site(name="Cluj Headquarters")
    result = runner.invoke(
        args=[
            "user",
            "create",
            "Ana.Pop@Example.com",
            "--role",
            "dispatcher",
            "--name",
            "Ana Pop",
            "--department",
            "Facilities",
            "--site",
            site.name,
        ],
        input=GOOD + "\n",
    )
    assert result.exit_code == 0, result.output
    user = _user("ana.pop@example.com")
    assert (user.name, user.role, user.site_id) == ("Ana Pop", "dispatcher", site.id)
    assert user.department.name == "Facilities"
    assert user.check_password(GOOD) and GOOD not in user.password_hash
    assert GOOD not in result.output


def test_user_create_defaults_and_existing_department(runner, make_department):
    dept = make_department(name="IT")
    result = runner.invoke(
        args=["user", "create", "bob@example.com", "--role", "employee", "--department", "IT"],
        input=GOOD + "\n",
    )
    assert result.exit_code == 0, result.output
    user = _user("bob@example.com")
    assert user.name == "bob" and user.department_id == dept.id
    assert db.session.scalar(db.select(db.func.count(Department.id))) == 1


def test_user_create_prompts_twice_at_a_terminal(runner, monkeypatch):
    monkeypatch.setattr("dispatch.cli._stdin_is_tty", lambda: True)
    result = runner.invoke(
        args=["user", "create", "tty@example.com", "--role", "agent"],
        input=f"{GOOD}\nsomething else\n{GOOD}\n{GOOD}\n",
    )
    assert result.exit_code == 0, result.output
    assert "Repeat for confirmation" in result.output
    assert GOOD not in result.output  # hidden input is not echoed
    assert _user("tty@example.com").check_password(GOOD)


def test_user_create_refuses_short_password(runner):
    result = runner.invoke(
        args=["user", "create", "c@example.com", "--role", "agent"], input="short\n"
    )
    assert result.exit_code == 1
    assert "at least 10" in result.output
    assert _user("c@example.com") is None


def test_user_create_refuses_duplicate_email(runner, make_user):
    make_user(email="dup@example.com")
    result = runner.invoke(
        args=["user", "create", "DUP@example.com", "--role", "agent"], input=GOOD + "\n"
    )
    assert result.exit_code == 1
    assert "already exists" in result.output
    assert "Traceback" not in result.output


def test_user_create_lists_roles_for_an_unknown_one(runner):
    result = runner.invoke(
        args=["user", "create", "d@example.com", "--role", "boss"], input=GOOD + "\n"
    )
    assert result.exit_code == 1
    for role in ("employee", "agent", "technician", "dispatcher", "admin"):
        assert role in result.output


def test_user_create_refuses_bad_email_and_unknown_site(runner):
    result = runner.invoke(
        args=["user", "create", "not-an-email", "--role", "agent"], input=GOOD + "\n"
    )
    assert result.exit_code == 1 and "e-mail" in result.output
    result = runner.invoke(
        args=["user", "create", "e@example.com", "--role", "agent", "--site", "Atlantis"],
        input=GOOD + "\n",
    )
    assert result.exit_code == 1 and "Atlantis" in result.output
    assert _user("e@example.com") is None


def test_token_create_prints_a_token_that_works_against_the_api(runner, client):
    assert (
        runner.invoke(
            args=["user", "create", "api@example.com", "--role", "employee"], input=GOOD + "\n"
        ).exit_code
        == 0
    )
    result = runner.invoke(args=["token", "create", "api@example.com"])
    assert result.exit_code == 0, result.output
    token = result.output.strip()
    assert len(token) >= 40
    stored = db.session.scalars(db.select(ApiToken.token_hash)).all()
    assert stored == [ApiToken.hash(token)]  # only the hash is kept

    headers = {"Authorization": f"Bearer {token}"}
    created = client.post(
        "/api/v1/tickets", json={"subject": "Made from a script"}, headers=headers
    )
    assert created.status_code == 201, created.json
    assert created.json["requester"]["email"] == "api@example.com"
    listed = client.get("/api/v1/tickets", headers=headers).json["items"]
    assert [t["id"] for t in listed] == [created.json["id"]]

    result = runner.invoke(args=["token", "revoke", "api@example.com"])
    assert result.exit_code == 0 and "Revoked 1" in result.output
    assert client.get("/api/v1/tickets", headers=headers).status_code == 401


def test_each_token_is_new(runner, make_user):
    user = make_user()
    first = runner.invoke(args=["token", "create", user.email]).output.strip()
    second = runner.invoke(args=["token", "create", user.email]).output.strip()
    assert first != second


def test_token_commands_refuse_unknown_user(runner):
    for command in ("create", "revoke"):
        result = runner.invoke(args=["token", command, "nobody@example.com"])
        assert result.exit_code == 1
        assert "nobody@example.com" in result.output


def test_user_create_uses_the_shared_password_rules(runner):
    from dispatch.people.services import PASSWORD_MAX

    for bad, words in ((" " * 12, "only spaces"), ("x" * (PASSWORD_MAX + 1), "at most")):
        result = runner.invoke(
            args=["user", "create", "f@example.com", "--role", "agent"], input=bad + "\n"
        )
        assert result.exit_code == 1 and words in result.output
    assert _user("f@example.com") is None
    # A long password is accepted: the limit is the one the pages share.
    result = runner.invoke(
        args=["user", "create", "f@example.com", "--role", "agent"], input="z" * 300 + "\n"
    )
    assert result.exit_code == 0 and _user("f@example.com").check_password("z" * 300)

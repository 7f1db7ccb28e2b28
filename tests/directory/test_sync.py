"""`flask directory sync` against a real slapd: everyone created and kept up to date, leavers
deactivated (never deleted), a dry run changes nothing."""

from __future__ import annotations

from dispatch.audit.models import AdminEvent
from dispatch.directory.models import DirectorySync
from dispatch.extensions import db
from dispatch.people import services as people
from dispatch.people.models import ApiToken, User


def _users():
    return {u.email: u for u in db.session.scalars(db.select(User))}


def test_sync_creates_everyone_and_prints_it(dir_app):
    result = dir_app.test_cli_runner().invoke(args=["directory", "sync"])
    assert result.exit_code == 0, result.output
    users = _users()
    assert set(users) == {
        "stefan.turcanu@firma.ro",
        "ioana.margarit@firma.ro",
        "andrei.dumitrescu@firma.ro",
        "elena.popa@firma.ro",
        "radu.ionescu@firma.ro",
    }  # the disabled Mihai Plecat gets no account
    assert users["andrei.dumitrescu@firma.ro"].role == "technician"
    assert users["andrei.dumitrescu@firma.ro"].site.name == "Brașov"
    assert "created dispatcher stefan.turcanu@firma.ro" in result.output
    assert "6 people in the directory: 5 created, 0 updated, 0 deactivated" in result.output
    assert "no site named 'Timișoara'" in result.output
    run = db.session.scalar(db.select(DirectorySync))
    assert run.created == 5 and run.source.startswith("command line")
    events = db.session.scalars(db.select(AdminEvent).filter_by(target_type="user")).all()
    assert len(events) == 5 and all(e.actor_name.startswith("command line") for e in events)
    # A second run finds nothing to change.
    again = dir_app.test_cli_runner().invoke(args=["directory", "sync"])
    assert "0 created, 0 updated, 0 deactivated" in again.output


def test_a_dry_run_writes_nothing(dir_app):
    result = dir_app.test_cli_runner().invoke(args=["directory", "sync", "--dry-run"])
    assert result.exit_code == 0, result.output
    assert "would have created dispatcher stefan.turcanu@firma.ro" in result.output
    assert _users() == {}
    assert db.session.scalar(db.select(DirectorySync)) is None
    assert db.session.scalar(db.select(AdminEvent)) is None


def test_leavers_and_disabled_people_are_deactivated_not_deleted(dir_app):
    gone = User(email="fost.angajat@firma.ro", name="Fost", auth_source="ldap", directory_id="x")
    disabled = User(email="mihai.plecat@firma.ro", name="Mihai", auth_source="ldap")
    local = User(email="admin@firma.ro", name="Admin", auth_source="local")
    db.session.add_all([gone, disabled, local])
    db.session.commit()
    token = people.create_token(gone)
    result = dir_app.test_cli_runner().invoke(args=["directory", "sync"])
    assert "deactivated fost.angajat@firma.ro (no longer in the directory)" in result.output
    assert "deactivated mihai.plecat@firma.ro (disabled)" in result.output
    users = _users()
    assert not users["fost.angajat@firma.ro"].active
    assert users["fost.angajat@firma.ro"].directory_disabled
    assert not users["mihai.plecat@firma.ro"].active
    assert users["admin@firma.ro"].active  # local accounts are not the directory's
    assert db.session.scalar(db.select(ApiToken)).revoked
    api = dir_app.test_client().get("/api/v1/tickets", headers={"Authorization": f"Bearer {token}"})
    assert api.status_code == 401


def test_only_accounts_the_directory_closed_come_back(dir_app):
    closed_by_sync = User(
        email="ioana.margarit@firma.ro", name="I", auth_source="ldap", active=False,
        directory_disabled=True,
    )  # fmt: skip
    closed_by_admin = User(
        email="radu.ionescu@firma.ro", name="R", auth_source="ldap", active=False
    )
    db.session.add_all([closed_by_sync, closed_by_admin])
    db.session.commit()
    result = dir_app.test_cli_runner().invoke(args=["directory", "sync"])
    assert "reactivated ioana.margarit@firma.ro" in result.output
    users = _users()
    assert users["ioana.margarit@firma.ro"].active
    assert not users["radu.ionescu@firma.ro"].active


def test_a_local_account_with_a_directory_address_is_reported_and_can_be_adopted(dir_app):
    people.create_user("elena.popa@firma.ro", "employee", "local password 123")
    result = dir_app.test_cli_runner().invoke(args=["directory", "sync"])
    assert "problem: elena.popa@firma.ro is a local account" in result.output
    assert "flask directory adopt elena.popa@firma.ro" in result.output
    assert db.session.scalar(db.select(DirectorySync)).problems
    elena = _users()["elena.popa@firma.ro"]
    assert elena.auth_source == "local"
    adopted = dir_app.test_cli_runner().invoke(args=["directory", "adopt", "elena.popa@firma.ro"])
    assert adopted.exit_code == 0, adopted.output
    db.session.expire_all()
    elena = _users()["elena.popa@firma.ro"]
    assert elena.auth_source == "ldap" and elena.password_hash is None
    assert elena.department.name == "Contabilitate"


def test_adopt_refuses_what_it_cannot_convert(dir_app):
    people.create_user("alt.stefan@firma.ro", "employee", "local password 123")
    runner = dir_app.test_cli_runner()
    unknown = runner.invoke(args=["directory", "adopt", "nobody@firma.ro"])
    assert unknown.exit_code == 1 and "No account has the address" in unknown.output
    stranger = runner.invoke(args=["directory", "adopt", "alt.stefan@firma.ro"])
    assert stranger.exit_code == 1 and "The directory has no person" in stranger.output
    assert _users()["alt.stefan@firma.ro"].auth_source == "local"


def test_sync_without_a_directory_says_so(runner):
    result = runner.invoke(args=["directory", "sync"])
    assert result.exit_code == 1 and "LDAP_URL is not set" in result.output


def test_sync_with_the_directory_down_changes_nothing(make_app, closed_port):
    app = make_app(
        LDAP_URL=f"ldap://127.0.0.1:{closed_port}",
        LDAP_ALLOW_PLAINTEXT=True,
        LDAP_BASE_DN="dc=firma,dc=ro",
    )
    with app.app_context():
        result = app.test_cli_runner().invoke(args=["directory", "sync"])
    assert result.exit_code == 1 and "the directory is unavailable" in result.output

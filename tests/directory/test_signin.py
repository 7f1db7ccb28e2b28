"""Signing in against a real slapd: the first sign-in creates the account from the directory;
wrong, empty and crafted input is refused; local accounts stay local."""

from __future__ import annotations

import logging

import pytest

from dispatch.audit.models import AdminEvent
from dispatch.directory import client
from dispatch.directory.accounts import role_for
from dispatch.directory.settings import from_config
from dispatch.extensions import db
from dispatch.mail.correspondents import find_user
from dispatch.people import services as people
from dispatch.people.models import Department, User
from tests.directory.support import PASSWORD


def _login(app, email, password):
    return app.test_client().post("/login", data={"email": email, "password": password})


def test_first_sign_in_creates_the_account_from_the_directory(dir_app):
    response = _login(dir_app, "stefan.turcanu@firma.ro", PASSWORD)
    assert response.status_code == 302
    user = db.session.scalar(db.select(User).filter_by(email="stefan.turcanu@firma.ro"))
    assert user.name == "Ștefan Țurcanu"
    assert user.auth_source == "ldap" and user.password_hash is None  # never stored
    assert user.role == "dispatcher"  # dispatcher and technician: the highest wins
    assert user.department.name == "Logistică"
    assert user.site.name == "Cluj-Napoca"
    assert user.phone == "+40 264 100 100"
    assert user.locale == "ro"  # the directory's preferredLanguage "ro-RO"
    assert user.directory_id
    event = db.session.scalar(db.select(AdminEvent).filter_by(target_id=user.id))
    assert event.action == "created" and event.actor_name == "Dispatch"
    # Mail from the alias finds the same person.
    assert find_user("s.turcanu@firma.ro") == user


def test_sites_match_by_name_or_code_without_case_or_diacritics(dir_app):
    assert _login(dir_app, "ioana.margarit@firma.ro", PASSWORD).status_code == 302  # "BRASOV"
    assert _login(dir_app, "radu.ionescu@firma.ro", PASSWORD).status_code == 302  # "CJ"
    ioana = db.session.scalar(db.select(User).filter_by(email="ioana.margarit@firma.ro"))
    radu = db.session.scalar(db.select(User).filter_by(email="radu.ionescu@firma.ro"))
    assert ioana.site.name == "Brașov" and radu.site.name == "Cluj-Napoca"
    # Radu is in Agenti-Brasov, which is inside Helpdesk-Agents: the nested group counts.
    assert radu.role == "agent" and ioana.role == "agent"
    assert db.session.scalar(db.select(Department).filter_by(name="Suport IT")) is not None


def test_no_role_group_means_employee_and_unknown_site_is_left_empty(dir_app):
    assert _login(dir_app, "elena.popa@firma.ro", PASSWORD).status_code == 302
    elena = db.session.scalar(db.select(User).filter_by(email="elena.popa@firma.ro"))
    assert elena.role == "employee" and elena.site is None  # no site Timișoara here
    assert elena.locale == "en"
    assert _login(dir_app, "ioana.margarit@firma.ro", PASSWORD).status_code == 302
    ioana = db.session.scalar(db.select(User).filter_by(email="ioana.margarit@firma.ro"))
    assert ioana.locale is None  # none said: the browser's language


@pytest.mark.parametrize("password", ["wrong password", ""])
def test_a_wrong_or_empty_password_is_refused(dir_app, password):
    response = _login(dir_app, "stefan.turcanu@firma.ro", password)
    assert response.status_code == 200
    assert db.session.scalar(db.select(User).filter_by(email="stefan.turcanu@firma.ro")) is None


def test_an_empty_password_never_reaches_the_directory(dir_app, closed_port):
    # Pointed at a port where nothing listens: any bind would raise DirectoryUnavailable.
    settings = from_config({**dir_app.config, "LDAP_URL": f"ldap://127.0.0.1:{closed_port}"})
    assert client.check_password(settings, "stefan.turcanu@firma.ro", "") is None
    with pytest.raises(client.DirectoryUnavailable):
        client.check_password(settings, "stefan.turcanu@firma.ro", PASSWORD)


@pytest.mark.parametrize(
    "login",
    ["*", "stefan*", "*)(uid=*", "stefan.turcanu@firma.ro)(|(uid=*", "\\2a", "a\x00b", "("],
)
def test_crafted_logins_cannot_change_the_search(dir_app, login):
    settings = from_config(dir_app.config)
    conn = client.service_connection(settings)
    try:
        assert client.find(settings, conn, login) is None
    finally:
        conn.unbind()
    assert client.check_password(settings, login, PASSWORD) is None


def test_special_characters_are_escaped_in_the_filter():
    text = client.login_filter("(uid={login})", "*()\\\x00")
    assert text == "(uid=\\2a\\28\\29\\5c\\00)"


def test_a_disabled_person_cannot_sign_in(dir_app):
    assert _login(dir_app, "mihai.plecat@firma.ro", PASSWORD).status_code == 200
    assert db.session.scalar(db.select(User).filter_by(email="mihai.plecat@firma.ro")) is None


def test_a_local_account_is_not_taken_over(dir_app, caplog):
    people.create_user("elena.popa@firma.ro", "employee", "local password 123")
    with caplog.at_level(logging.WARNING, logger="dispatch.directory"):
        assert _login(dir_app, "elena.popa@firma.ro", PASSWORD).status_code == 200
    assert "flask directory adopt elena.popa@firma.ro" in caplog.text
    user = db.session.scalar(db.select(User).filter_by(email="elena.popa@firma.ro"))
    assert user.auth_source == "local" and user.check_password("local password 123")
    # …and the local password still works: a break-glass account does not need the directory.
    assert _login(dir_app, "elena.popa@firma.ro", "local password 123").status_code == 302


def test_the_local_admin_signs_in_when_the_directory_is_down(down_app):
    people.create_user("admin@firma.ro", "admin", "break glass 12345")
    assert _login(down_app, "admin@firma.ro", "break glass 12345").status_code == 302
    said = "The company directory cannot be reached"
    # Everyone else is told the directory is down, the same for any address: nothing is
    # created, and nothing tells whether the person exists.
    for email, password in (
        ("nobody@firma.ro", "whatever 12345"),
        ("stefan.turcanu@firma.ro", PASSWORD),
        ("admin@firma.ro", "a wrong password"),
    ):
        page = _login(down_app, email, password)
        assert page.status_code == 200 and said in page.get_data(as_text=True)
    assert db.session.scalar(db.select(db.func.count(User.id))) == 1


def test_a_closed_account_cannot_sign_in_nor_use_its_tokens(dir_app):
    assert _login(dir_app, "ioana.margarit@firma.ro", PASSWORD).status_code == 302
    user = db.session.scalar(db.select(User).filter_by(email="ioana.margarit@firma.ro"))
    token = people.create_token(user)
    people.set_active(user, False)
    db.session.commit()
    assert _login(dir_app, "ioana.margarit@firma.ro", PASSWORD).status_code == 200
    api = dir_app.test_client().get("/api/v1/tickets", headers={"Authorization": f"Bearer {token}"})
    assert api.status_code == 401


def test_an_unknown_login_costs_the_directory_what_a_wrong_password_does(dir_app, slapd):
    # Not a stopwatch: the directory's own count of the binds it answered. A wrong password is
    # the service account's bind and one as the person; nobody must cost the same two, so the
    # answer takes as long whether or not the person exists.
    settings = from_config(dir_app.config)
    spent = []
    for login in ("elena.popa@firma.ro", "nimeni@firma.ro", "*)(uid=*"):
        before = slapd.binds()
        assert client.check_password(settings, login, "wrong password 123") is None
        spent.append(slapd.binds() - before)
    assert spent[0] == spent[1] == spent[2] == 3  # two, and the count's own reading


def test_a_dn_template_binds_as_the_person_without_a_search(make_app, directory_config):
    template = "uid={login},ou=oameni,dc=firma,dc=ro"
    config = {**directory_config, "LDAP_BIND_DN": None, "LDAP_BIND_PASSWORD": None}
    app = make_app(RATELIMIT_ENABLED=False, LDAP_USER_DN_TEMPLATE=template, **config)
    with app.app_context():
        settings = from_config(app.config)
        person = client.check_password(settings, "rionescu", PASSWORD)
        assert person.email == "radu.ionescu@firma.ro"
        assert role_for(settings, person.groups) == "agent"  # through Agenti-Brasov
        assert client.check_password(settings, "rionescu", "wrong password 123") is None
        # Typed as a DN value, escaped: it cannot name another entry.
        assert client.check_password(settings, "rionescu,ou=oameni", PASSWORD) is None

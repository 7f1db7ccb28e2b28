"""Signing in and out start from an empty session, and signing out ends the account's sessions
everywhere: a copy of the cookie (session or remember-me) is refused afterwards. Signing in
hashes a password exactly once whatever the account, so its time tells nothing."""

from __future__ import annotations

import pytest
from werkzeug import security

from dispatch.auth import services
from dispatch.extensions import db
from dispatch.people import models

PROTECTED = "/tickets/new"


def signed_in(client) -> bool:
    response = client.get(PROTECTED)
    assert response.status_code in (200, 302)
    return response.status_code == 200


def login(client, user, password, **extra):
    response = client.post("/login", data={"email": user.email, "password": password, **extra})
    assert response.status_code == 302
    return client


def copy_cookie(source, target, name: str) -> None:
    target.set_cookie(name, source.get_cookie(name).value)


def test_a_copied_session_cookie_dies_when_its_owner_signs_out(app, make_user, password):
    user = make_user()
    browser, thief = login(app.test_client(), user, password), app.test_client()
    copy_cookie(browser, thief, "session")
    assert signed_in(thief)
    assert browser.post("/logout").status_code == 302
    assert not signed_in(browser) and not signed_in(thief)
    login(browser, user, password)  # signing in again works as always
    assert signed_in(browser)


def test_a_copied_remember_me_cookie_dies_too(app, make_user, password):
    user = make_user()
    browser = login(app.test_client(), user, password, remember="y")
    thief, later = app.test_client(), app.test_client()
    copy_cookie(browser, thief, "remember_token")
    copy_cookie(browser, later, "remember_token")  # used only after the sign-out
    assert signed_in(thief)
    response = browser.post("/logout")
    assert "remember_token=;" in " ".join(response.headers.getlist("Set-Cookie"))  # deleted
    assert not signed_in(thief) and not signed_in(later)


def test_signing_out_raises_the_session_generation(client, auth):
    user = auth.login()
    before = user.session_generation
    auth.logout()
    db.session.expire_all()
    assert db.session.get(models.User, user.id).session_generation == before + 1


def test_signing_in_starts_from_an_empty_session(client, make_user, password):
    user = make_user()
    with client.session_transaction() as session:
        session["csrf_token"] = "from-the-anonymous-visit"
        session["_flashes"] = [("info", "left over")]
        session["planted"] = "x"
    login(client, user, password)
    with client.session_transaction() as session:
        assert "csrf_token" not in session and "_flashes" not in session
        assert "planted" not in session
        assert session["_user_id"] == user.get_id()


def test_signing_out_leaves_only_the_goodbye(client, auth):
    auth.login()
    with client.session_transaction() as session:
        session["csrf_token"] = "of-the-signed-in-visit"
        session["planted"] = "x"
    client.post("/logout")
    with client.session_transaction() as session:
        assert "csrf_token" not in session and "planted" not in session
        assert "_user_id" not in session
        assert [m for _c, m in session["_flashes"]] == ["You are signed out."]


@pytest.fixture
def hashes(monkeypatch):
    """Counts the password hashes computed, wherever sign-in computes them."""
    calls = []
    real = security.check_password_hash

    def counted(pwhash, password):
        calls.append(pwhash)
        return real(pwhash, password)

    monkeypatch.setattr(services, "check_password_hash", counted)
    monkeypatch.setattr(models, "check_password_hash", counted)
    return calls


@pytest.mark.parametrize("account", ["unknown", "inactive", "no password", "wrong", "right"])
def test_signing_in_hashes_once_whatever_the_account(make_user, password, hashes, account):
    kw = {"inactive": {"active": False}, "no password": {"password_hash": None}}.get(account, {})
    user = make_user(**kw)
    email = "nobody@example.com" if account == "unknown" else user.email
    typed = "not it" if account == "wrong" else password
    found = services.authenticate(email, typed)
    assert (found is not None) == (account == "right")
    assert len(hashes) == 1

"""A new password ends every other session (and remember-me cookie); API tokens keep working.
Signing in and out start from an empty session, and signing out ends the account's sessions
everywhere: a copy of the cookie (session or remember-me) is refused afterwards. Signing in
hashes a password exactly once whatever the account, so its time tells nothing."""

from __future__ import annotations

import re

import pytest
from werkzeug import security

from dispatch.auth import services
from dispatch.extensions import db
from dispatch.people import models

NEW = "a fresh long passphrase"
PROTECTED = "/tickets/new"


def signed_in(client) -> bool:
    response = client.get(PROTECTED)
    assert response.status_code in (200, 302)
    return response.status_code == 200


def login(client, user, password, **extra):
    response = client.post("/login", data={"email": user.email, "password": password, **extra})
    assert response.status_code == 302
    return client


def test_session_id_carries_the_password_stamp(make_user):
    user = make_user()
    before = user.get_id()
    assert re.fullmatch(rf"{user.id}:[0-9a-f]{{16}}", before)
    assert user.password_hash not in before
    user.set_password(NEW)
    assert user.get_id() != before and user.get_id().startswith(f"{user.id}:")


def test_changing_the_password_signs_out_the_other_sessions(app, make_user, password):
    user = make_user()
    laptop, phone = app.test_client(), app.test_client()
    login(laptop, user, password)
    login(phone, user, password)
    assert signed_in(laptop) and signed_in(phone)
    response = laptop.post(
        "/account/password", data={"current_password": password, "password": NEW, "confirm": NEW}
    )
    assert response.status_code == 302
    assert signed_in(laptop)
    assert not signed_in(phone)
    response = phone.get(PROTECTED)
    assert "/login" in response.headers["Location"]
    # Signing in again with the new password works as always.
    login(phone, user, NEW)
    assert signed_in(phone)


def test_a_remember_me_cookie_dies_with_the_password(app, make_user, password):
    user = make_user()
    laptop, phone = app.test_client(), app.test_client()
    login(phone, user, password, remember="y")
    assert phone.get_cookie("remember_token") is not None
    # The browser closed: the session cookie is gone, the remember cookie brings them back ...
    phone.delete_cookie("session")
    assert signed_in(phone)
    # ... until the password changes elsewhere.
    login(laptop, user, password)
    laptop.post(
        "/account/password", data={"current_password": password, "password": NEW, "confirm": NEW}
    )
    phone.delete_cookie("session")
    assert not signed_in(phone)


def test_keep_me_signed_in_survives_ones_own_change(app, make_user, password):
    user = make_user()
    client = login(app.test_client(), user, password, remember="y")
    client.post(
        "/account/password", data={"current_password": password, "password": NEW, "confirm": NEW}
    )
    client.delete_cookie("session")
    assert signed_in(client)  # the remember cookie was renewed with the new stamp


def test_a_reset_by_link_signs_out_the_other_sessions(app, make_user, password):
    from dispatch.auth.passwords import make_token

    user = make_user()
    old = login(app.test_client(), user, password)
    fresh = app.test_client()
    token = make_token(user)
    assert (
        fresh.post(f"/password/reset/{token}", data={"password": NEW, "confirm": NEW}).status_code
        == 302
    )
    assert signed_in(fresh)
    assert not signed_in(old)


def test_a_session_from_before_stamps_is_refused(app, make_user, password):
    user = make_user()
    client = login(app.test_client(), user, password)
    with client.session_transaction() as session:
        session["_user_id"] = str(user.id)  # what sessions held before this change
    assert not signed_in(client)
    with client.session_transaction() as session:
        session["_user_id"] = f"{user.id}:0000000000000000"  # a forged or stale stamp
    assert not signed_in(client)


def test_api_tokens_keep_working_after_a_password_change(app, make_user, password):
    from dispatch.people.services import change_password, create_token

    user = make_user()
    token = create_token(user)
    headers = {"Authorization": f"Bearer {token}"}
    api = app.test_client()
    assert api.get("/api/v1/tickets", headers=headers).status_code == 200
    change_password(user, NEW)
    db.session.expire_all()
    assert api.get("/api/v1/tickets", headers=headers).status_code == 200


def test_a_deactivated_account_is_signed_out(app, make_user, password):
    user = make_user()
    client = login(app.test_client(), user, password)
    user.active = False
    db.session.commit()
    assert not signed_in(client)


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

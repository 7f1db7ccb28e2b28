"""A new password ends every other session (and remember-me cookie); API tokens keep working."""

from __future__ import annotations

import re

from dispatch.extensions import db

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

"""Forgot your password? The request, the mail in the outbox, the signed single-use link, and the
account page's password change."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from dispatch.extensions import db
from dispatch.mail.models import Outbound, OutboxMessage
from dispatch.people.models import User

LINK = re.compile(r"https?://localhost(/password/reset/[A-Za-z0-9_.\-]+)")
NEW = "a fresh long passphrase"


def outbox_rows():
    db.session.expire_all()
    return list(db.session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)))


def delivered():
    """Send what is due (no MAIL_SERVER: the local outbox) and return every row."""
    from dispatch.mail.outbound import deliver_pending

    deliver_pending()
    return outbox_rows()


def link_in(body: str) -> str:
    match = LINK.search(body)
    assert match, body
    return match.group(1)


def ask_for_link(client, email: str):
    return client.post("/password/forgot", data={"email": email})


def mailed_link(client, user) -> str:
    assert ask_for_link(client, user.email).status_code == 200
    row = delivered()[-1]
    assert (row.kind, row.recipient, row.status) == ("password", user.email, Outbound.LOCAL)
    return link_in(row.body)


@pytest.fixture(autouse=True)
def quick(app):
    app.config["PASSWORD_RESET_MIN_SECONDS"] = 0  # one test checks the delay itself


def test_login_page_offers_the_way_back(client):
    body = client.get("/login").get_data(as_text=True)
    assert 'href="/password/forgot"' in body and "Forgot your password?" in body
    assert client.get("/password/forgot").status_code == 200


def test_the_whole_way_from_forgotten_to_signed_in(client, make_user, password):
    user = make_user(email="ana.pop@example.com", name="Ana Pop")
    response = ask_for_link(client, "  Ana.Pop@Example.com ")
    assert response.status_code == 200
    assert "Check your mail" in response.get_data(as_text=True)
    [row] = delivered()
    assert (row.kind, row.recipient, row.ticket_id) == ("password", "ana.pop@example.com", None)
    assert row.headers["Auto-Submitted"] == "auto-generated"
    assert "Hello Ana Pop" in row.body and "1 hour" in row.body
    path = link_in(row.body)

    page = client.get(path)  # a mail scanner opening the link changes nothing
    assert page.status_code == 200
    assert page.headers["Cache-Control"] == "no-store"
    assert page.headers["Referrer-Policy"] == "no-referrer"
    assert "Choose a new password" in page.get_data(as_text=True)
    assert "ana.pop@example.com" in page.get_data(as_text=True)
    db.session.expire_all()
    assert user.check_password(password)

    response = client.post(path, data={"password": NEW, "confirm": NEW})
    assert response.status_code == 302 and response.headers["Location"].endswith("/")
    assert client.get("/tickets/new").status_code == 200  # signed in
    db.session.expire_all()
    assert user.check_password(NEW) and not user.check_password(password)
    other = client.application.test_client()
    assert other.post("/login", data={"email": user.email, "password": NEW}).status_code == 302


def test_unknown_address_gets_the_same_answer_and_nothing_is_sent(client, make_user):
    make_user(email="known@example.com")
    known = ask_for_link(client, "known@example.com")
    unknown = ask_for_link(client, "nobody@example.com")
    assert known.status_code == unknown.status_code == 200

    def page(response):
        return response.get_data(as_text=True).replace("known@", "X@").replace("nobody@", "X@")

    assert page(known) == page(unknown)
    assert set(known.headers.keys()) == set(unknown.headers.keys())
    assert [r.recipient for r in delivered()] == ["known@example.com"]


def test_answer_takes_as_long_either_way(app, client, make_user):
    import time

    app.config["PASSWORD_RESET_MIN_SECONDS"] = 0.2
    user = make_user()
    for email in (user.email, "nobody@example.com"):
        started = time.monotonic()
        ask_for_link(client, email)
        assert time.monotonic() - started >= 0.2


def test_inactive_account_gets_no_mail_and_no_reset(client, make_user):
    user = make_user(active=False)
    response = ask_for_link(client, user.email)
    assert response.status_code == 200 and "Check your mail" in response.get_data(as_text=True)
    assert delivered() == []
    # A link sent before the account was deactivated no longer works, nor does its mail go out.
    from dispatch.auth.passwords import make_token

    response = client.get(f"/password/reset/{make_token(user)}")
    assert response.status_code == 400
    assert "not valid" in response.get_data(as_text=True)


def test_mail_for_an_account_deactivated_meanwhile_is_not_sent(client, make_user):
    user = make_user()
    ask_for_link(client, user.email)
    user.active = False
    db.session.commit()
    [row] = delivered()
    assert row.status == Outbound.SUPPRESSED and row.body == ""


def test_link_works_once(client, make_user):
    user = make_user()
    path = mailed_link(client, user)
    assert client.post(path, data={"password": NEW, "confirm": NEW}).status_code == 302
    again = client.application.test_client()
    for response in (
        again.get(path),
        again.post(path, data={"password": "another passphrase", "confirm": "another passphrase"}),
    ):
        assert response.status_code == 400
        assert "already been used" in response.get_data(as_text=True)
    db.session.expire_all()
    assert user.check_password(NEW)


def test_link_dies_when_the_password_changes_otherwise(client, make_user, auth, password):
    user = make_user()
    path = mailed_link(client, user)
    auth.login(user)
    client.post(
        "/account/password", data={"current_password": password, "password": NEW, "confirm": NEW}
    )
    response = client.get(path)
    assert response.status_code == 400 and "already been used" in response.get_data(as_text=True)


def test_link_dies_when_the_account_is_deactivated_and_reactivated(client, make_user):
    user = make_user()
    path = mailed_link(client, user)
    user.set_active(False)
    db.session.commit()
    user.set_active(True)
    db.session.commit()
    response = client.get(path)
    assert response.status_code == 400 and "already been used" in response.get_data(as_text=True)


def test_link_dies_when_the_address_changes(client, make_user):
    user = make_user()
    path = mailed_link(client, user)
    user.email = "new.address@example.com"
    db.session.commit()
    assert client.get(path).status_code == 400


def test_expired_link_is_refused_with_a_clear_message(client, make_user, monkeypatch):
    from dispatch.auth import passwords

    user = make_user()
    path = mailed_link(client, user)
    later = passwords.utcnow() + timedelta(minutes=61)
    monkeypatch.setattr(passwords, "utcnow", lambda: later)
    response = client.post(path, data={"password": NEW, "confirm": NEW})
    assert response.status_code == 400
    body = response.get_data(as_text=True)
    assert "This link has expired" in body and 'href="/password/forgot"' in body
    db.session.expire_all()
    assert not user.check_password(NEW)


@pytest.mark.parametrize(
    "tamper",
    [
        lambda t: t[:-2] + ("AA" if not t.endswith("AA") else "BB"),  # the signature
        lambda t: ("X" if t[0] != "X" else "Y") + t[1:],  # the payload
        lambda t: t.split(".")[0],  # cut short
        lambda t: "not-a-token",
    ],
)
def test_tampered_link_is_refused(client, make_user, tamper):
    user = make_user()
    path = mailed_link(client, user)
    token = path.rsplit("/", 1)[1]
    response = client.post(
        f"/password/reset/{tamper(token)}", data={"password": NEW, "confirm": NEW}
    )
    assert response.status_code == 400
    assert "This link is not valid" in response.get_data(as_text=True)
    db.session.expire_all()
    assert not user.check_password(NEW)


def test_a_link_signed_with_another_key_or_for_another_use_is_refused(app, client, make_user):
    from itsdangerous import URLSafeTimedSerializer

    from dispatch.auth.passwords import link_stamp

    user = make_user()
    forged = URLSafeTimedSerializer("guessed key", salt="dispatch.auth.password").dumps(
        [user.id, link_stamp(user), "reset"]
    )
    other_use = URLSafeTimedSerializer(app.config["SECRET_KEY"], salt="dispatch.mail.reopen").dumps(
        [user.id, link_stamp(user), "reset"]
    )
    for token in (forged, other_use):
        assert client.get(f"/password/reset/{token}").status_code == 400


def test_new_password_follows_the_shared_rules(client, make_user):
    user = make_user()
    path = mailed_link(client, user)
    response = client.post(path, data={"password": "short1234", "confirm": "short1234"})
    body = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "The password needs at least 10 characters." in body and "short1234" not in body
    response = client.post(path, data={"password": NEW, "confirm": NEW + "!"})
    assert "The two passwords are not the same." in response.get_data(as_text=True)
    response = client.post(path, data={"password": " " * 12, "confirm": " " * 12})
    assert "This field is required." in response.get_data(as_text=True)
    # The link is still good after refused attempts.
    assert client.post(path, data={"password": NEW, "confirm": NEW}).status_code == 302


def test_output_is_escaped(client):
    nasty = '"<script>alert(1)</script>"@example.com'
    body = ask_for_link(client, nasty).get_data(as_text=True)
    assert "<script>alert(1)" not in body
    body = ask_for_link(client, "o'neil&co@example.com").get_data(as_text=True)
    assert "Check your mail" in body and "o&#39;neil&amp;co@example.com" in body
    response = client.get("/password/reset/%3Cscript%3Ealert(1)%3C")
    assert response.status_code == 400 and "<script>alert(1)" not in response.get_data(as_text=True)


def test_reset_never_redirects_elsewhere(client, make_user):
    user = make_user()
    path = mailed_link(client, user)
    response = client.post(
        f"{path}?next=//evil.example/x",
        data={"password": NEW, "confirm": NEW, "next": "https://evil.example"},
    )
    assert response.status_code == 302 and "evil" not in response.headers["Location"]


def test_forms_refuse_a_missing_csrf_token(app, client, make_user, auth, password):
    user = make_user()
    path = mailed_link(client, user)
    signed_in = app.test_client()
    Auth = type(auth)
    Auth(signed_in, make_user).login(user)
    app.config["WTF_CSRF_ENABLED"] = True
    try:
        assert ask_for_link(client, user.email).status_code == 400
        assert client.post(path, data={"password": NEW, "confirm": NEW}).status_code == 400
        assert (
            signed_in.post(
                "/account/password",
                data={"current_password": password, "password": NEW, "confirm": NEW},
            ).status_code
            == 400
        )
    finally:
        app.config["WTF_CSRF_ENABLED"] = False
    assert len(outbox_rows()) == 1
    db.session.expire_all()
    assert not user.check_password(NEW)


def test_requester_created_from_mail_gets_a_set_password_link(app, client, monkeypatch):
    from email.message import EmailMessage

    from dispatch.auth import passwords
    from dispatch.mail.ingest import ingest

    msg = EmailMessage()
    msg["From"], msg["To"] = "Radu Ionescu <radu@example.com>", "help@example.com"
    msg["Subject"], msg["Message-ID"] = "Heating is off in room 12", "<h1@mail.example.com>"
    msg.set_content("Since this morning.")
    ingest(msg.as_bytes(), source="test")
    user = db.session.scalar(select(User).filter_by(email="radu@example.com"))
    assert user.password_hash is None
    [ack] = delivered()
    assert ack.kind == "ack"
    assert "set a password" in ack.body and "7 days" in ack.body
    path = link_in(ack.body[ack.body.index("set a password") :])
    page = client.get(path).get_data(as_text=True)
    assert "Set your password" in page and "radu@example.com" in page
    # Valid for days, not just the hour of a reset link (PASSWORD_SET_LINK_DAYS).
    later = passwords.utcnow() + timedelta(days=6)
    monkeypatch.setattr(passwords, "utcnow", lambda: later)
    assert client.post(path, data={"password": NEW, "confirm": NEW}).status_code == 302
    assert client.get("/tickets/mine").status_code == 200


def test_set_password_link_expires_after_the_configured_days(app, client, monkeypatch):
    from dispatch.auth import passwords

    app.config["PASSWORD_SET_LINK_DAYS"] = 2
    user = User(email="new@example.com", name="New", role="employee")
    db.session.add(user)
    db.session.commit()
    token = passwords.make_token(user, passwords.WELCOME)
    later = passwords.utcnow() + timedelta(days=2, minutes=1)
    monkeypatch.setattr(passwords, "utcnow", lambda: later)
    response = client.get(f"/password/reset/{token}")
    assert response.status_code == 400 and "expired" in response.get_data(as_text=True)


def test_requester_with_a_password_gets_no_such_link(make_ticket):
    make_ticket()
    [ack] = delivered()
    assert ack.kind == "ack" and "/password/reset/" not in ack.body


def test_change_own_password(client, auth, password):
    user = auth.login()
    page = client.get("/account/password")
    assert page.status_code == 200 and "Current password" in page.get_data(as_text=True)
    response = client.post(
        "/account/password",
        data={"current_password": "wrong guess!", "password": NEW, "confirm": NEW},
    )
    assert "That is not your current password." in response.get_data(as_text=True)
    response = client.post(
        "/account/password",
        data={"current_password": password, "password": "short", "confirm": "short"},
    )
    assert "at least 10 characters" in response.get_data(as_text=True)
    response = client.post(
        "/account/password", data={"current_password": password, "password": NEW, "confirm": NEW}
    )
    assert response.status_code == 302
    db.session.expire_all()
    assert user.check_password(NEW)
    assert client.get("/tickets/new").status_code == 200  # still signed in here


def test_change_password_needs_a_session(client):
    response = client.get("/account/password")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


# --- rate limits -------------------------------------------------------------------------------


@pytest.fixture
def limited_client(app):
    from dispatch import create_app
    from dispatch.extensions import limiter

    config = {
        k: app.config[k]
        for k in (
            "TESTING",
            "SECRET_KEY",
            "SQLALCHEMY_DATABASE_URI",
            "WTF_CSRF_ENABLED",
            "ATTACHMENT_DIR",
            "SERVER_NAME",
        )
    }
    config.update(
        RATELIMIT_ENABLED=True,
        PASSWORD_RESET_RATE_LIMIT="4 per hour",
        PASSWORD_RESET_ADDRESS_LIMIT="2 per hour",
        PASSWORD_RESET_MIN_SECONDS=0,
    )
    limited = create_app(config)

    def client_from(ip: str):
        client = limited.test_client()
        client.environ_base["REMOTE_ADDR"] = ip
        return client

    yield client_from
    limiter.enabled = False
    with limited.app_context():
        db.engine.dispose()


def test_requests_are_limited_per_address(limited_client, make_user):
    user = make_user(email="target@example.com")
    codes = [
        limited_client(f"10.0.1.{i}")
        .post("/password/forgot", data={"email": user.email})
        .status_code
        for i in range(3)
    ]
    assert codes == [200, 200, 429]
    # The limit is per address typed, whether or not it has an account: it reveals nothing.
    codes = [
        limited_client(f"10.0.2.{i}")
        .post("/password/forgot", data={"email": "ghost@example.com"})
        .status_code
        for i in range(3)
    ]
    assert codes == [200, 200, 429]
    assert db.session.scalar(select(func.count(OutboxMessage.id))) == 2


def test_requests_are_limited_per_ip(limited_client, make_user):
    client = limited_client("10.0.3.1")
    codes = [
        client.post("/password/forgot", data={"email": f"p{i}@example.com"}).status_code
        for i in range(5)
    ]
    assert codes == [200, 200, 200, 200, 429]
    assert "Too many requests for a password link" in client.post(
        "/password/forgot", data={"email": "x@example.com"}
    ).get_data(as_text=True)
    # Showing the form is not limited; another address (IP) has its own allowance.
    assert client.get("/password/forgot").status_code == 200
    other = limited_client("10.0.3.2")
    assert other.post("/password/forgot", data={"email": "p9@example.com"}).status_code == 200


def test_setting_the_password_is_compare_and_swap(make_user):
    """Two requests with the same link at once: the second finds the hash changed and fails."""
    from sqlalchemy import update

    from dispatch.errors import Conflict
    from dispatch.people.services import change_password

    user = make_user()
    db.session.execute(
        update(User)
        .where(User.id == user.id)
        .values(password_hash="changed")
        .execution_options(synchronize_session=False)
    )  # the other request
    with pytest.raises(Conflict):
        change_password(user, NEW)


@pytest.mark.parametrize(
    "minutes, words", [(60, "1 hour"), (90, "90 minutes"), (120, "2 hours"), (1440, "1 day")]
)
def test_mail_says_exactly_how_long_a_link_works(app, minutes, words):
    from dispatch.auth.passwords import RESET, WELCOME, valid_for

    app.config["PASSWORD_RESET_LINK_MINUTES"] = minutes
    app.config["PASSWORD_SET_LINK_DAYS"] = 10
    assert valid_for(RESET) == words and valid_for(WELCOME) == "10 days"


def test_admins_reading_the_outbox_do_not_see_the_link_token(client, make_user, auth):
    user = make_user()
    path = mailed_link(client, user)
    token = path.rsplit("/", 1)[1]
    row = delivered()[-1]
    auth.login(role="admin")
    page = client.get(f"/mail/outbox/{row.id}").get_data(as_text=True)
    assert "/password/reset/[hidden]" in page and token not in page
    assert client.get(path).status_code == 200  # the link itself still works for its owner


@pytest.mark.parametrize("source", ["ldap", "oidc"])
def test_an_account_of_the_directory_or_single_sign_on_gets_no_link(client, make_user, source):
    """Its password lives in the company's directory: a link would set one never asked for."""
    local = make_user(email="local@example.com")
    path = mailed_link(client, local)
    elsewhere = make_user(email="dir@example.com")
    elsewhere.auth_source = source
    local.auth_source = source  # linked to the directory after its link was mailed
    db.session.commit()
    response = ask_for_link(client, elsewhere.email)
    assert response.status_code == 200 and "Check your mail" in response.get_data(as_text=True)
    assert [r.recipient for r in delivered()] == ["local@example.com"]
    assert "This link is not valid any more" in client.get(path).get_data(as_text=True)

"""Sign-in limits: per client address (generous) and per account (failures only), and the
browsers an account has signed in from before keep their own allowance."""

from __future__ import annotations

import re
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest

from dispatch.auth.passwords import make_token
from dispatch.auth.throttle import DEVICE_COOKIE

WRONG = "not the password at all"
THROTTLED = b"Too many attempts to sign in"


@pytest.fixture
def limited(make_app):
    """A client factory on an app with tight sign-in limits: ``client_from(ip)``."""
    app = make_app(LOGIN_ADDRESS_LIMIT="100 per hour", LOGIN_ACCOUNT_LIMIT="3 per hour")

    def client_from(ip: str):
        client = app.test_client()
        client.environ_base["REMOTE_ADDR"] = ip
        return client

    return client_from


def sign_in(client, email: str, password: str) -> int:
    return client.post("/login", data={"email": email, "password": password}).status_code


def test_failures_from_several_addresses_throttle_the_account(limited, make_user, password):
    a, b = make_user(email="a@example.com"), make_user(email="b@example.com")
    codes = [sign_in(limited(f"10.0.0.{i}"), a.email, WRONG) for i in range(1, 4)]
    assert codes == [200, 200, 200]
    elsewhere = limited("10.0.0.4")
    # From a fourth address, even the right password is refused for a while…
    response = elsewhere.post("/login", data={"email": "A@Example.com", "password": password})
    assert response.status_code == 429 and THROTTLED in response.data
    # …while another account signs in from that same address.
    assert sign_in(elsewhere, b.email, password) == 302


def test_the_refusal_does_not_tell_whether_the_account_exists(limited, make_user):
    user = make_user(email="real@example.com")
    pages = []
    for email in (user.email, "nobody@example.com"):
        for i in range(3):
            assert sign_in(limited(f"10.0.1.{i}"), email, WRONG) == 200
        response = limited("10.0.1.9").post("/login", data={"email": email, "password": WRONG})
        assert response.status_code == 429
        # The language switcher's CSRF token is the browser's own, not the account's.
        pages.append(re.sub(rb'name="csrf_token" value="[^"]*"', b"", response.data))
    assert pages[0] == pages[1]


def test_successful_sign_ins_do_not_use_up_the_account(limited, make_user, password):
    user = make_user()
    # Fresh browsers each time (no known-device cookie): the account's own allowance.
    assert [sign_in(limited("10.0.2.1"), user.email, password) for _ in range(5)] == [302] * 5
    # Two typos after them still leave room for the right password.
    assert [sign_in(limited("10.0.2.1"), user.email, WRONG) for _ in range(2)] == [200, 200]
    assert sign_in(limited("10.0.2.1"), user.email, password) == 302


def test_an_office_behind_one_address_signs_in_with_the_default_limits(
    make_app, make_user, password
):
    office = make_app().test_client()
    office.environ_base["REMOTE_ADDR"] = "192.0.2.10"
    people = [make_user() for _ in range(15)]
    sign_in(office, people[0].email, WRONG)  # one typo on the way in
    codes = [sign_in(office, person.email, password) for person in people]
    assert codes == [302] * 15


def test_every_attempt_counts_against_the_address(make_app, make_user, password):
    app = make_app(LOGIN_ADDRESS_LIMIT="3 per hour", LOGIN_ACCOUNT_LIMIT="100 per hour")
    client, other = app.test_client(), app.test_client()
    client.environ_base["REMOTE_ADDR"], other.environ_base["REMOTE_ADDR"] = "10.0.3.1", "10.0.3.2"
    people = [make_user() for _ in range(4)]
    codes = [sign_in(client, person.email, password) for person in people]
    assert codes == [302, 302, 302, 429]
    assert sign_in(other, people[3].email, password) == 302


def test_a_browser_that_signed_in_before_is_not_locked_out_by_others(limited, make_user, password):
    victim, attacker = make_user(), make_user()
    desk = limited("10.0.4.1")
    assert sign_in(desk, victim.email, password) == 302
    desk.post("/logout")
    for i in range(3):
        assert sign_in(limited(f"203.0.113.{i}"), victim.email, WRONG) == 200
    # The guessers are refused now, even one holding its own account's known-device cookie…
    guesser = limited("203.0.113.9")
    assert sign_in(guesser, attacker.email, password) == 302
    assert sign_in(guesser, victim.email, password) == 429
    # …but the victim's own browser still signs in, with an allowance of its own.
    assert sign_in(desk, victim.email, password) == 302
    desk.post("/logout")
    assert [sign_in(desk, victim.email, WRONG) for _ in range(4)] == [200, 200, 200, 429]


def test_a_forged_device_cookie_counts_for_nothing(limited, make_user, password):
    user = make_user()
    for i in range(3):
        assert sign_in(limited(f"10.0.5.{i}"), user.email, WRONG) == 200
    client = limited("10.0.5.9")
    client.set_cookie(DEVICE_COOKIE, "forged.token", path="/login")
    assert sign_in(client, user.email, password) == 429


def test_the_device_cookie_is_private_to_the_sign_in_page(client, make_user, password):
    user = make_user()
    response = client.post("/login", data={"email": user.email, "password": password})
    assert response.status_code == 302
    cookie = next(
        c for c in response.headers.getlist("Set-Cookie") if c.startswith(DEVICE_COOKIE + "=")
    )
    assert "Path=/login" in cookie and "HttpOnly" in cookie and "Secure" in cookie


def test_a_browser_signed_in_before_the_cookie_existed_gets_one_and_is_not_locked_out(
    limited, make_user, password
):
    victim = make_user()
    desk = limited("10.0.6.1")
    assert sign_in(desk, victim.email, password) == 302
    # As a browser kept signed in from before the cookie existed: no cookie, nothing noted.
    desk.delete_cookie(DEVICE_COOKIE, path="/login")
    with desk.session_transaction() as session:
        session.pop("known_device_given")
    page = desk.get("/")
    given = [c for c in page.headers.getlist("Set-Cookie") if c.startswith(DEVICE_COOKIE + "=")]
    assert len(given) == 1 and "Path=/login" in given[0]
    # Once given, the next pages leave it alone.
    again = desk.get("/")
    assert not any(c.startswith(DEVICE_COOKIE + "=") for c in again.headers.getlist("Set-Cookie"))
    desk.post("/logout")
    for i in range(3):
        assert sign_in(limited(f"203.0.113.{20 + i}"), victim.email, WRONG) == 200
    assert sign_in(limited("203.0.113.29"), victim.email, password) == 429
    assert sign_in(desk, victim.email, password) == 302


def test_parallel_wrong_guesses_are_counted_before_any_is_checked(limited, monkeypatch, make_user):
    """Ten guesses at once against an allowance of three: the count is taken with the check,
    so only three ever reach the password check, however the requests interleave."""
    email = make_user().email  # read here: the threads have no app context of their own
    checked, lock = [], threading.Lock()

    def slow_wrong_password(email, password):
        with lock:
            checked.append(email)
        time.sleep(0.3)  # every guess is in flight while the first ones are checked
        return None

    monkeypatch.setattr("dispatch.auth.views.authenticate", slow_wrong_password)
    start = threading.Barrier(10)

    def guess(i: int) -> int:
        client = limited(f"198.51.100.{i}")
        start.wait()
        return sign_in(client, email, WRONG)

    with ThreadPoolExecutor(10) as pool:
        codes = sorted(pool.map(guess, range(10)))
    assert len(checked) == 3
    assert codes == [200] * 3 + [429] * 7


def test_a_refusal_says_when_to_come_back(limited, make_user):
    user = make_user()
    for i in range(3):
        assert sign_in(limited(f"10.0.7.{i}"), user.email, WRONG) == 200
    response = limited("10.0.7.9").post("/login", data={"email": user.email, "password": WRONG})
    assert response.status_code == 429
    assert 0 < int(response.headers["Retry-After"]) <= 3600


def test_a_locked_out_colleague_unlocks_the_account_with_a_password_link(
    limited, make_user, password
):
    victim = make_user()
    for i in range(3):  # an attacker guesses from elsewhere
        assert sign_in(limited(f"203.0.113.{40 + i}"), victim.email, WRONG) == 200
    desk = limited("10.0.8.1")  # a browser that never signed in to this account
    refused = desk.post("/login", data={"email": victim.email, "password": password})
    assert refused.status_code == 429
    # The refusal points to the way out that does not wait.
    assert b"Forgot your password?" in refused.data and b"/password/forgot" in refused.data
    new = "a brand new passphrase for today"
    token = make_token(victim)
    response = desk.post(f"/password/reset/{token}", data={"password": new, "confirm": new})
    assert response.status_code == 302
    # The browser is known now: others' guesses no longer count against it…
    assert any(c.startswith(DEVICE_COOKIE + "=") for c in response.headers.getlist("Set-Cookie"))
    desk.post("/logout")
    for i in range(3):
        assert sign_in(limited(f"203.0.113.{50 + i}"), victim.email, WRONG) == 200
    assert sign_in(desk, victim.email, new) == 302
    # …and the account's failures were cleared: a fresh browser had the whole allowance again
    # before the attacker's three new guesses, which used it up once more.
    assert sign_in(limited("10.0.8.2"), victim.email, new) == 429


def test_the_password_link_clears_the_accounts_failures(limited, make_user, password):
    victim = make_user()
    for i in range(3):
        assert sign_in(limited(f"203.0.113.{60 + i}"), victim.email, WRONG) == 200
    new = "a brand new passphrase for today"
    link = limited("10.0.9.1")
    assert (
        link.post(
            f"/password/reset/{make_token(victim)}", data={"password": new, "confirm": new}
        ).status_code
        == 302
    )
    # Any browser, even one that never signed in, has the account's allowance back.
    assert sign_in(limited("10.0.9.2"), victim.email, new) == 302


def test_a_link_that_fails_clears_nothing(limited, make_user, password):
    victim = make_user()
    for i in range(3):
        assert sign_in(limited(f"203.0.113.{70 + i}"), victim.email, WRONG) == 200
    client = limited("10.0.10.1")
    bad = client.post("/password/reset/forged", data={"password": "x" * 20, "confirm": "x" * 20})
    assert bad.status_code == 400
    assert sign_in(limited("10.0.10.2"), victim.email, password) == 429


def test_sign_in_limits_hold_in_each_process_while_their_storage_is_down(
    make_app, make_user, password, closed_port
):
    """RATELIMIT_STORAGE_URI names a Redis that refuses connections: signing in still works
    (not a 500), and the address limit still counts, in the process's own memory."""
    app = make_app(
        LOGIN_ADDRESS_LIMIT="3 per hour",
        LOGIN_ACCOUNT_LIMIT="100 per hour",
        RATELIMIT_STORAGE_URI=f"redis://127.0.0.1:{closed_port}/0",
    )
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = "10.0.5.1"
    people = [make_user() for _ in range(4)]
    try:
        codes = [sign_in(client, person.email, password) for person in people]
    finally:
        # The limiter is one object, and keeps the storage of the last app that enabled it:
        # give it a memory storage again for the tests after this one.
        make_app()
    assert codes == [302, 302, 302, 429]

"""Forgot your password? in a real browser (CSRF on), at phone and desktop width."""

from __future__ import annotations

import re

import pytest

from dispatch.extensions import db
from dispatch.mail.models import OutboxMessage

pytestmark = pytest.mark.e2e

NEW = "a fresh long passphrase"
SIZES = {"phone": {"width": 390, "height": 844}, "desktop": {"width": 1280, "height": 800}}


@pytest.mark.parametrize("size", SIZES)
def test_forgotten_password_to_signed_in(app, live_server, browser, make_user, shot, size):
    from dispatch.mail.outbound import deliver_pending

    app.config["SECRET_KEY"] = "e2e"  # the mail is rendered here: sign as the live server does
    user = make_user("employee", name="Ana Pop")
    page = browser.new_page(viewport=SIZES[size])
    page.goto(f"{live_server}/login")
    shot(page, f"password-0-login-{size}")
    page.click("text=Forgot your password?")
    page.wait_for_url(re.compile(r".*/password/forgot$"))
    shot(page, f"password-1-forgot-{size}")
    page.fill("input[name=email]", user.email)
    page.click("main button[type=submit]")
    page.wait_for_selector("text=Check your mail")
    shot(page, f"password-2-sent-{size}")

    deliver_pending()
    db.session.expire_all()
    row = db.session.scalars(db.select(OutboxMessage)).one()
    path = re.search(r"http://localhost(/password/reset/\S+)", row.body).group(1)
    page.goto(live_server + path)
    page.fill("input[name=password]", "short")
    page.fill("input[name=confirm]", "short")
    page.click("main button[type=submit]")
    page.wait_for_selector("text=at least 10 characters")
    shot(page, f"password-3-reset-error-{size}")
    page.fill("input[name=password]", NEW)
    page.fill("input[name=confirm]", NEW)
    page.click("main button[type=submit]")
    page.wait_for_url(re.compile(r".*/tickets/mine$"))
    assert "Your password is set and you are signed in." in page.content()
    shot(page, f"password-4-signed-in-{size}")

    page.goto(live_server + path)  # the link is spent
    assert "already been used" in page.content()
    shot(page, f"password-5-used-{size}")
    page.goto(f"{live_server}/account/password")
    shot(page, f"password-6-change-{size}")
    db.session.expire_all()
    assert db.session.get(type(user), user.id).check_password(NEW)

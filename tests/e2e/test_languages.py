"""The language switcher in a real browser (CSRF on) at phone width: an anonymous visitor's
choice stays in the browser, a signed-in person's is saved on their account."""

from __future__ import annotations

import re

import pytest

from dispatch.extensions import db
from dispatch.people.models import User

pytestmark = pytest.mark.e2e


def test_switch_language_anonymous_then_signed_in(live_server, browser, make_user, shot, password):
    user = make_user("employee", name="Ana Pop")
    page = browser.new_page(viewport={"width": 390, "height": 844}, locale="en-US")
    page.goto(f"{live_server}/password/forgot")
    assert page.locator("html").get_attribute("lang") == "en"
    page.get_by_role("button", name="Română").click()  # in the bar, outside the folded menu
    page.wait_for_url(re.compile(r".*/password/forgot$"))  # back where it was
    assert page.locator("html").get_attribute("lang") == "ro"
    shot(page, "language-1-anonymous-ro-phone")

    page.goto(f"{live_server}/login")
    assert page.locator("html").get_attribute("lang") == "ro"  # the cookie keeps it
    page.fill("input[name=email]", user.email)
    page.fill("input[name=password]", password)
    page.locator("main button[type=submit]").click()
    page.wait_for_url(lambda url: "/login" not in url)
    page.get_by_role("button", name="English").click()
    page.wait_for_load_state()
    assert page.locator("html").get_attribute("lang") == "en"
    shot(page, "language-2-signed-in-en-phone")
    db.session.expire_all()
    assert db.session.get(User, user.id).locale == "en"

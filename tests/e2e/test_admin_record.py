"""The record of administration in a real browser (CSRF on), at phone and desktop width: a
change made on an admin page shows on the record, which filters and fits the screen."""

from __future__ import annotations

import re

import pytest

from tests.conftest import PASSWORD

pytestmark = pytest.mark.e2e

SIZES = {"phone": {"width": 390, "height": 844}, "desktop": {"width": 1280, "height": 800}}


@pytest.mark.parametrize("size", SIZES)
def test_a_change_shows_on_the_record(live_server, browser, make_user, shot, size):
    admin = make_user("admin", name="Ana Admin")
    make_user("agent", name="Bob Agent", email="bob@example.com")
    page = browser.new_page(viewport=SIZES[size])
    page.set_default_timeout(20_000)
    page.goto(f"{live_server}/login")
    page.fill("input[name=email]", admin.email)
    page.fill("input[name=password]", PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(lambda url: "/login" not in url)

    page.goto(f"{live_server}/admin/departments/new")
    page.fill("input[name=name]", "Finance")
    page.get_by_role("button", name="Save").click()
    page.wait_for_url(re.compile(r".*/admin/departments$"))
    page.goto(f"{live_server}/admin/users?q=bob")
    page.click("text=Bob Agent")
    page.select_option("select[name=role]", "dispatcher")
    page.get_by_role("button", name="Save").click()
    page.wait_for_url(re.compile(r".*/admin/users$"))

    page.goto(f"{live_server}/admin/")
    page.click("nav[aria-label=Administration] >> text=Record")
    page.wait_for_url(re.compile(r".*/admin/events$"))
    rows = page.locator("tbody tr").all_inner_texts()
    assert "changed user “Bob Agent”: role: agent → dispatcher" in rows[0]
    assert "created department “Finance”" in rows[1]
    fits = page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    assert fits, "the page is wider than the screen"
    shot(page, f"admin-record-0-list-{size}")

    page.select_option("select[name=action]", "created")
    page.click("form[role=search] button[type=submit]")
    page.wait_for_url(re.compile(r".*action=created.*"))
    rows = page.locator("tbody tr").all_inner_texts()
    assert len(rows) == 1 and "Finance" in rows[0]
    shot(page, f"admin-record-1-filtered-{size}")

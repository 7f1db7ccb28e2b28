"""Service levels in a real browser (CSRF on), at phone and desktop width: an admin sets a
policy for urgent hardware at a site; a request there shows its due times on the ticket page
and in the inbox."""

from __future__ import annotations

import re

import pytest

from tests.conftest import PASSWORD

pytestmark = pytest.mark.e2e

SIZES = {"phone": {"width": 390, "height": 844}, "desktop": {"width": 1280, "height": 800}}


def signed_in(browser, base, user, size):
    page = browser.new_page(viewport=SIZES[size])
    page.set_default_timeout(20_000)
    page.goto(f"{base}/login")
    page.fill("input[name=email]", user.email)
    page.fill("input[name=password]", PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(lambda url: "/login" not in url)
    return page


@pytest.mark.parametrize("size", SIZES)
def test_a_policy_set_by_an_admin_shows_where_dispatchers_work(
    live_server, browser, make_user, make_site, make_category, make_ticket, shot, size
):
    site = make_site(name="Cluj", country="RO")
    hardware = make_category(name="Hardware")
    admin, dispatcher = make_user("admin"), make_user("dispatcher")

    page = signed_in(browser, live_server, admin, size)
    page.goto(f"{live_server}/admin/service-levels/new")
    page.fill("input[name=name]", "Urgent hardware in Cluj")
    page.select_option("select[name=category_id]", str(hardware.id))
    page.select_option("select[name=priority]", "urgent")
    page.select_option("select[name=site_id]", str(site.id))
    page.fill("input[name=first_response_minutes]", "30")
    page.fill("input[name=resolution_minutes]", "240")
    page.get_by_role("button", name="Save").click()
    page.wait_for_url(re.compile(r".*/admin/service-levels$"))
    assert "category Hardware, priority Urgent, site Cluj" in page.content()
    shot(page, f"sla-policies-{size}")
    page.goto(f"{live_server}/admin/closure-days")
    page.fill("input[name=day]", "2026-12-24")
    page.fill("input[name=name]", "Christmas Eve")
    page.get_by_role("button", name="Add").click()
    page.wait_for_url(re.compile(r".*/admin/closure-days$"))
    assert "Christmas Eve" in page.content()
    shot(page, f"sla-closure-days-{size}")
    page.close()

    ticket = make_ticket(
        site_id=site.id, category_id=hardware.id, impact="high", urgency="high", subject="Server"
    )
    page = signed_in(browser, live_server, dispatcher, size)
    page.goto(f"{live_server}/tickets/{ticket.id}")
    card = page.locator("#sla")
    assert "Urgent hardware in Cluj" in card.inner_text()
    assert "Time used" in card.inner_text()
    shot(page, f"sla-ticket-{size}")
    page.goto(f"{live_server}/desk/inbox?sort=due")
    assert page.locator("#inbox-filters select[name=sla]").count() == 1
    row = page.locator("tr", has_text="Server")
    assert re.search(r"due in|overdue by", row.inner_text())
    shot(page, f"sla-inbox-{size}")

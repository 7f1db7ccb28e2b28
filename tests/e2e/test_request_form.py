"""The new-request form in a real browser: category fields follow the choice, "use my location"."""

from __future__ import annotations

import re

import pytest

from dispatch.extensions import db
from dispatch.tickets.models import Ticket

pytestmark = pytest.mark.e2e

PASSWORD = "correct horse battery staple"


def sign_in(page, base, user):
    page.goto(f"{base}/login")
    page.fill("input[name=email]", user.email)
    page.fill("input[name=password]", PASSWORD)
    page.click("main button[type=submit]")
    page.wait_for_url(re.compile(r".*/tickets/mine"))


def test_category_fields_follow_the_choice_and_submit(
    live_server, browser, make_user, make_site, make_category, shot
):
    site = make_site(name="Headquarters")
    hw = make_category(
        name="Hardware",
        fields=[{"key": "asset", "label": "Asset tag", "type": "asset_tag", "required": True}],
    )
    sw = make_category(
        name="Software",
        fields=[{"key": "application", "label": "Application", "type": "text", "required": True}],
    )
    user = make_user("employee", site=site)
    page = browser.new_page()
    sign_in(page, live_server, user)
    page.goto(f"{live_server}/tickets/new")
    hw_group = page.locator(f'fieldset[data-category="{hw.id}"]')
    sw_group = page.locator(f'fieldset[data-category="{sw.id}"]')
    assert not hw_group.is_visible() and not sw_group.is_visible()
    page.select_option("select[name=category]", str(sw.id))
    assert sw_group.is_visible() and not hw_group.is_visible()
    page.fill(f'input[name="fields-{sw.id}-application"]', "Excel")
    page.select_option("select[name=category]", str(hw.id))
    assert hw_group.is_visible() and not sw_group.is_visible()
    page.fill(f'input[name="fields-{hw.id}-asset"]', "lt-1")
    page.fill("input[name=subject]", "Laptop is dead")
    shot(page, "request-form")
    page.click("button:has-text('Submit request')")
    page.wait_for_url(re.compile(r".*/tickets/\d+$"))
    assert "Your request is #" in page.content()
    db.session.expire_all()
    ticket = db.session.scalars(db.select(Ticket)).one()
    assert ticket.category_id == hw.id and ticket.fields == {"asset": "LT-1"}  # Software's not sent


def test_use_my_location_suggests_the_nearest_site(live_server, browser, make_user, make_site):
    expect = pytest.importorskip("playwright.sync_api").expect
    home = make_site(name="Cluj", latitude=46.77, longitude=23.59)
    near = make_site(name="Bucharest", latitude=44.43, longitude=26.10)
    user = make_user("employee", site=home)
    context = browser.new_context(
        geolocation={"latitude": 44.44, "longitude": 26.09}, permissions=["geolocation"]
    )
    page = context.new_page()
    sign_in(page, live_server, user)
    page.goto(f"{live_server}/tickets/new")
    assert page.input_value("select[name=site]") == str(home.id)
    page.click("#use-location")
    # expect() polls from Playwright's side: wait_for_function would eval a string in the page,
    # which the strict CSP (no 'unsafe-eval') refuses.
    expect(page.locator("#location-status")).to_contain_text("Bucharest")
    assert page.input_value("select[name=site]") == str(near.id)
    assert page.input_value("#latitude").startswith("44.44")
    context.close()

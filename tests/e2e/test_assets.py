"""Assets in a real browser, on a phone-sized screen: the request form's device list follows
the room typed, choosing a device fills in the tag field, and a scanned label leads an
employee to a request sent as it is."""

from __future__ import annotations

import re

import pytest

from dispatch.extensions import db
from dispatch.tickets.models import Ticket

pytestmark = pytest.mark.e2e

PASSWORD = "correct horse battery staple"
PHONE = dict(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)


@pytest.fixture
def office(make_site, make_user, make_category, make_asset, make_asset_type):
    site = make_site(name="Headquarters")
    ana = make_user("employee", site=site)
    printers = make_category(
        name="Printer",
        fields=[
            {"key": "asset_tag", "label": "Printer tag", "type": "asset_tag", "required": True}
        ],
    )
    printer = make_asset(tag="PR-7", type=make_asset_type(name="Printer"), site=site,
                         building="A", floor="3", room="301", model="M404")  # fmt: skip
    make_asset(tag="LT-1", owner=ana, site=site, building="A", floor="2", room="201")
    return dict(site=site, ana=ana, printers=printers, printer=printer)


def _sign_in(page, base, user, after=""):
    page.goto(f"{base}{after or '/login'}")
    page.fill("input[name=email]", user.email)
    page.fill("input[name=password]", PASSWORD)
    page.click("main button[type=submit]")


def test_the_device_list_follows_the_room(live_server, browser, office, shot):
    context = browser.new_context(**PHONE)
    page = context.new_page()
    _sign_in(page, live_server, office["ana"])
    page.wait_for_url(re.compile(r".*/tickets/mine"))
    page.goto(f"{live_server}/tickets/new")
    options = page.locator("select[name=asset] option")
    assert [t.split(" ")[0] for t in options.all_inner_texts()[1:]] == ["LT-1"]  # hers alone
    page.select_option("select[name=category]", str(office["printers"].id))
    page.fill("input[name=building]", "a")
    page.fill("input[name=floor]", "3")
    page.fill("input[name=room]", "301")
    page.locator("input[name=room]").dispatch_event("change")
    page.locator("optgroup[data-group=room] option").first.wait_for(state="attached")
    page.select_option("select[name=asset]", str(office["printer"].id))
    tag = page.locator(f'input[name="fields-{office["printers"].id}-asset_tag"]')
    assert tag.input_value() == "PR-7"
    shot(page, "request-form-device")
    context.close()


def test_a_scanned_label_is_a_request_in_two_taps(live_server, browser, office, shot):
    context = browser.new_context(**PHONE)
    page = context.new_page()
    _sign_in(page, live_server, office["ana"], after="/a/pr-7")
    page.wait_for_url(re.compile(r".*/tickets/new\?asset=PR-7"))
    assert page.input_value("input[name=subject]") == "Problem with Printer PR-7"
    shot(page, "scanned-label-request")
    page.click("button:has-text('Submit request')")
    page.wait_for_url(re.compile(r".*/tickets/\d+$"))
    db.session.expire_all()
    ticket = db.session.scalars(db.select(Ticket)).one()
    assert ticket.asset_id == office["printer"].id and ticket.room == "301"
    assert ticket.fields == {"asset_tag": "PR-7"}
    # No horizontal scrolling on the phone: the page is as wide as the screen.
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    context.close()

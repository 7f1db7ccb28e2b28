"""Placing a site on the map in a real browser, with no network (the map has no tiles): a click
puts the marker and fills latitude/longitude, and saving stores the point."""

from __future__ import annotations

import re

import pytest

from dispatch.extensions import db

pytestmark = pytest.mark.e2e

PASSWORD = "correct horse battery staple"


def test_dispatcher_places_a_site_by_clicking_the_map(
    live_server, browser, make_user, make_site, shot
):
    site = make_site(name="Iasi Branch", latitude=None, longitude=None)
    dispatcher = make_user("dispatcher")
    page = browser.new_page()
    errors = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.goto(f"{live_server}/login")
    page.fill("input[name=email]", dispatcher.email)
    page.fill("input[name=password]", PASSWORD)
    page.click("main button[type=submit]")
    page.wait_for_load_state()
    page.goto(f"{live_server}/sites/{site.id}/location")
    page.wait_for_selector(".leaflet-container")
    assert page.input_value("#latitude") == ""
    page.click("[data-point-map]", position={"x": 200, "y": 120})
    page.wait_for_selector(".leaflet-marker-icon")
    lat, lon = float(page.input_value("#latitude")), float(page.input_value("#longitude"))
    assert -90 <= lat <= 90 and -180 <= lon <= 180
    shot(page, "site-location")
    page.click("button:has-text('Save the point')")
    page.wait_for_url(re.compile(rf".*/sites/{site.id}/location$"))
    assert "Saved." in page.content()
    db.session.expire_all()
    assert (site.latitude, site.longitude) == (pytest.approx(lat), pytest.approx(lon))
    # Typing numbers moves the marker; the page raised no script error.
    page.fill("#latitude", "47.1660")
    page.fill("#longitude", "27.5820")
    page.dispatch_event("#longitude", "change")
    assert errors == []


def test_schedule_page_in_a_browser(live_server, browser, make_user, make_site, shot):
    from datetime import time

    from dispatch.technicians.models import WorkingHours

    tech = make_user("technician", name="Radu Lazar", site=make_site())
    db.session.add(
        WorkingHours(
            user_id=tech.id,
            weekday=0,
            start_time=time(8),
            end_time=time(16, 30),
            lunch_start=time(12),
            lunch_end=time(14),
            lunch_minutes=30,
        )
    )
    db.session.commit()
    admin = make_user("admin")
    page = browser.new_page()
    errors = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.goto(f"{live_server}/login")
    page.fill("input[name=email]", admin.email)
    page.fill("input[name=password]", PASSWORD)
    page.click("main button[type=submit]")
    page.wait_for_load_state()
    page.goto(f"{live_server}/technicians/{tech.id}")
    page.check("input[name='d1-works']")
    page.fill("input[name='d1-start_time']", "09:00")
    page.fill("input[name='d1-end_time']", "17:00")
    page.click("button:has-text('Save working hours')")
    page.wait_for_url(re.compile(rf".*/technicians/{tech.id}$"))
    assert "Working hours saved." in page.content()
    shot(page, "technician-schedule")
    assert errors == []
    assert db.session.scalar(db.select(WorkingHours).filter_by(user_id=tech.id, weekday=1))

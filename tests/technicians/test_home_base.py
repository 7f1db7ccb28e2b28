"""A technician's home base is looked up like a site's (through geopy, cached), and a geocoder
that is down leaves the address saved with no point."""

from __future__ import annotations

import pytest

from dispatch.extensions import db
from dispatch.technicians.models import TechnicianProfile


@pytest.fixture
def tech(make_user):
    return make_user("technician")


def test_home_address_is_geocoded(client, auth, tech, nominatim):
    auth.login(role="dispatcher")
    response = client.post(
        f"/technicians/{tech.id}/home",
        follow_redirects=True,
        data={"home_address": "Bulevardul Unirii 15, Bucharest", "locate": "y"},
    )
    assert "Located: 15, Bulevardul Unirii" in response.get_data(as_text=True)
    profile = db.session.get(TechnicianProfile, tech.id)
    assert profile.home == (pytest.approx(44.426767), pytest.approx(26.102538))
    assert len(nominatim.requests) == 1


def test_home_address_with_geocoder_down(client, auth, tech, geocoder_down):
    auth.login(role="admin")
    response = client.post(
        f"/technicians/{tech.id}/home",
        follow_redirects=True,
        data={"home_address": "Bulevardul Unirii 15", "locate": "y"},
    )
    assert "cannot be reached right now" in response.get_data(as_text=True)
    profile = db.session.get(TechnicianProfile, tech.id)
    assert profile.home_address == "Bulevardul Unirii 15" and profile.home is None

"""Sites get their point from the geocoder (cached in the database), or by hand on the map;
nothing waits on a geocoder that cannot be reached, and the site is listed as needing a
location. Dispatchers and admins only."""

from __future__ import annotations

import time

import pytest
from sqlalchemy import func, select

from dispatch.extensions import db
from dispatch.sites import geocoding
from dispatch.sites.geocoding import GeocodeCache
from dispatch.sites.models import Site
from tests.geo.support import StubServer, nominatim_answer


def site_form(**kw):
    data = {
        "name": "Cluj HQ",
        "code": "",
        "address": "Strada Memorandumului 28",
        "city": "Cluj-Napoca",
        "timezone": "Europe/Bucharest",
        "opens_at": "08:00",
        "closes_at": "17:00",
        "weekdays": ["0", "1", "2", "3", "4"],
        "latitude": "",
        "longitude": "",
        "locate": "y",
        "active": "y",
    }
    data.update(kw)
    return {k: v for k, v in data.items() if v is not None}


def cached() -> int:
    return db.session.scalar(select(func.count()).select_from(GeocodeCache))


@pytest.fixture
def admin(auth):
    return auth.login(role="admin")


@pytest.fixture
def dispatcher(auth):
    return auth.login(role="dispatcher")


# --- the cache ------------------------------------------------------------------------------


def test_normalise_ignores_case_spacing_and_commas():
    assert (
        geocoding.normalise("  Strada  MEMORANDUMULUI 28 ,Cluj-Napoca, ")
        == "strada memorandumului 28, cluj-napoca"
    )
    assert geocoding.normalise(" , ") == ""


def test_lookup_is_cached_in_the_database(app, nominatim):
    first = geocoding.lookup("Strada Memorandumului 28, Cluj-Napoca")
    db.session.commit()
    again = geocoding.lookup("strada memorandumului 28 ,  CLUJ-NAPOCA")
    assert first.outcome == again.outcome == geocoding.Outcome.LOCATED
    assert (again.cached, again.found.latitude) == (True, pytest.approx(46.769468))
    assert len(nominatim.requests) == 1
    row = db.session.scalar(select(GeocodeCache))
    assert (row.provider, row.query) == ("nominatim", "strada memorandumului 28, cluj-napoca")
    assert row.display_name.startswith("28, Strada Memorandumului") and row.created_at


def test_a_miss_is_cached_too_but_not_forever(app, nominatim):
    assert geocoding.lookup("Atlantis 1").outcome == geocoding.Outcome.NOT_FOUND
    db.session.commit()
    assert geocoding.lookup("Atlantis 1").cached
    app.config["GEOCODE_CACHE_MISS_DAYS"] = 0
    geocoding.lookup("Atlantis 1")
    assert len(nominatim.requests) == 2


def test_unreachable_is_not_cached(app, geocoder_down):
    assert geocoding.lookup("Unirii 15").outcome == geocoding.Outcome.UNREACHABLE
    db.session.commit()
    assert cached() == 0


def test_switched_off(app):
    app.config["GEOCODER"] = ""
    assert geocoding.lookup("Unirii 15").outcome == geocoding.Outcome.DISABLED


# --- admin site form -------------------------------------------------------------------------


def test_new_site_without_point_is_geocoded_on_save(client, admin, nominatim):
    response = client.post("/admin/sites/new", data=site_form(), follow_redirects=True)
    assert "Located: 28, Strada Memorandumului" in response.get_data(as_text=True)
    site = db.session.scalar(select(Site))
    assert (site.latitude, site.longitude) == (pytest.approx(46.769468), pytest.approx(23.586054))
    (request,) = nominatim.requests
    assert request.query["q"] == ["Strada Memorandumului 28, Cluj-Napoca"]
    # The same address again (another spelling) comes from the cache.
    client.post(
        "/admin/sites/new", data=site_form(name="Annex", address="strada memorandumului 28 ")
    )
    assert len(nominatim.requests) == 1 and cached() == 1
    assert db.session.scalar(select(Site).filter_by(name="Annex")).has_location


def test_romanian_site_address_is_geocoded_with_its_diacritics(client, admin, nominatim):
    form = site_form(name="Brașov", address="Str. Ștefan cel Mare nr. 12", city="Brașov")
    page = client.post("/admin/sites/new", data=form, follow_redirects=True)
    assert "Located: 12, Strada Ștefan cel Mare, Centrul Istoric, Brașov" in page.get_data(
        as_text=True
    )
    site = db.session.scalar(select(Site).filter_by(name="Brașov"))
    assert (site.latitude, site.longitude) == (pytest.approx(45.645372), pytest.approx(25.591853))
    (request,) = nominatim.requests
    assert "q=Str.+%C8%98tefan+cel+Mare+nr.+12%2C+Bra%C8%99ov" in request.raw_query
    row = db.session.scalar(select(GeocodeCache))
    assert row.query == "str. ștefan cel mare nr. 12, brașov"
    assert row.display_name.startswith("12, Strada Ștefan cel Mare")


def test_typed_point_is_kept_and_nobody_is_asked(client, admin, nominatim):
    client.post("/admin/sites/new", data=site_form(latitude="46.7", longitude="23.5"))
    site = db.session.scalar(select(Site))
    assert (site.latitude, site.longitude) == (46.7, 23.5)
    assert nominatim.requests == []


def test_unticked_locate_asks_nobody(client, admin, nominatim):
    client.post("/admin/sites/new", data=site_form(locate=None))
    assert not db.session.scalar(select(Site)).has_location and nominatim.requests == []


def test_geocoder_down_saves_the_site_and_lists_it_as_needing_a_location(
    client, admin, geocoder_down
):
    began = time.monotonic()
    response = client.post("/admin/sites/new", data=site_form(), follow_redirects=True)
    assert time.monotonic() - began < 3
    body = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "geocoder cannot be reached right now" in body
    site = db.session.scalar(select(Site))
    assert site.address == "Strada Memorandumului 28" and not site.has_location
    assert "needs a location" in client.get("/admin/sites").get_data(as_text=True)
    assert "needs a location" in client.get("/sites/").get_data(as_text=True)


def test_hanging_geocoder_does_not_hang_the_page(app, client, admin):
    with StubServer(nominatim_answer, delay=3) as server:
        app.config.update(
            GEOCODER_OPTIONS={"domain": server.domain, "scheme": "http"},
            GEOCODER_TIMEOUT=0.5,
            GEOCODER_MIN_DELAY_SECONDS=0,
        )
        began = time.monotonic()
        assert client.post("/admin/sites/new", data=site_form()).status_code == 302
        assert time.monotonic() - began < 2.5
    assert not db.session.scalar(select(Site)).has_location


def test_not_found_address_is_said_plainly(client, admin, nominatim):
    body = client.post(
        "/admin/sites/new", data=site_form(address="Nowhere 1"), follow_redirects=True
    ).get_data(as_text=True)
    assert "no place matches it" in body
    assert not db.session.scalar(select(Site)).has_location


def test_edit_page_has_the_map_without_inline_script(client, admin, make_site):
    site = make_site()
    body = client.get(f"/admin/sites/{site.id}").get_data(as_text=True)
    assert "data-point-map" in body and 'data-lat-input="latitude"' in body
    assert "/vendor/leaflet/leaflet.js" in body and "/static/js/point-map.js" in body
    assert "/vendor/leaflet/leaflet.css" in body
    assert "<script>" not in body
    for url in ("/static/js/point-map.js", "/vendor/leaflet/leaflet.js"):
        with client.get(url) as asset:
            assert asset.status_code == 200


# --- dispatchers place sites by hand ---------------------------------------------------------


def test_dispatcher_lists_sites_and_drags_a_point(client, dispatcher, make_site):
    site = make_site(name="Iasi <Branch>", latitude=None, longitude=None)
    body = client.get("/sites/").get_data(as_text=True)
    assert "Iasi &lt;Branch&gt;" in body and "needs a location" in body
    page = client.get(f"/sites/{site.id}/location").get_data(as_text=True)
    assert "data-point-map" in page
    response = client.post(
        f"/sites/{site.id}/location", data={"latitude": "47.166", "longitude": "27.582"}
    )
    assert response.status_code == 302
    db.session.expire_all()
    assert (site.latitude, site.longitude) == (47.166, 27.582)
    assert "needs a location" not in client.get("/sites/").get_data(as_text=True)


@pytest.mark.parametrize(
    "data, message",
    [
        ({"latitude": "91", "longitude": "27"}, "Latitude is between -90 and 90"),
        ({"latitude": "-90.01", "longitude": "27"}, "Latitude is between -90 and 90"),
        ({"latitude": "47", "longitude": "-180.5"}, "Longitude is between -180 and 180"),
        ({"latitude": "nan", "longitude": "27"}, "Latitude is between -90 and 90"),
        ({"latitude": "47", "longitude": ""}, "Enter both latitude and longitude"),
        ({"latitude": "north", "longitude": "27"}, "Not a valid float value"),
    ],
)
def test_bad_points_are_refused_and_nothing_changes(client, dispatcher, make_site, data, message):
    site = make_site(latitude=46.0, longitude=23.0)
    body = client.post(f"/sites/{site.id}/location", data=data).get_data(as_text=True)
    assert message in body
    db.session.expire_all()
    assert (site.latitude, site.longitude) == (46.0, 23.0)


def test_clearing_the_point(client, dispatcher, make_site):
    site = make_site()
    client.post(f"/sites/{site.id}/location", data={"latitude": "", "longitude": ""})
    db.session.expire_all()
    assert not site.has_location


def test_geocode_button(client, dispatcher, make_site, nominatim):
    site = make_site(
        address="Bulevardul Unirii 15", city="Bucharest", latitude=None, longitude=None
    )
    response = client.post(f"/sites/{site.id}/geocode", follow_redirects=True)
    assert "Located: 15, Bulevardul Unirii" in response.get_data(as_text=True)
    db.session.expire_all()
    assert site.latitude == pytest.approx(44.426767)


def test_geocode_button_with_geocoder_down(client, dispatcher, make_site, geocoder_down):
    site = make_site(address="Bulevardul Unirii 15", latitude=None, longitude=None)
    body = client.post(f"/sites/{site.id}/geocode", follow_redirects=True).get_data(as_text=True)
    assert "cannot be reached" in body
    db.session.expire_all()
    assert not site.has_location


def test_unknown_site_is_404(client, dispatcher):
    assert client.get("/sites/999/location").status_code == 404
    assert client.post("/sites/999/geocode").status_code == 404


@pytest.mark.parametrize("role", ["employee", "agent", "technician"])
def test_other_roles_get_404(client, auth, make_site, role):
    site = make_site()
    auth.login(role=role)
    assert client.get("/sites/").status_code == 404
    assert client.get(f"/sites/{site.id}/location").status_code == 404
    assert (
        client.post(
            f"/sites/{site.id}/location", data={"latitude": "1", "longitude": "1"}
        ).status_code
        == 404
    )
    assert client.post(f"/sites/{site.id}/geocode").status_code == 404
    db.session.expire_all()
    assert site.latitude == 46.77


def test_anonymous_is_sent_to_login(client, make_site):
    response = client.get("/sites/")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_point_form_refuses_a_missing_csrf_token(app, client, dispatcher, make_site):
    site = make_site()
    app.config["WTF_CSRF_ENABLED"] = True
    response = client.post(f"/sites/{site.id}/location", data={"latitude": "1", "longitude": "1"})
    assert response.status_code == 400
    assert client.post(f"/sites/{site.id}/geocode").status_code == 400
    db.session.expire_all()
    assert site.latitude == 46.77


def test_geocode_button_is_rate_limited(app, client, dispatcher, make_site, geocoder_down):
    from dispatch.extensions import limiter

    site = make_site()
    app.config["GEOCODE_RATE_LIMIT"] = "2 per minute"
    limiter.enabled = True
    try:
        codes = [client.post(f"/sites/{site.id}/geocode").status_code for _ in range(3)]
    finally:
        limiter.enabled = False
        limiter.reset()
    assert codes == [302, 302, 429]

"""dispatch.geo: geocoding through the real geopy code path (against local servers that answer
like the providers do), distances, and travel-time matrices (estimated, or from an OSRM stub)."""

from __future__ import annotations

import logging
import math
import time
import unicodedata

import pytest

from dispatch import geo
from tests.geo.support import (
    StubServer,
    nominatim_answer,
    osrm_answer,
    photon_answer,
    road_seconds,
)

CLUJ = (46.7695, 23.5860)
BUCHAREST = (44.4268, 26.1025)
TIMISOARA = (45.7700, 21.2050)


def settings(domain: str, service: str = "nominatim", **kw) -> geo.GeocoderSettings:
    config = {
        "GEOCODER": service,
        "GEOCODER_OPTIONS": {"domain": domain, "scheme": "http"},
        "GEOCODER_CONTACT": "it@example.com",
        "GEOCODER_MIN_DELAY_SECONDS": 0,
        "GEOCODER_TIMEOUT": 2,
    }
    config.update(kw)
    return geo.settings_from_config(config)


# --- configuration -------------------------------------------------------------------------


def test_default_configuration_is_nominatim_with_an_honest_agent_and_the_rate_limit(app):
    s = geo.settings_from_config(dict(app.config, GEOCODER_CONTACT="it@example.com"))
    assert s.service == "nominatim" and s.min_delay == 1.0
    assert s.user_agent.startswith("Dispatch/") and s.user_agent.endswith("(+it@example.com)")
    assert 0 < s.timeout <= 5


@pytest.mark.parametrize("value", ["", "off", None])
def test_geocoding_can_be_switched_off(value):
    assert geo.settings_from_config({"GEOCODER": value}) is None


def test_explicit_user_agent_wins():
    assert geo.user_agent({"GEOCODER_USER_AGENT": "Acme helpdesk/2"}) == "Acme helpdesk/2"


# --- geocoding -----------------------------------------------------------------------------


def test_geocode_through_geopy_nominatim():
    with StubServer(nominatim_answer) as server:
        found = geo.geocode("Strada Memorandumului 28, Cluj-Napoca", settings(server.domain))
    assert found == geo.Found(46.769468, 23.586054, found.display_name, "nominatim")
    assert found.display_name.startswith("28, Strada Memorandumului")
    (request,) = server.requests
    assert request.path == "/search"
    assert request.query["q"] == ["Strada Memorandumului 28, Cluj-Napoca"]
    assert request.query["format"] == ["json"]
    assert request.headers["user-agent"].startswith("Dispatch/")
    assert "it@example.com" in request.headers["user-agent"]


ROMANIAN = [  # address as typed, its query percent-encoded as UTF-8, the display name back
    (
        "Str. Ștefan cel Mare nr. 12, Brașov",
        "Str.+%C8%98tefan+cel+Mare+nr.+12%2C+Bra%C8%99ov",
        "12, Strada Ștefan cel Mare, Centrul Istoric, Brașov, 500035, România",
    ),
    (
        "Bd. Iuliu Maniu 7, București, Sector 6",
        "Bd.+Iuliu+Maniu+7%2C+Bucure%C8%99ti%2C+Sector+6",
        "7, Bulevardul Iuliu Maniu, Cotroceni, Sector 6, București, 061072, România",
    ),
]


@pytest.mark.parametrize(("address", "encoded", "display_name"), ROMANIAN)
def test_romanian_addresses_reach_the_geocoder_as_utf8(address, encoded, display_name):
    with StubServer(nominatim_answer) as server:
        found = geo.geocode(address, settings(server.domain))
    (request,) = server.requests
    assert f"q={encoded}&" in request.raw_query + "&"
    assert request.query["q"] == [address]
    assert found is not None and found.display_name == display_name  # diacritics kept


def test_a_decomposed_address_is_sent_composed():
    """Text pasted from some systems carries "S" + COMBINING COMMA BELOW instead of "Ș": the
    query is sent in the composed form (NFC) every geocoder indexes."""
    decomposed = unicodedata.normalize("NFD", ROMANIAN[0][0])
    assert decomposed != ROMANIAN[0][0]
    with StubServer(nominatim_answer) as server:
        found = geo.geocode(decomposed, settings(server.domain))
    assert server.requests[0].query["q"] == [ROMANIAN[0][0]]
    assert found is not None and found.display_name == ROMANIAN[0][2]


def test_romanian_address_through_photon():
    with StubServer(photon_answer) as server:
        found = geo.geocode(ROMANIAN[0][0], settings(server.domain, service="photon"))
    assert "%C8%98tefan" in server.requests[0].raw_query
    assert found is not None and found.display_name.startswith("Strada Ștefan cel Mare")


def test_unknown_address_is_none_and_blank_is_not_asked():
    with StubServer(nominatim_answer) as server:
        s = settings(server.domain)
        assert geo.geocode("Nowhere street 1, Atlantis", s) is None
        assert geo.geocode("   ", s) is None
    assert len(server.requests) == 1


def test_any_geopy_geocoder_by_name_photon():
    with StubServer(photon_answer) as server:
        found = geo.geocode("Republicii 40, Brasov", settings(server.domain, "photon"))
    assert (found.latitude, found.longitude, found.provider) == (45.643024, 25.58913, "photon")
    assert server.requests[0].path == "/api"


def test_server_down_is_unreachable_at_once_and_not_asked_again_for_a_while(closed_port):
    s = settings(f"127.0.0.1:{closed_port}")
    began = time.monotonic()
    with pytest.raises(geo.GeocoderUnreachable):
        geo.geocode("Unirii 15, Bucharest", s)
    assert time.monotonic() - began < 2
    assert geo.is_down(s)


def test_server_error_marks_the_provider_down_without_retrying():
    with StubServer(lambda seen: (503, {"error": "overloaded"})) as server:
        s = settings(server.domain)
        with pytest.raises(geo.GeocoderUnreachable):
            geo.geocode("Unirii 15, Bucharest", s)
        with pytest.raises(geo.GeocoderUnreachable, match="not asked again"):
            geo.geocode("Unirii 15, Bucharest", s)
    assert len(server.requests) == 1  # no retry, no second request


def test_a_hanging_server_times_out_quickly():
    with StubServer(nominatim_answer, delay=3) as server:
        began = time.monotonic()
        with pytest.raises(geo.GeocoderUnreachable):
            geo.geocode("Unirii 15, Bucharest", settings(server.domain, GEOCODER_TIMEOUT=0.3))
        assert time.monotonic() - began < 2


def test_garbage_answer_is_unreachable_not_a_crash():
    with StubServer(lambda seen: (200, b"<html>maintenance</html>")) as server:
        with pytest.raises(geo.GeocoderUnreachable):
            geo.geocode("Unirii 15, Bucharest", settings(server.domain))


def test_unknown_service_or_bad_options_never_raise_past_the_adapter(caplog):
    with pytest.raises(geo.GeocoderUnreachable):
        geo.geocode("x", settings("127.0.0.1:1", service="no-such-geocoder"))
    s = geo.settings_from_config(
        {"GEOCODER": "nominatim", "GEOCODER_OPTIONS": {"no_such_option": 1}}
    )
    with pytest.raises(geo.GeocoderUnreachable):
        geo.geocode("x", s)


def test_nominatim_requests_are_spaced_by_the_rate_limiter():
    with StubServer(nominatim_answer) as server:
        s = settings(server.domain, GEOCODER_MIN_DELAY_SECONDS=None)
        assert s.min_delay == 1.0
        geo.geocode("Unirii 15, Bucharest", s)
        geo.geocode("Republicii 40, Brasov", s)
    first, second = server.requests
    assert second.at - first.at >= 0.95


# --- distances -----------------------------------------------------------------------------


def test_great_circle_km():
    assert geo.great_circle_km(CLUJ, BUCHAREST) == pytest.approx(324, abs=3)
    assert geo.great_circle_km(CLUJ, CLUJ) == 0


def test_travel_seconds_is_distance_times_circuity_over_speed():
    km = geo.great_circle_km(CLUJ, TIMISOARA)
    assert geo.travel_seconds(CLUJ, TIMISOARA, 60, 1.25) == round(km * 1.25 / 60 * 3600)


@pytest.mark.parametrize("a", [(91, 0), (0, 181), (math.nan, 0), (0, math.inf), (1,)])
def test_bad_points_are_refused(a):
    with pytest.raises(ValueError):
        geo.great_circle_km(a, CLUJ)


@pytest.mark.parametrize("speed, circuity", [(0, 1.3), (-5, 1.3), (40, 0), (math.nan, 1.3)])
def test_bad_speed_or_circuity_is_refused(speed, circuity):
    with pytest.raises(ValueError):
        geo.travel_matrix([CLUJ, BUCHAREST], speed_kmh=speed, circuity=circuity)


def test_estimated_matrix():
    pts = [CLUJ, BUCHAREST, TIMISOARA]
    m = geo.travel_matrix(pts, speed_kmh=50, circuity=1.3)
    assert [m[i][i] for i in range(3)] == [0, 0, 0]
    assert m[0][1] == m[1][0] == geo.travel_seconds(CLUJ, BUCHAREST, 50, 1.3)
    assert all(isinstance(v, int) for row in m for v in row)
    assert geo.travel_matrix([], speed_kmh=50, circuity=1.3) == []


# --- OSRM ----------------------------------------------------------------------------------


def test_osrm_table_gives_road_times():
    pts = [CLUJ, BUCHAREST, TIMISOARA]
    with StubServer(osrm_answer) as server:
        m = geo.travel_matrix(pts, speed_kmh=50, circuity=1.3, osrm_url=server.url + "/")
    (request,) = server.requests
    assert request.path == (
        "/table/v1/driving/23.586000,46.769500;26.102500,44.426800;21.205000,45.770000"
    )
    assert request.query["annotations"] == ["duration"]
    lonlat = [(lon, lat) for lat, lon in pts]
    assert m[0][1] == round(road_seconds(lonlat[0], lonlat[1]))
    assert m[2][0] == round(road_seconds(lonlat[2], lonlat[0]))
    assert [m[i][i] for i in range(3)] == [0, 0, 0]


def test_osrm_large_tables_are_asked_in_blocks():
    pts = [(45 + i * 0.01, 23 + (i % 7) * 0.02) for i in range(120)]
    with StubServer(osrm_answer) as server:
        m = geo.travel_matrix(pts, speed_kmh=50, circuity=1.3, osrm_url=server.url)
    assert len(server.requests) == 9  # 3 × 3 blocks of at most 50 × 50
    assert all(len(r.path.split(";")) <= 100 for r in server.requests)
    lonlat = [(lon, lat) for lat, lon in pts]
    for i, j in [(0, 119), (119, 0), (57, 3), (99, 100), (42, 42)]:
        expected = 0 if i == j else round(road_seconds(lonlat[i], lonlat[j]))
        assert m[i][j] == expected


def test_osrm_unroutable_pairs_fall_back_to_the_estimate(caplog):
    def answer(seen):
        return 200, {"code": "Ok", "durations": [[0, None], [321.6, 0]]}

    with StubServer(answer) as server, caplog.at_level(logging.WARNING, "dispatch.geo"):
        m = geo.travel_matrix([CLUJ, BUCHAREST], speed_kmh=50, circuity=1.3, osrm_url=server.url)
    assert m[0][1] == geo.travel_seconds(CLUJ, BUCHAREST, 50, 1.3) and m[1][0] == 322
    assert "no road for 1 pairs" in caplog.text


@pytest.mark.parametrize(
    "answer",
    [
        lambda seen: (500, {"code": "Error"}),
        lambda seen: (200, {"code": "NoTable"}),
        lambda seen: (200, b"not json"),
        lambda seen: (200, {"code": "Ok", "durations": [[0, 1]]}),  # wrong shape
        lambda seen: (200, {"code": "Ok", "durations": [[0, -4], [1, 0]]}),
        lambda seen: (200, {"code": "Ok", "durations": [[0, "x"], [1, 0]]}),
    ],
)
def test_osrm_failure_falls_back_to_great_circle_with_a_warning(answer, caplog):
    with StubServer(answer) as server, caplog.at_level(logging.WARNING, "dispatch.geo"):
        m = geo.travel_matrix([CLUJ, BUCHAREST], speed_kmh=50, circuity=1.3, osrm_url=server.url)
    assert m == geo.travel_matrix([CLUJ, BUCHAREST], speed_kmh=50, circuity=1.3)
    assert "using great-circle estimates" in caplog.text


def test_osrm_down_or_slow_falls_back_quickly(caplog, closed_port):
    began = time.monotonic()
    m = geo.travel_matrix(
        [CLUJ, BUCHAREST],
        speed_kmh=50,
        circuity=1.3,
        osrm_url=f"http://127.0.0.1:{closed_port}",
        timeout=1,
    )
    with StubServer(osrm_answer, delay=3) as server:
        m2 = geo.travel_matrix(
            [CLUJ, BUCHAREST], speed_kmh=50, circuity=1.3, osrm_url=server.url, timeout=0.3
        )
    assert time.monotonic() - began < 3
    assert m == m2 == geo.travel_matrix([CLUJ, BUCHAREST], speed_kmh=50, circuity=1.3)


def test_osrm_url_must_be_http():
    m = geo.travel_matrix(
        [CLUJ, BUCHAREST], speed_kmh=50, circuity=1.3, osrm_url="file:///etc/passwd"
    )
    assert m == geo.travel_matrix([CLUJ, BUCHAREST], speed_kmh=50, circuity=1.3)


def test_matrix_from_the_app_config(app):
    pts = [CLUJ, TIMISOARA]
    app.config.update(TRAVEL_SPEED_KMH=60, TRAVEL_CIRCUITY=1.2)
    assert geo.travel_matrix_from_config(pts, app.config) == geo.travel_matrix(
        pts, speed_kmh=60, circuity=1.2
    )
    with StubServer(osrm_answer) as server:
        app.config["OSRM_URL"] = server.url
        m = geo.travel_matrix_from_config(pts, app.config)
    assert m[0][1] == round(road_seconds((CLUJ[1], CLUJ[0]), (TIMISOARA[1], TIMISOARA[0])))

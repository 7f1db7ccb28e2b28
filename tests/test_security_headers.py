"""Headers every page carries: the Content Security Policy (with the map's tile server) and,
over HTTPS, Strict-Transport-Security."""

from __future__ import annotations

import pytest

from dispatch.web import tile_source


def img_src(response) -> list[str]:
    policy = response.headers["Content-Security-Policy"]
    directive = next(d.strip() for d in policy.split(";") if d.strip().startswith("img-src "))
    return directive.split()[1:]


@pytest.mark.parametrize(
    "url, source",
    [
        (
            "https://{s}.tile.openstreetmap.org/{z}/{x}/{y}.png",
            "https://*.tile.openstreetmap.org",
        ),
        ("https://tiles.example.com:8443/osm/{z}/{x}/{y}.png", "https://tiles.example.com:8443"),
        ("http://tiles-{s}.maps.example.org/{z}/{x}/{y}{r}.png", "http://*.maps.example.org"),
        ("https://user@{s}.tiles.example.net/{z}/{x}/{y}.png", "https://*.tiles.example.net"),
        ("/tiles/{z}/{x}/{y}.png", None),  # on this server: 'self'
        ("", None),
        (None, None),
    ],
)
def test_tile_source(url, source):
    assert tile_source(url) == source


def test_the_policy_lets_the_map_load_the_configured_tiles(make_app):
    app = make_app(MAP_TILE_URL="https://{s}.maps.example.com/tiles/{z}/{x}/{y}.png")
    sources = img_src(app.test_client().get("/login"))
    assert sources == ["'self'", "data:", "https://*.maps.example.com"]


def test_the_default_policy_allows_openstreetmap(client):
    assert img_src(client.get("/login")) == ["'self'", "data:", "https://*.tile.openstreetmap.org"]


def test_tiles_served_by_the_app_need_no_other_source(make_app):
    app = make_app(MAP_TILE_URL="/tiles/{z}/{x}/{y}.png")
    assert img_src(app.test_client().get("/login")) == ["'self'", "data:"]


def test_hsts_over_https_only(app):
    secure = app.test_client().get("/login", base_url="https://localhost")
    assert secure.headers["Strict-Transport-Security"] == "max-age=31536000"
    plain = app.test_client().get("/login")
    assert "Strict-Transport-Security" not in plain.headers


def test_hsts_max_age_is_a_setting(make_app):
    app = make_app(HSTS_MAX_AGE=600)
    response = app.test_client().get("/login", base_url="https://localhost")
    assert response.headers["Strict-Transport-Security"] == "max-age=600"
    app = make_app(HSTS_MAX_AGE=None)
    response = app.test_client().get("/login", base_url="https://localhost")
    assert "Strict-Transport-Security" not in response.headers

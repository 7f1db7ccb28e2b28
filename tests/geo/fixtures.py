"""Fixtures for places: a Nominatim-like server on 127.0.0.1 and the app configured for it.

Registered for the whole suite (tests/conftest.py), so every test starts with no geocoder
remembered and no provider marked as down."""

from __future__ import annotations

import pytest

from dispatch import geo
from tests.geo.support import StubServer, nominatim_answer


@pytest.fixture(autouse=True)
def _fresh_geocoders():
    geo.reset()
    yield
    geo.reset()


def use_nominatim(app, domain: str, **config) -> None:
    app.config.update(
        GEOCODER="nominatim",
        GEOCODER_OPTIONS={"domain": domain, "scheme": "http"},
        GEOCODER_MIN_DELAY_SECONDS=0,
        GEOCODER_TIMEOUT=2,
        **config,
    )


@pytest.fixture
def nominatim(app):
    """The real geopy Nominatim geocoder, talking to a local server that answers like it."""
    with StubServer(nominatim_answer) as server:
        use_nominatim(app, server.domain)
        yield server


@pytest.fixture
def geocoder_down(app, closed_port):
    """Nothing listens where the geocoder should be."""
    use_nominatim(app, f"127.0.0.1:{closed_port}")

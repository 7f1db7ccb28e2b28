"""The directory tests' slapd, started once for the package, and the app configured for it."""

from __future__ import annotations

import pytest

from dispatch.extensions import db
from dispatch.sites.models import Site
from tests.directory import company
from tests.directory.support import start_slapd, stop_slapd


@pytest.fixture(scope="package")
def slapd(tmp_path_factory):
    server = start_slapd(tmp_path_factory.mktemp("slapd"))
    try:
        server.load(company.ldif())
        server.load(company.ad_ldif())
        yield server
    finally:
        stop_slapd(server)


@pytest.fixture
def directory_config(slapd):
    return {
        "LDAP_URL": slapd.url,
        "LDAP_ALLOW_PLAINTEXT": True,
        "LDAP_BASE_DN": company.PEOPLE,
        "LDAP_BIND_DN": company.SERVICE_DN,
        "LDAP_BIND_PASSWORD": company.SERVICE_PASSWORD,
        "LDAP_ROLE_GROUPS": company.ROLE_GROUPS,
        "LDAP_ATTRIBUTES": {"disabled": "pwdAccountLockedTime"},
    }


@pytest.fixture
def dir_app(make_app, directory_config):
    """An app signing in against the test slapd, with the sites Cluj-Napoca and Brașov."""
    app = make_app(RATELIMIT_ENABLED=False, **directory_config)
    with app.app_context():
        db.session.add_all([Site(name="Cluj-Napoca", code="CJ"), Site(name="Brașov", code="BV")])
        db.session.commit()
        yield app


@pytest.fixture
def down_app(make_app, closed_port):
    """An app whose directory cannot be reached: nothing listens at its address."""
    app = make_app(
        RATELIMIT_ENABLED=False,
        LDAP_URL=f"ldap://127.0.0.1:{closed_port}",
        LDAP_ALLOW_PLAINTEXT=True,
        LDAP_BASE_DN="dc=firma,dc=ro",
    )
    with app.app_context():
        yield app

"""Single sign-on's settings: checked when the app starts, the wrong one named."""

from __future__ import annotations

import pytest

from dispatch import create_app
from dispatch.directory.oidc_settings import from_config
from dispatch.directory.settings import DirectoryMisconfigured

GOOD = {
    "OIDC_ISSUER": "https://sso.firma.ro/realms/firma",
    "OIDC_CLIENT_ID": "dispatch",
    "OIDC_CLIENT_SECRET": "s3cret",
}


def test_no_issuer_means_off():
    assert from_config({}) is None


def test_defaults_and_overrides():
    settings = from_config({**GOOD, "OIDC_CLAIMS": {"groups": "roles"}})
    assert settings.discovery_url == (
        "https://sso.firma.ro/realms/firma/.well-known/openid-configuration"
    )
    assert settings.claims["groups"] == "roles" and settings.claims["email"] == "email"
    assert settings.scopes == "openid email profile"
    loopback = from_config({**GOOD, "OIDC_ISSUER": "http://127.0.0.1:8080"})
    assert loopback.issuer == "http://127.0.0.1:8080"


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        ({"OIDC_ISSUER": "http://sso.firma.ro"}, "https://"),
        ({"OIDC_CLIENT_SECRET": ""}, "OIDC_CLIENT_SECRET"),
        ({"OIDC_CLAIMS": {"shoe_size": "x"}}, "shoe_size"),
        ({"OIDC_CLAIMS": {"email": ""}}, "'email'"),
        ({"OIDC_SCOPES": "email profile"}, "openid"),
        ({"OIDC_ROLE_GROUPS": {"/Helpdesk": "boss"}}, "boss"),
    ],
)
def test_wrong_settings_are_named(extra, message):
    with pytest.raises(DirectoryMisconfigured, match=message):
        from_config({**GOOD, **extra})


def test_the_app_does_not_start_with_a_wrong_setting():
    with pytest.raises(DirectoryMisconfigured, match="OIDC_CLIENT_ID"):
        create_app({"TESTING": True, "OIDC_ISSUER": "https://sso.firma.ro"})

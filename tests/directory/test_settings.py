"""The directory's settings: checked when the app starts; clear text refused outside tests."""

from __future__ import annotations

import pytest

from dispatch import create_app
from dispatch.directory.settings import DirectoryMisconfigured, check, from_config

GOOD = {"LDAP_URL": "ldaps://dc1.firma.ro", "LDAP_BASE_DN": "dc=firma,dc=ro"}


def test_no_url_means_off():
    assert from_config({}) is None


def test_presets_fill_the_attributes_and_overrides_win():
    ad = from_config({**GOOD, "LDAP_PRESET": "ad", "LDAP_ATTRIBUTES": {"site": "l"}})
    assert ad.attributes["login"] == "sAMAccountName" and ad.attributes["site"] == "l"
    assert ad.nested == "in_chain" and "sAMAccountName={login}" in ad.user_filter
    assert from_config(GOOD).attributes["login"] == "uid"


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        ({"LDAP_PRESET": "novell"}, "LDAP_PRESET"),
        ({"LDAP_URL": "http://dc1"}, "LDAP_URL"),
        ({"LDAP_BASE_DN": ""}, "LDAP_BASE_DN"),
        ({"LDAP_ATTRIBUTES": {"shoe_size": "x"}}, "shoe_size"),
        ({"LDAP_ATTRIBUTES": {"email": ""}}, "'email'"),
        ({"LDAP_USER_FILTER": "(uid=*)"}, "{login}"),
        ({"LDAP_USER_DN_TEMPLATE": "uid=x,dc=firma"}, "{login}"),
        ({"LDAP_ROLE_GROUPS": {"cn=x": "boss"}}, "boss"),
        ({"LDAP_NESTED_GROUPS": "deep"}, "LDAP_NESTED_GROUPS"),
    ],
)
def test_wrong_settings_are_named(extra, message):
    with pytest.raises(DirectoryMisconfigured, match=message):
        from_config({**GOOD, **extra})


def test_clear_text_is_refused_outside_debug_and_tests():
    plain = {**GOOD, "LDAP_URL": "ldap://dc1.firma.ro", "LDAP_ALLOW_PLAINTEXT": True}
    with pytest.raises(DirectoryMisconfigured, match="clear text"):
        check(plain, debug_or_testing=False)
    check(plain, debug_or_testing=True)
    with pytest.raises(DirectoryMisconfigured, match="clear text"):
        check({**plain, "LDAP_ALLOW_PLAINTEXT": False}, debug_or_testing=True)
    check({**plain, "LDAP_ALLOW_PLAINTEXT": False, "LDAP_START_TLS": True}, debug_or_testing=False)


def test_the_app_does_not_start_with_clear_text(tmp_path):
    with pytest.raises(DirectoryMisconfigured):
        create_app(
            {
                "SECRET_KEY": "x",
                "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/x.sqlite",
                "LDAP_URL": "ldap://dc1.firma.ro",
                "LDAP_BASE_DN": "dc=firma,dc=ro",
                "LDAP_ALLOW_PLAINTEXT": True,
            }
        )

"""LDAPS and StartTLS against the test slapd, whose certificate only the test's CA signed."""

from __future__ import annotations

import pytest

from dispatch.directory import client
from dispatch.directory.settings import from_config
from tests.directory.support import PASSWORD


def _settings(directory_config, **changes):
    config = {**directory_config, "LDAP_ALLOW_PLAINTEXT": False, **changes}
    return from_config(config)


def test_ldaps_with_the_ca_file(slapd, directory_config):
    settings = _settings(directory_config, LDAP_URL=slapd.tls_url, LDAP_CA_FILE=slapd.ca_file)
    person = client.check_password(settings, "ioana.margarit@firma.ro", PASSWORD)
    assert person is not None and person.name == "Ioana Mărgărit"


def test_start_tls_with_the_ca_file(slapd, directory_config):
    settings = _settings(directory_config, LDAP_START_TLS=True, LDAP_CA_FILE=slapd.ca_file)
    assert not settings.plaintext
    assert client.check_password(settings, "ioana.margarit@firma.ro", PASSWORD) is not None


@pytest.mark.parametrize("start_tls", [False, True])
def test_a_certificate_the_ca_did_not_sign_is_refused(slapd, directory_config, start_tls):
    # Without the CA file only the system's CAs are trusted, and none of them signed it.
    url = slapd.url if start_tls else slapd.tls_url
    settings = _settings(directory_config, LDAP_URL=url, LDAP_START_TLS=start_tls)
    with pytest.raises(client.DirectoryUnavailable):
        client.check_password(settings, "ioana.margarit@firma.ro", PASSWORD)


def test_the_name_must_match_the_certificate(slapd, directory_config):
    # The certificate names localhost and 127.0.0.1, not 127.0.0.2.
    url = slapd.tls_url.replace("localhost", "127.0.0.2")
    settings = _settings(directory_config, LDAP_URL=url, LDAP_CA_FILE=slapd.ca_file)
    with pytest.raises(client.DirectoryUnavailable):
        client.check_password(settings, "ioana.margarit@firma.ro", PASSWORD)

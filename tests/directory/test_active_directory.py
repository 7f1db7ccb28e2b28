"""The Active Directory preset, against the test slapd loaded with AD-shaped people
(sAMAccountName, userPrincipalName, proxyAddresses, userAccountControl). slapd knows no
matching rule in chain, so nested groups are followed through memberOf here."""

from __future__ import annotations

import pytest

from dispatch.directory import client
from dispatch.directory.accounts import role_for
from dispatch.directory.settings import from_config
from dispatch.extensions import db
from dispatch.mail.correspondents import find_user
from dispatch.people.models import User
from tests.directory import company
from tests.directory.support import PASSWORD

AD = {
    "LDAP_PRESET": "ad",
    "LDAP_BASE_DN": company.AD_BASE,
    "LDAP_ATTRIBUTES": {"id": "entryUUID"},  # slapd has no objectGUID
    "LDAP_NESTED_GROUPS": "memberof",
    "LDAP_SYNC_FILTER": "(objectClass=user)",  # slapd has no objectCategory
    "LDAP_ROLE_GROUPS": {company.AD_DISPATCHERS: "dispatcher"},
}


@pytest.fixture
def ad_app(make_app, directory_config):
    app = make_app(RATELIMIT_ENABLED=False, **{**directory_config, **AD})
    with app.app_context():
        yield app


@pytest.mark.parametrize("login", ["gvasile", "gvasile@firma.local", "GVASILE"])
def test_an_ad_person_by_account_name_or_principal(ad_app, login):
    settings = from_config(ad_app.config)
    person = client.check_password(settings, login, PASSWORD)
    assert person.email == "gheorghe.vasile@firma.ro"  # proxyAddresses' SMTP: (no mail)
    assert person.aliases == ["g.vasile@firma.ro"]  # smtp: only, X500: is not mail
    assert person.login == "gvasile" and person.name == "Gheorghe Vasile"
    assert person.department == "Achiziții" and person.site == "brasov"
    assert role_for(settings, person.groups) == "dispatcher"
    assert not person.disabled


def test_user_account_control_disabled_bit(ad_app):
    settings = from_config(ad_app.config)
    person = client.check_password(settings, "dinchisa", PASSWORD)
    assert person.disabled  # 514 = 512 + ACCOUNTDISABLE


def test_sync_with_the_ad_preset(ad_app):
    result = ad_app.test_cli_runner().invoke(args=["directory", "sync"])
    assert result.exit_code == 0, result.output
    users = db.session.scalars(db.select(User)).all()
    assert [u.email for u in users] == ["gheorghe.vasile@firma.ro"]
    assert users[0].role == "dispatcher" and users[0].department.name == "Achiziții"
    assert find_user("g.vasile@firma.ro") == users[0]

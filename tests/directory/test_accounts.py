"""What turns a directory person into an account: roles from groups, names folded for
matching, addresses checked."""

from __future__ import annotations

import pytest

from dispatch.directory.accounts import role_for, usable_address
from dispatch.directory.client import Person, normal_dn
from dispatch.directory.settings import from_config
from dispatch.sites.lookup import folded

SETTINGS = from_config(
    {
        "LDAP_URL": "ldaps://dc1",
        "LDAP_BASE_DN": "dc=firma,dc=ro",
        "LDAP_ROLE_GROUPS": {
            "CN=Agents,DC=firma,DC=ro": "agent",
            "cn=Dispatchers, dc=firma, dc=ro": "dispatcher",
        },
    }
)


def test_the_highest_role_wins_and_group_dns_ignore_case_and_spaces():
    both = {normal_dn("cn=agents,dc=firma,dc=ro"), normal_dn("CN=DISPATCHERS,DC=FIRMA,DC=RO")}
    assert role_for(SETTINGS, both) == "dispatcher"
    assert role_for(SETTINGS, {normal_dn("cn=agents,dc=firma,dc=ro")}) == "agent"
    assert role_for(SETTINGS, {normal_dn("cn=other,dc=firma,dc=ro")}) == "employee"


def test_folding_sets_case_and_diacritics_aside():
    assert folded("Brașov") == folded("BRASOV") == folded(" brasov ")
    assert folded("Ştefan Ţurcanu") == folded("stefan turcanu")  # cedilla forms too


@pytest.mark.parametrize(("email", "usable"), [("Ana@Firma.RO", True), ("", False), ("ana", False)])
def test_only_a_valid_address_makes_an_account(email, usable):
    person = Person(dn="uid=ana,dc=firma,dc=ro", id="1", email=email, name="Ana")
    assert usable_address(person) is usable
    if usable:
        assert person.email == "ana@firma.ro"

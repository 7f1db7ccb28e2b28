"""Nested groups against the real slapd, which (like any OpenLDAP) knows no matching rule in
chain: groups inside Helpdesk-Dispatchers, two levels deep and in a cycle, are found by walking
memberOf, as deep as LDAP_GROUP_DEPTH allows; "in_chain" configured on it falls back to the walk
and says so; "none" keeps the direct groups only."""

from __future__ import annotations

import logging

import pytest

from dispatch.directory import client
from dispatch.directory.accounts import role_for
from dispatch.directory.settings import from_config
from dispatch.directory.signin import sign_in
from dispatch.extensions import db
from dispatch.people.models import User
from tests.directory import company
from tests.directory.support import PASSWORD

NIGHT = f"cn=Tura-Noapte,{company.GROUPS}"  # Elena is in it
CLUJ = f"cn=Dispeceri-Cluj,{company.GROUPS}"  # holds NIGHT, is inside Helpdesk-Dispatchers
DISPATCHERS = f"cn=Helpdesk-Dispatchers,{company.GROUPS}"


@pytest.fixture
def nested(slapd):
    """Elena in Tura-Noapte, inside Dispeceri-Cluj, inside Helpdesk-Dispatchers; and
    Dispeceri-Cluj inside Tura-Noapte too, a cycle. Taken away again after the test."""
    slapd.load(
        f"dn: {NIGHT}\nobjectClass: groupOfNames\ncn: Tura-Noapte\n"
        f"member: uid=epopa,{company.PEOPLE}\n\n"
        f"dn: {CLUJ}\nobjectClass: groupOfNames\ncn: Dispeceri-Cluj\nmember: {NIGHT}\n"
    )
    slapd.modify(f"dn: {DISPATCHERS}\nchangetype: modify\nadd: member\nmember: {CLUJ}\n")
    slapd.modify(f"dn: {NIGHT}\nchangetype: modify\nadd: member\nmember: {CLUJ}\n")
    try:
        yield
    finally:
        slapd.modify(f"dn: {DISPATCHERS}\nchangetype: modify\ndelete: member\nmember: {CLUJ}\n")
        slapd.delete(CLUJ, NIGHT)


def _role(config, **settings):
    found = from_config({**config, **settings})
    person = client.check_password(found, "epopa", PASSWORD)
    return role_for(found, person.groups), person


def test_groups_inside_groups_are_walked_through_member_of(dir_app, nested):
    role, person = _role(dir_app.config)
    assert role == "dispatcher"
    assert client.normal_dn(CLUJ) in person.groups  # the level between is known too


def test_the_walk_stops_at_the_configured_depth(dir_app, nested):
    assert _role(dir_app.config, LDAP_GROUP_DEPTH=1)[0] == "employee"  # Dispeceri-Cluj only
    assert _role(dir_app.config, LDAP_GROUP_DEPTH=2)[0] == "dispatcher"


def test_none_keeps_the_direct_groups(dir_app, nested):
    role, person = _role(dir_app.config, LDAP_NESTED_GROUPS="none")
    assert role == "employee" and person.groups == {client.normal_dn(NIGHT)}


def test_in_chain_on_a_directory_without_it_falls_back_to_the_walk(dir_app, nested, caplog):
    with caplog.at_level(logging.WARNING, logger="dispatch.directory"):
        assert _role(dir_app.config, LDAP_NESTED_GROUPS="in_chain")[0] == "dispatcher"
    assert "does not apply the matching rule in chain" in caplog.text


def test_a_sign_in_gives_the_nested_groups_role(dir_app, nested):
    user = sign_in("elena.popa@firma.ro", PASSWORD)
    assert user.role == "dispatcher"
    assert db.session.scalar(db.select(User).filter_by(email="elena.popa@firma.ro")) == user

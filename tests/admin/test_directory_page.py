"""The directory page: administrators see how directory sign-in is set up and the last sync;
nobody else sees it; the service account's password is never shown."""

from __future__ import annotations

from dispatch.directory.models import DirectorySync
from dispatch.extensions import db
from dispatch.types import utcnow

SETTINGS = {
    "LDAP_URL": "ldaps://dc1.firma.ro",
    "LDAP_PRESET": "ad",
    "LDAP_BASE_DN": "dc=firma,dc=ro",
    "LDAP_BIND_DN": "cn=dispatch,dc=firma,dc=ro",
    "LDAP_BIND_PASSWORD": "very-secret-bind",
    "LDAP_ROLE_GROUPS": {"cn=Helpdesk-Dispatchers,dc=firma,dc=ro": "dispatcher"},
}


def test_admins_see_the_mapping_and_the_last_sync(app, client, auth):
    auth.login(role="admin")
    app.config.update(SETTINGS)
    db.session.add(
        DirectorySync(
            finished_at=utcnow(), people=2000, created=3, updated=7, deactivated=1, reactivated=0,
            problems=["ana@firma.ro is a local account and also a directory person"],
            source="command line (cron)",
        )
    )  # fmt: skip
    db.session.commit()
    page = client.get("/admin/directory")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert "ldaps://dc1.firma.ro" in text and "sAMAccountName" in text
    assert "cn=Helpdesk-Dispatchers,dc=firma,dc=ro" in text and "Dispatcher" in text
    assert "2000 people; 3 created, 7 updated, 1 deactivated" in text
    assert "ana@firma.ro is a local account" in text
    assert "very-secret-bind" not in text
    assert "matching rule in chain" in text and 'LDAP_NESTED_GROUPS = "in_chain"' in text


def test_the_nested_groups_method_is_shown(app, client, auth):
    auth.login(role="admin")
    app.config.update(SETTINGS, LDAP_PRESET="openldap", LDAP_GROUP_DEPTH=3)
    text = client.get("/admin/directory").get_data(as_text=True)
    assert "walked through memberOf, up to 3 levels" in text


def test_without_a_directory_the_page_says_it_is_off(client, auth):
    auth.login(role="admin")
    text = client.get("/admin/directory").get_data(as_text=True)
    assert "Off: everyone signs in with a password of Dispatch" in text


def test_only_admins_see_the_page(client, auth):
    auth.login(role="dispatcher")
    assert client.get("/admin/directory").status_code == 404


def test_admins_see_how_single_sign_on_is_set_up_never_its_secret(app, client, auth):
    auth.login(role="admin")
    app.config.update(
        OIDC_ISSUER="https://login.microsoftonline.com/tenant-1/v2.0",
        OIDC_CLIENT_ID="client-1",
        OIDC_CLIENT_SECRET="very-secret-client",
        OIDC_CLAIMS={"groups": "roles"},
        OIDC_ROLE_GROUPS={"Helpdesk.Dispatcher": "dispatcher"},
    )
    text = client.get("/admin/directory").get_data(as_text=True)
    assert "https://login.microsoftonline.com/tenant-1/v2.0" in text and "client-1" in text
    assert "<code>roles</code>" in text and "Helpdesk.Dispatcher" in text
    assert "very-secret-client" not in text


def test_single_sign_on_off_is_said(client, auth):
    auth.login(role="admin")
    assert "Set OIDC_ISSUER" in client.get("/admin/directory").get_data(as_text=True)

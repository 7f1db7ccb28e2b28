"""Single sign-on against a real OpenID Connect provider (Authlib's authorization server with
real RSA signatures, over HTTP): the whole flow signs a person in and creates their account;
every forged or misdirected ID token, a replayed state and a local account with the same
address are refused with a clear message, and no account is created."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from flask import g

from dispatch.audit.models import AdminEvent
from dispatch.extensions import db
from dispatch.people.models import EmailAlias, User
from dispatch.sites.models import Site
from tests.directory.oidc_provider import CLIENT_ID, CLIENT_SECRET, Running

CALLBACK = "http://localhost/login/sso/callback"

ANA = {
    "sub": "6f1c2a4e-ana",
    "email": "ana.stanciu@firma.ro",
    "email_verified": True,
    "name": "Ana Stanciu-Țăranu",
    "department": "Logistică",
    "site": "brasov",
    "phone_number": "+40 268 100 200",
    "groups": ["/Helpdesk/Dispatchers", "/Toți angajații"],
    "locale": "en-GB",
}


@pytest.fixture(scope="module")
def running():
    server = Running()
    server.provider.client.redirect_uris = [CALLBACK]
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def provider(running):
    running.provider.person, running.provider.fault = dict(ANA), None
    return running.provider


@pytest.fixture
def sso_app(make_app, provider):
    app = make_app(
        RATELIMIT_ENABLED=False,
        OIDC_ISSUER=provider.issuer,
        OIDC_CLIENT_ID=CLIENT_ID,
        OIDC_CLIENT_SECRET=CLIENT_SECRET,
        OIDC_ROLE_GROUPS={"/helpdesk/dispatchers": "dispatcher"},
    )
    with app.app_context():
        db.session.add(Site(name="Brașov", code="BV"))
        db.session.commit()
        yield app


def _to_provider(client, path="/login/sso"):
    """Start signing in; the provider's answer (its redirect back to Dispatch)."""
    start = client.get(path)
    assert start.status_code == 302, start.text
    answer = requests.get(start.location, allow_redirects=False, timeout=10)
    assert answer.status_code == 302, answer.text
    assert answer.headers["Location"].startswith(CALLBACK)
    return answer.headers["Location"]


def _back(client, location):
    parts = urlsplit(location)
    return client.get(f"{parts.path}?{parts.query}")


def _sign_in(client, path="/login/sso"):
    return _back(client, _to_provider(client, path))


def _refusal(client, response) -> str:
    assert response.status_code == 302 and response.location.endswith("/login")
    return client.get(response.location).text


def _accounts() -> int:
    return db.session.scalar(db.select(db.func.count(User.id)))


def test_the_sign_in_page_offers_the_company_account_only_when_configured(sso_app, app):
    assert "Sign in with your company account" in sso_app.test_client().get("/login").text
    assert "Sign in with your company account" not in app.test_client().get("/login").text
    assert app.test_client().get("/login/sso").status_code == 404


def test_the_redirect_asks_for_a_code_with_pkce_state_and_nonce(sso_app, provider):
    location = sso_app.test_client().get("/login/sso").location
    query = parse_qs(urlsplit(location).query)
    assert location.startswith(f"{provider.issuer}/authorize?")
    assert query["response_type"] == ["code"] and query["client_id"] == [CLIENT_ID]
    assert query["code_challenge_method"] == ["S256"] and len(query["code_challenge"][0]) >= 43
    assert query["state"][0] and query["nonce"][0]
    assert query["scope"] == ["openid email profile"]


def test_a_first_sign_in_creates_the_account_from_the_claims(sso_app, provider):
    provider.person["locale"] = "ro-RO"
    client = sso_app.test_client()
    response = _sign_in(client, "/login/sso?next=/tickets/new")
    assert response.status_code == 302 and response.location == "/tickets/new"
    user = db.session.scalar(db.select(User).filter_by(email="ana.stanciu@firma.ro"))
    assert user.name == "Ana Stanciu-Țăranu" and user.auth_source == "oidc"
    assert user.password_hash is None and user.directory_id == "oidc:6f1c2a4e-ana"
    assert user.role == "dispatcher" and user.locale == "ro"
    assert user.department.name == "Logistică" and user.site.name == "Brașov"
    assert user.phone == "+40 268 100 200"
    event = db.session.scalar(db.select(AdminEvent).filter_by(target_id=user.id))
    assert event.action == "created" and event.actor_name == "Dispatch"
    # Signed in: the session is the person's.
    assert client.get("/account/password").status_code == 200


def test_the_next_sign_in_updates_the_account_and_ignores_an_unknown_language(sso_app, provider):
    assert _sign_in(sso_app.test_client()).status_code == 302
    user = db.session.scalar(db.select(User).filter_by(email="ana.stanciu@firma.ro"))
    assert user.locale == "en"
    user.locale = None  # "the browser's language", chosen on the account page
    db.session.commit()
    provider.person.update(groups=[], name="Ana Țăranu", locale="xx")
    assert _sign_in(sso_app.test_client()).status_code == 302
    db.session.refresh(user)
    assert user.name == "Ana Țăranu" and user.role == "employee" and user.locale is None
    assert _accounts() == 1


def test_an_open_redirect_in_next_is_dropped(sso_app, provider):
    response = _sign_in(sso_app.test_client(), "/login/sso?next=//evil.example/x")
    assert response.status_code == 302 and response.location == "/"


@pytest.mark.parametrize(
    "fault, reason",
    [
        ("other_audience", "the ID token was issued to another application"),
        ("expired", "the ID token has expired"),
        ("unsigned", "the ID token is unsigned or signed in a way that is not accepted"),
        ("nonce", "the ID token does not belong to this sign-in (nonce mismatch)"),
        ("other_issuer", "the ID token comes from another issuer"),
        ("other_key", "the ID token&#39;s signature is not the sign-in service&#39;s"),
    ],
)
def test_a_bad_id_token_is_refused_and_creates_nobody(sso_app, provider, fault, reason):
    provider.fault = fault
    client = sso_app.test_client()
    before, issued = _accounts(), provider.tokens_issued
    page = _refusal(client, _sign_in(client))
    assert provider.tokens_issued == issued + 1  # the provider did issue the bad token
    assert f"Sign-in refused: {reason}." in page
    assert _accounts() == before
    assert client.get("/account/password").status_code == 302  # not signed in


def test_a_replayed_state_is_refused(sso_app, provider):
    client = sso_app.test_client()
    location = _to_provider(client)
    assert _back(client, location).status_code == 302
    client.post("/logout")
    # The same answer again, in the same browser and in another one: nobody is signed in.
    for browser in (client, sso_app.test_client()):
        page = _refusal(browser, _back(browser, location))
        assert "This sign-in was not started in this browser, or it was already used." in page
        assert browser.get("/account/password").status_code == 302
    assert _accounts() == 1


def test_an_answer_started_in_another_browser_is_refused(sso_app, provider):
    location = _to_provider(sso_app.test_client())
    victim = sso_app.test_client()
    victim.get("/login")
    page = _refusal(victim, _back(victim, location))
    assert "This sign-in was not started in this browser" in page
    assert _accounts() == 0


def test_the_provider_refusing_is_said(sso_app, provider):
    provider.person = None  # nobody signed in at the provider: access_denied
    client = sso_app.test_client()
    page = _refusal(client, _sign_in(client))
    assert "refused the sign-in" in page and _accounts() == 0


def test_a_local_account_with_the_address_is_not_taken_over(sso_app, provider, make_user):
    local = make_user(email="ana.stanciu@firma.ro")
    local.set_password("local-pass-123")
    db.session.commit()
    client = sso_app.test_client()
    page = _refusal(client, _sign_in(client))
    assert "already exists and signs in another way" in page
    db.session.refresh(local)
    assert local.auth_source == "local" and local.check_password("local-pass-123")
    assert _accounts() == 1


def test_an_admin_links_a_local_account_then_it_signs_in(sso_app, provider, make_user):
    local = make_user(email="ana.stanciu@firma.ro")
    local.set_password("local-pass-123")
    db.session.commit()
    result = sso_app.test_cli_runner().invoke(args=["oidc", "link", "ana.stanciu@firma.ro"])
    assert result.exit_code == 0, result.output
    assert _sign_in(sso_app.test_client()).status_code == 302
    db.session.refresh(local)
    assert local.auth_source == "oidc" and local.directory_id == "oidc:6f1c2a4e-ana"
    assert local.password_hash is None and local.role == "dispatcher"
    again = sso_app.test_cli_runner().invoke(args=["oidc", "link", "ana.stanciu@firma.ro"])
    assert again.exit_code == 1 and "already signs in another way" in again.output


def test_a_deactivated_account_cannot_sign_in(sso_app, provider):
    assert _sign_in(sso_app.test_client()).status_code == 302
    user = db.session.scalar(db.select(User).filter_by(email="ana.stanciu@firma.ro"))
    user.set_active(False)
    db.session.commit()
    client = sso_app.test_client()
    assert "Your account is deactivated." in _refusal(client, _sign_in(client))
    db.session.refresh(user)
    assert not user.active


def test_an_unverified_address_or_another_domain_is_refused(make_app, sso_app, provider):
    provider.person["email_verified"] = False
    client = sso_app.test_client()
    assert "is not verified" in _refusal(client, _sign_in(client))
    provider.person["email_verified"] = True
    strict = make_app(
        RATELIMIT_ENABLED=False,
        OIDC_ISSUER=provider.issuer,
        OIDC_CLIENT_ID=CLIENT_ID,
        OIDC_CLIENT_SECRET=CLIENT_SECRET,
        OIDC_EMAIL_DOMAINS=["example.com"],
    )
    client = strict.test_client()
    assert "Accounts of firma.ro cannot sign in here." in _refusal(client, _sign_in(client))
    assert _accounts() == 0


def test_the_sign_in_is_throttled_per_client(make_app, provider):
    app = make_app(
        OIDC_ISSUER=provider.issuer,
        OIDC_CLIENT_ID=CLIENT_ID,
        OIDC_CLIENT_SECRET=CLIENT_SECRET,
        LOGIN_ADDRESS_LIMIT="3 per minute",
    )
    client = app.test_client()
    codes = [client.get("/login/sso/callback?code=x&state=y").status_code for _ in range(4)]
    assert codes == [302, 302, 302, 429]


def test_an_unreachable_provider_is_a_clear_message(make_app, closed_port):
    app = make_app(
        RATELIMIT_ENABLED=False,
        OIDC_ISSUER=f"http://127.0.0.1:{closed_port}",
        OIDC_CLIENT_ID=CLIENT_ID,
        OIDC_CLIENT_SECRET=CLIENT_SECRET,
    )
    client = app.test_client()
    response = client.get("/login/sso")
    assert "is not possible at the moment" in _refusal(client, response)


def test_without_a_groups_claim_the_role_is_the_admins(sso_app, provider):
    del provider.person["groups"]  # Google sends none
    assert _sign_in(sso_app.test_client()).status_code == 302
    user = db.session.scalar(db.select(User).filter_by(email="ana.stanciu@firma.ro"))
    assert user.role == "employee"
    user.role = "agent"  # given on the people page
    db.session.commit()
    assert _sign_in(sso_app.test_client()).status_code == 302
    db.session.refresh(user)
    assert user.role == "agent"


def test_another_accounts_alias_is_not_taken(sso_app, provider, make_user):
    other = make_user(email="ana.s@firma.ro")
    db.session.add(EmailAlias(user_id=other.id, email="ana.stanciu@firma.ro"))
    db.session.commit()
    client = sso_app.test_client()
    assert "already exists and signs in another way" in _refusal(client, _sign_in(client))
    assert _accounts() == 1


def test_directory_accounts_sign_in_by_sso_only_when_allowed(make_app, sso_app, provider):
    ldap = User(email="ana.stanciu@firma.ro", name="Ana (directory)", auth_source="ldap")
    ldap.directory_id, ldap.role = "entry-uuid-ana", "agent"
    db.session.add(ldap)
    db.session.commit()
    client = sso_app.test_client()
    assert "already exists and signs in another way" in _refusal(client, _sign_in(client))
    both = make_app(
        RATELIMIT_ENABLED=False,
        OIDC_ISSUER=provider.issuer,
        OIDC_CLIENT_ID=CLIENT_ID,
        OIDC_CLIENT_SECRET=CLIENT_SECRET,
        OIDC_ROLE_GROUPS={"/helpdesk/dispatchers": "dispatcher"},
        OIDC_DIRECTORY_ACCOUNTS=True,
    )
    client = both.test_client()
    assert _sign_in(client).status_code == 302
    assert client.get("/account/password").status_code == 200  # signed in, as the directory's
    db.session.refresh(ldap)
    assert ldap.auth_source == "ldap" and ldap.directory_id == "entry-uuid-ana"
    assert ldap.name == "Ana (directory)" and ldap.role == "agent"  # the directory's details
    assert _accounts() == 1


def test_without_a_role_mapping_the_role_is_the_admins(make_app, provider):
    app = make_app(
        RATELIMIT_ENABLED=False,
        OIDC_ISSUER=provider.issuer,
        OIDC_CLIENT_ID=CLIENT_ID,
        OIDC_CLIENT_SECRET=CLIENT_SECRET,
    )
    assert _sign_in(app.test_client()).status_code == 302
    user = db.session.scalar(db.select(User).filter_by(email="ana.stanciu@firma.ro"))
    assert user.role == "employee"  # the groups claim maps to nothing
    user.role = "technician"
    db.session.commit()
    assert _sign_in(app.test_client()).status_code == 302
    db.session.refresh(user)
    assert user.role == "technician"


def _admin_client(app, make_user):
    admin = make_user("admin")
    client = app.test_client()
    login = {"email": admin.email, "password": "correct horse battery staple"}
    assert client.post("/login", data=login).status_code == 302
    return client


def test_an_admin_links_a_subject_on_the_persons_page(sso_app, provider, make_user):
    # The provider's address for Ana differs from the account's: the subject finds her.
    local = make_user(email="ana.old@firma.ro")
    local.set_password("local-pass-123")
    db.session.commit()
    admin = _admin_client(sso_app, make_user)
    page = admin.get(f"/admin/users/{local.id}").get_data(as_text=True)
    assert f'action="/admin/users/{local.id}/sso/link"' in page
    response = admin.post(f"/admin/users/{local.id}/sso/link", data={"sso-subject": ANA["sub"]})
    assert response.status_code == 302
    db.session.refresh(local)
    assert local.auth_source == "oidc" and local.password_hash is None
    assert local.directory_id == "oidc:6f1c2a4e-ana"
    shown = admin.get(f"/admin/users/{local.id}").get_data(as_text=True)
    assert provider.issuer in shown and "6f1c2a4e-ana" in shown
    event = db.session.scalars(
        db.select(AdminEvent).filter_by(target_id=local.id).order_by(AdminEvent.id.desc())
    ).first()
    assert event.before["signs_in_with"] == "local" and event.after["signs_in_with"] == "oidc"
    assert event.after["directory_entry"] == f"{provider.issuer} sub=6f1c2a4e-ana"
    assert _sign_in(sso_app.test_client()).status_code == 302
    db.session.refresh(local)
    assert local.email == "ana.stanciu@firma.ro" and _accounts() == 2  # hers, and the admin's


def test_a_subject_linked_to_someone_else_is_refused(sso_app, provider, make_user):
    assert _sign_in(sso_app.test_client()).status_code == 302  # Ana's account has her subject
    other = make_user(email="ana.copy@firma.ro")
    admin = _admin_client(sso_app, make_user)
    response = admin.post(
        f"/admin/users/{other.id}/sso/link",
        data={"sso-subject": ANA["sub"]},
        follow_redirects=True,
    )
    assert "is already linked to the account ana.stanciu@firma.ro" in response.text
    bad = admin.post(
        f"/admin/users/{other.id}/sso/link", data={"sso-subject": "a\nb"}, follow_redirects=True
    )
    assert "That is not a subject" in bad.text
    db.session.refresh(other)
    assert other.auth_source == "local" and other.directory_id is None


def test_unlinking_a_single_sign_on_account(sso_app, provider, make_user):
    assert _sign_in(sso_app.test_client()).status_code == 302
    ana = db.session.scalar(db.select(User).filter_by(email="ana.stanciu@firma.ro"))
    admin = _admin_client(sso_app, make_user)
    assert admin.post(f"/admin/users/{ana.id}/unlink", data={}).status_code == 302
    db.session.refresh(ana)
    assert ana.auth_source == "local" and ana.directory_id is None
    g.pop("_login_user", None)  # the requests share the test's app context: forget the admin
    client = sso_app.test_client()
    assert "already exists and signs in another way" in _refusal(client, _sign_in(client))

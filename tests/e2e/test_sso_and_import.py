"""Single sign-on and the people import in a real browser (CSRF on), at phone width: the
browser itself goes to the provider and back; the admin previews a CSV file and imports it."""

from __future__ import annotations

import re

import pytest

from dispatch.extensions import db
from dispatch.mail.models import OutboxMessage
from dispatch.people.models import User
from tests.conftest import PASSWORD
from tests.directory.oidc_provider import CLIENT_ID, CLIENT_SECRET, Running
from tests.live import live_app

pytestmark = pytest.mark.e2e

PHONE = {"width": 390, "height": 844}


def test_sign_in_with_the_company_account(app, database_url, tmp_path, browser, shot):
    server = Running()
    provider = server.provider
    provider.person = {"sub": "e2e-1", "email": "mara.dinu@firma.ro", "name": "Mara Dinu"}
    settings = dict(
        OIDC_ISSUER=provider.issuer, OIDC_CLIENT_ID=CLIENT_ID, OIDC_CLIENT_SECRET=CLIENT_SECRET
    )
    try:
        with live_app(database_url, str(tmp_path / "files"), **settings) as base:
            provider.client.redirect_uris = [f"{base}/login/sso/callback"]
            page = browser.new_page(viewport=PHONE)
            page.goto(f"{base}/login")
            shot(page, "sso-0-login-phone")
            page.get_by_role("link", name="Sign in with your company account").click()
            page.wait_for_url(lambda url: "/login" not in url)
            assert page.url.startswith(base) and "Mara Dinu" in page.content()
            shot(page, "sso-1-signed-in-phone")
    finally:
        server.stop()
    user = db.session.scalar(db.select(User).filter_by(email="mara.dinu@firma.ro"))
    assert user.auth_source == "oidc" and user.name == "Mara Dinu"


def test_an_admin_imports_people_from_a_file(app, live_server, browser, make_user, tmp_path, shot):
    admin = make_user("admin", name="Admin")
    csv_file = tmp_path / "people.csv"
    csv_file.write_text(
        "name;email;role\nȘtefan Țurcanu;stefan@firma.ro;dispatcher\nIoana;ioana@firma.ro;\n",
        encoding="utf-8",
    )
    page = browser.new_page(viewport=PHONE)
    page.goto(f"{live_server}/login")
    page.get_by_label("E-mail").fill(admin.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in", exact=True).click()
    page.wait_for_url(lambda url: "/login" not in url)
    page.goto(f"{live_server}/admin/people/import")
    page.get_by_label("CSV file").set_input_files(str(csv_file))
    page.get_by_role("button", name="Check the file").click()
    page.wait_for_selector("text=2 people to import")
    shot(page, "import-0-preview-phone")
    page.get_by_role("button", name="Import 2 people").click()
    page.wait_for_url(re.compile(r".*/admin/users$"))
    assert "2 people imported." in page.content()
    shot(page, "import-1-done-phone")
    assert db.session.scalar(db.select(User.role).filter_by(email="stefan@firma.ro")) == (
        "dispatcher"
    )
    welcomes = db.session.scalars(db.select(OutboxMessage.recipient).filter_by(kind="welcome"))
    assert sorted(welcomes) == ["ioana@firma.ro", "stefan@firma.ro"]


def test_the_directory_page_shows_single_sign_on(
    app, database_url, tmp_path, browser, make_user, shot
):
    admin = make_user("admin", name="Admin")
    settings = dict(
        OIDC_ISSUER="https://sso.firma.ro/realms/firma",
        OIDC_CLIENT_ID=CLIENT_ID,
        OIDC_CLIENT_SECRET=CLIENT_SECRET,
        OIDC_ROLE_GROUPS={"/Helpdesk/Dispatchers": "dispatcher"},
    )
    with live_app(database_url, str(tmp_path / "files"), **settings) as base:
        page = browser.new_page(viewport=PHONE)
        page.goto(f"{base}/login")
        page.get_by_label("E-mail").fill(admin.email)
        page.get_by_label("Password").fill(PASSWORD)
        page.get_by_role("button", name="Sign in", exact=True).click()
        page.wait_for_url(lambda url: "/login" not in url)
        page.goto(f"{base}/admin/directory")
        page.wait_for_selector("text=Single sign-on")
        assert "/Helpdesk/Dispatchers" in page.content()
        assert CLIENT_SECRET not in page.content()
        shot(page, "sso-2-directory-page-phone")

"""Which language a page speaks: the person's choice, else the browser's cookie, else
Accept-Language, else the company's DEFAULT_LOCALE; the switcher; the API stays English."""

from __future__ import annotations

import re

import pytest

from dispatch.errors import ValidationError
from dispatch.extensions import LANGUAGE_COOKIE, db
from dispatch.people.models import User
from dispatch.people.services import clean_locale, set_locale
from tests.i18n.catalogues import TEST_CATALOGUES, catalogues_of


def page_language(response) -> str:
    return re.search(r'<html lang="([^"]+)"', response.get_data(as_text=True)).group(1)


def test_default_is_the_company_language(app, client):
    assert page_language(client.get("/login")) == "en"
    app.config["DEFAULT_LOCALE"] = "ro"
    assert page_language(client.get("/login")) == "ro"


def test_browser_language_beats_the_default(app, client):
    app.config["DEFAULT_LOCALE"] = "en"
    assert (
        page_language(client.get("/login", headers={"Accept-Language": "ro-RO,ro;q=0.9"})) == "ro"
    )
    # A language the installation does not offer falls back to the default.
    assert page_language(client.get("/login", headers={"Accept-Language": "de"})) == "en"


def test_cookie_beats_the_browser(client):
    client.set_cookie(LANGUAGE_COOKIE, "ro")
    assert page_language(client.get("/login", headers={"Accept-Language": "en"})) == "ro"
    client.set_cookie(LANGUAGE_COOKIE, "xx")  # not offered: ignored
    assert page_language(client.get("/login", headers={"Accept-Language": "en"})) == "en"


def test_the_persons_choice_beats_everything(client, auth, make_user):
    user = auth.login(make_user(locale="ro"))
    client.set_cookie(LANGUAGE_COOKIE, "en")
    assert page_language(client.get("/tickets/new", headers={"Accept-Language": "en"})) == "ro"
    user.locale = None  # follows the browser again
    db.session.commit()
    client.delete_cookie(LANGUAGE_COOKIE)
    assert page_language(client.get("/tickets/new", headers={"Accept-Language": "ro"})) == "ro"
    assert page_language(client.get("/tickets/new", headers={"Accept-Language": "en"})) == "en"


def test_signing_out_keeps_the_persons_language_in_the_browser(client, auth, make_user):
    auth.login(make_user(locale="ro"))
    assert client.get_cookie(LANGUAGE_COOKIE) is None
    auth.logout()
    assert client.get_cookie(LANGUAGE_COOKIE).value == "ro"
    assert page_language(client.get("/login", headers={"Accept-Language": "en"})) == "ro"


def test_switcher_in_the_navigation_for_everyone(client, auth):
    page = client.get("/login").get_data(as_text=True)
    assert 'action="/language"' in page and 'value="ro"' in page and "Română" in page
    auth.login()
    page = client.get("/tickets/mine?page=2").get_data(as_text=True)
    assert 'name="next" value="/tickets/mine?page=2"' in page


def test_anonymous_switch_sets_a_cookie_and_comes_back(client):
    response = client.post("/language", data={"language": "ro", "next": "/password/forgot"})
    assert response.status_code == 302 and response.location == "/password/forgot"
    cookie = client.get_cookie(LANGUAGE_COOKIE)
    assert cookie.value == "ro" and cookie.http_only
    assert page_language(client.get("/login", headers={"Accept-Language": "en"})) == "ro"
    client.post("/language", data={"language": "", "next": "/login"})  # back to the browser's
    assert client.get_cookie(LANGUAGE_COOKIE) is None


def test_signed_in_switch_saves_the_choice(client, auth):
    user = auth.login()
    assert client.post("/language", data={"language": "ro", "next": "/tickets/mine"}).location == (
        "/tickets/mine"
    )
    db.session.refresh(user)
    assert user.locale == "ro"
    client.post("/language", data={"language": "", "next": "/tickets/mine"})
    db.session.refresh(user)
    assert user.locale is None


@pytest.mark.parametrize(
    "target", ["https://evil.example/", "//evil.example/x", "/\\evil.example", "javascript:x", ""]
)
def test_switch_never_leaves_the_site(client, target):
    response = client.post("/language", data={"language": "ro", "next": target})
    assert response.status_code == 302 and response.location == "/"


def test_unknown_language_is_refused(client, auth):
    user = auth.login()
    response = client.post("/language", data={"language": "xx", "next": "/tickets/mine"})
    assert response.status_code == 302
    db.session.refresh(user)
    assert user.locale is None and client.get_cookie(LANGUAGE_COOKIE) is None
    page = client.get("/tickets/mine").get_data(as_text=True)
    assert "Choose one of the languages offered." in page


def test_switch_needs_its_csrf_token(app, client, auth):
    user = auth.login()
    app.config["WTF_CSRF_ENABLED"] = True
    try:
        assert client.post("/language", data={"language": "ro", "next": "/"}).status_code == 400
    finally:
        app.config["WTF_CSRF_ENABLED"] = False
    db.session.refresh(user)
    assert user.locale is None


def test_account_page_offers_the_choice(client, auth, make_user):
    auth.login(make_user(locale="ro"))
    page = client.get("/account/password").get_data(as_text=True)
    assert re.search(r'<option selected value="ro">|<option value="ro" selected>', page)
    assert "browser" in page  # "the browser's language" is a choice too


def test_admin_sets_a_persons_language(client, auth, make_user):
    auth.login(role="admin")
    user = make_user()
    form = {"email": user.email, "name": user.name, "role": "employee", "active": "y"}
    assert client.post(f"/admin/users/{user.id}", data={**form, "locale": "ro"}).status_code == 302
    db.session.refresh(user)
    assert user.locale == "ro"
    refused = client.post(f"/admin/users/{user.id}", data={**form, "locale": "xx"})
    assert refused.status_code == 200 and "Unknown language" in refused.get_data(as_text=True)
    client.post(f"/admin/users/{user.id}", data={**form, "locale": ""})
    db.session.refresh(user)
    assert user.locale is None


def test_the_service_checks_the_language(app, make_user):
    assert clean_locale(" ro ") == "ro" and clean_locale("") is None and clean_locale(None) is None
    with pytest.raises(ValidationError) as err:
        clean_locale("fr")
    assert err.value.field == "locale" and "en, ro" in err.value.message
    user = make_user()
    set_locale(user, "ro")
    assert db.session.get(User, user.id).locale == "ro"


def test_user_commands_set_the_language(app, runner, password):
    result = runner.invoke(
        args=["user", "create", "ro@example.com", "--role", "employee", "--locale", "ro"],
        input=password + "\n",
    )
    assert result.exit_code == 0, result.output
    user = db.session.scalar(db.select(User).filter_by(email="ro@example.com"))
    assert user.locale == "ro"
    result = runner.invoke(args=["user", "language", "ro@example.com", "en"])
    assert result.exit_code == 0 and "en" in result.output
    db.session.refresh(user)
    assert user.locale == "en"
    result = runner.invoke(args=["user", "language", "ro@example.com", "klingon"])
    assert result.exit_code != 0 and "Unknown language" in result.output
    result = runner.invoke(args=["user", "language", "ro@example.com", ""])
    db.session.refresh(user)
    assert result.exit_code == 0 and user.locale is None


def test_pages_speak_the_catalogue(app, client, tmp_path):
    with catalogues_of(app, TEST_CATALOGUES, tmp_path / "mo"):
        page = client.get("/login", headers={"Accept-Language": "ro"}).get_data(as_text=True)
        assert "Autentificare" in page
        page = client.get("/login", headers={"Accept-Language": "en"}).get_data(as_text=True)
        assert "Autentificare" not in page and "Sign in" in page


def test_the_api_answers_in_english_whatever_the_browser(app, client, auth, tmp_path):
    with catalogues_of(app, TEST_CATALOGUES, tmp_path / "mo"):
        client.set_cookie(LANGUAGE_COOKIE, "ro")
        response = client.get("/api/v1/tickets", headers={"Accept-Language": "ro"})
        assert response.status_code == 401
        assert response.get_json()["error"].startswith("Authentication required")


def test_dates_and_numbers_in_the_pages_language(app, make_user):
    from datetime import UTC, date, datetime

    from flask_babel import force_locale, format_decimal

    from dispatch.web import day_name, local_time

    with app.test_request_context(), force_locale("ro"):
        assert day_name(date(2026, 12, 7)) == "7 decembrie 2026"
        assert day_name("2026-12-07", "medium") == "7 dec. 2026"
        moment = datetime(2026, 12, 7, 13, 5, tzinfo=UTC)
        assert local_time(moment, "Europe/Bucharest") == "7 dec. 2026 15:05"
        assert format_decimal(1234.5) == "1.234,5"
    with app.test_request_context(), force_locale("en"):
        assert day_name(date(2026, 12, 7)) == "December 7, 2026"
        assert local_time(moment, "Europe/Bucharest", "time") == "15:05"


def test_the_sign_in_prompt_of_a_closed_page_is_in_the_readers_language(romanian_app, client):
    """Flask-Login's own prompt is English; a Romanian reader sent to sign in reads Romanian."""
    response = client.get("/desk/inbox", headers={"Accept-Language": "ro"}, follow_redirects=True)
    body = response.get_data(as_text=True)
    assert "Conectați-vă pentru a deschide această pagină." in body
    assert "Please log in" not in body and "Please sign in" not in body

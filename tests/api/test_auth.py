"""Only a live bearer token authenticates the API; the browser session never does."""

from __future__ import annotations

from dispatch.extensions import db
from dispatch.people.models import ApiToken
from dispatch.people.services import create_token, revoke_tokens


def _assert_401(response):
    assert response.status_code == 401
    assert response.is_json
    assert response.json["status"] == 401
    assert response.headers["WWW-Authenticate"].startswith("Bearer")


def test_no_token_is_401(client):
    _assert_401(client.get("/api/v1/tickets"))
    _assert_401(client.post("/api/v1/tickets", json={"subject": "x"}))


def test_bad_scheme_or_unknown_token_is_401(client, make_user):
    user = make_user()
    token = create_token(user)
    _assert_401(client.get("/api/v1/tickets", headers={"Authorization": f"Basic {token}"}))
    _assert_401(client.get("/api/v1/tickets", headers={"Authorization": "Bearer"}))
    response = client.get("/api/v1/tickets", headers={"Authorization": "Bearer not-a-token"})
    _assert_401(response)
    assert 'error="invalid_token"' in response.headers["WWW-Authenticate"]
    _assert_401(client.get("/api/v1/tickets", headers={"Authorization": "Bearer " + "x" * 5000}))


def test_token_works_and_scheme_is_case_insensitive(api):
    a = api()
    assert a.get("/api/v1/tickets").status_code == 200
    response = a.client.get("/api/v1/tickets", headers={"Authorization": f"bearer {a.token}"})
    assert response.status_code == 200


def test_session_cookie_alone_does_not_authenticate(client, auth, make_ticket, make_user):
    user = auth.login(role="dispatcher")
    ticket = make_ticket(requester=user)
    # Signed in: the login page now sends the browser on instead of showing the form …
    assert client.get("/login").status_code == 302
    _assert_401(client.get("/api/v1/tickets"))  # … but the session does nothing for the API
    _assert_401(client.get(f"/api/v1/tickets/{ticket.id}"))
    _assert_401(client.post("/api/v1/tickets", json={"subject": "From a browser"}))
    # With a token as well, the token decides, and the API sets no cookie of its own.
    token = create_token(make_user("employee"))
    response = client.get(
        f"/api/v1/tickets/{ticket.id}", headers={"Authorization": f"Bearer {token}"}
    )
    assert response.status_code == 404  # the token's user is not the signed-in dispatcher
    assert "Set-Cookie" not in response.headers


def test_revoked_token_is_401(api):
    a = api()
    assert a.get("/api/v1/tickets").status_code == 200
    assert revoke_tokens(a.user) == 1
    _assert_401(a.get("/api/v1/tickets"))


def test_inactive_user_token_is_401(api):
    a = api()
    a.user.active = False
    db.session.commit()
    _assert_401(a.get("/api/v1/tickets"))


def test_only_the_hash_is_stored_and_last_use_noted(api):
    a = api()
    row = db.session.scalar(db.select(ApiToken).filter_by(user_id=a.user.id))
    assert row.token_hash == ApiToken.hash(a.token) and a.token not in row.token_hash
    assert row.last_used_at is None
    a.get("/api/v1/tickets")
    db.session.refresh(row)
    first = row.last_used_at
    assert first is not None
    a.get("/api/v1/tickets")  # within the minute: no second write
    db.session.refresh(row)
    assert row.last_used_at == first


def test_api_post_needs_no_csrf_token_but_a_bearer_token(app, api):
    app.config["WTF_CSRF_ENABLED"] = True
    a = api()
    response = a.post("/api/v1/tickets", json={"subject": "Printer jammed"})
    assert response.status_code == 201, response.json
    # And the exemption does not weaken the forms: a web POST without a token is still refused.
    assert a.client.post("/login", data={"email": a.user.email, "password": "x"}).status_code == 400


def test_errors_are_json_with_field_and_status(api):
    a = api()
    response = a.get("/api/v1/nothing-here")
    assert response.status_code == 404
    assert response.json == {"error": response.json["error"], "field": None, "status": 404}
    response = a.client.delete("/api/v1/tickets", headers={"Authorization": f"Bearer {a.token}"})
    assert response.status_code == 405 and response.is_json
    assert "GET" in response.headers["Allow"]


def test_ticket_creation_is_rate_limited_per_token(database_url, tmp_path, api):
    from dispatch import create_app

    a = api()
    limited = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "test",
            "SQLALCHEMY_DATABASE_URI": database_url,
            "RATELIMIT_ENABLED": True,
            "SUBMIT_RATE_LIMIT": "2 per hour",
            "ATTACHMENT_DIR": str(tmp_path / "attachments"),
        }
    )
    client = limited.test_client()
    headers = {"Authorization": f"Bearer {a.token}"}
    codes = [
        client.post("/api/v1/tickets", json={"subject": f"n{i}"}, headers=headers).status_code
        for i in range(3)
    ]
    assert codes == [201, 201, 429]
    response = client.post("/api/v1/tickets", json={"subject": "again"}, headers=headers)
    assert response.status_code == 429 and response.is_json
    # Reading is not limited, and another token has its own allowance.
    assert client.get("/api/v1/tickets", headers=headers).status_code == 200
    b = api()
    other = {"Authorization": f"Bearer {b.token}"}
    response = client.post("/api/v1/tickets", json={"subject": "mine"}, headers=other)
    assert response.status_code == 201
    with limited.app_context():
        db.session.remove()
        db.engine.dispose()

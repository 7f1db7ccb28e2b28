"""/healthz: the process answers, touching nothing else (no database, session or rate limit)."""

from __future__ import annotations

import pytest
from sqlalchemy import event

from dispatch import create_app
from dispatch.extensions import db, limiter


def test_healthz_answers_with_the_database_unreachable(closed_port):
    app = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "test",
            "SQLALCHEMY_DATABASE_URI": f"postgresql+psycopg://postgres@127.0.0.1:{closed_port}/x",
        }
    )
    response = app.test_client().get("/healthz")
    assert response.status_code == 200
    assert response.data == b"ok\n"
    assert response.headers["Cache-Control"] == "no-store"


def test_healthz_of_a_signed_in_user_runs_no_query_and_sets_no_cookie(app, client, auth):
    auth.login(role="dispatcher")
    statements = []
    event.listen(db.engine, "before_cursor_execute", lambda *args: statements.append(args[2]))
    response = client.get("/healthz")
    assert response.status_code == 200
    assert statements == []
    assert "Set-Cookie" not in response.headers


@pytest.fixture
def default_limit(database_url, tmp_path):
    """An app whose every view is limited to 2 requests a minute by default. The limiter is one
    object for the process and keeps the first default limits it is given: they are taken away
    again afterwards."""
    app = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "test",
            "SQLALCHEMY_DATABASE_URI": database_url,
            "RATELIMIT_ENABLED": True,
            "RATELIMIT_DEFAULT": "2 per minute",
            "ATTACHMENT_DIR": str(tmp_path),
        }
    )
    yield app
    limiter.limit_manager.set_default_limits([])
    with app.app_context():
        db.engine.dispose()


def test_healthz_and_readyz_are_outside_rate_limits(default_limit):
    client = default_limit.test_client()
    assert [client.get("/healthz").status_code for _ in range(4)] == [200] * 4
    assert [client.get("/readyz").status_code for _ in range(4)] == [200] * 4
    # The limit applies elsewhere: the third visit to the sign-in page is refused.
    assert [client.get("/login").status_code for _ in range(3)] == [200, 200, 429]

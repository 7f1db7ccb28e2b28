"""A database server that restarts: pooled connections are tested before use (pool_pre_ping), so
the requests after a restart succeed instead of failing on a dead connection."""

from __future__ import annotations

import os

import pytest
from sqlalchemy import create_engine, make_url, text

from dispatch import create_app
from dispatch.config import DATABASE_CONNECT_TIMEOUT, server_engine_options
from dispatch.extensions import db

ON_POSTGRESQL = (os.environ.get("TEST_DATABASE_URL") or "").startswith("postgresql")


def test_a_postgresql_engine_pings_its_connections_and_bounds_connecting():
    app = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "test",
            "SQLALCHEMY_DATABASE_URI": "postgresql+psycopg://dispatch@db.invalid/dispatch",
        }
    )
    with app.app_context():
        assert db.engine.pool._pre_ping is True
    connect_args = app.config["SQLALCHEMY_ENGINE_OPTIONS"]["connect_args"]
    assert connect_args == {"connect_timeout": DATABASE_CONNECT_TIMEOUT}


def test_a_sqlite_engine_needs_neither(tmp_path):
    url = f"sqlite:///{tmp_path}/d.sqlite"
    app = create_app({"TESTING": True, "SECRET_KEY": "test", "SQLALCHEMY_DATABASE_URI": url})
    with app.app_context():
        assert db.engine.pool._pre_ping is False
    assert "connect_args" not in app.config["SQLALCHEMY_ENGINE_OPTIONS"]


def test_the_options_given_win():
    url = "postgresql+psycopg://dispatch@db/dispatch"
    given = {"pool_pre_ping": False, "connect_args": {"connect_timeout": 30}, "pool_size": 20}
    assert server_engine_options(url, given) == given
    assert "connect_args" not in server_engine_options(url + "?connect_timeout=9", {})


def terminate_other_connections(url: str) -> int:
    """End every connection to the test database but this one (what a server restart does to
    the app's pool), from a connection of its own; the machine's server keeps running."""
    name = make_url(url).database
    engine = create_engine(url, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        ended = conn.execute(
            text(
                "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                "WHERE datname = :name AND pid <> pg_backend_pid()"
            ),
            {"name": name},
        ).scalar_one()
    engine.dispose()
    return ended


@pytest.mark.skipif(not ON_POSTGRESQL, reason="needs TEST_DATABASE_URL on PostgreSQL")
def test_requests_after_the_connections_die_succeed(app, client, auth, database_url):
    auth.login(role="employee")
    assert client.get("/tickets/mine").status_code == 200
    db.session.remove()  # as at the end of every request in production: back to the pool
    assert terminate_other_connections(database_url) >= 1

    assert client.get("/tickets/mine").status_code == 200
    assert client.get("/readyz").json == {"status": "ready", "checks": {"database": "ok"}}


@pytest.mark.skipif(not ON_POSTGRESQL, reason="needs TEST_DATABASE_URL on PostgreSQL")
def test_without_pre_ping_one_request_fails_cleanly_and_the_next_succeeds(database_url, tmp_path):
    app = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "test",
            "SQLALCHEMY_DATABASE_URI": database_url,
            "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": False},
            "ATTACHMENT_DIR": str(tmp_path),
            "READY_CHECK_CACHE_SECONDS": 0,  # every call checks: three answers, three checks
        }
    )
    client = app.test_client()
    assert client.get("/readyz").status_code == 200
    assert terminate_other_connections(database_url) >= 1

    failed = client.get("/readyz")
    assert failed.status_code == 503
    assert failed.json["checks"]["database"] == "connection lost"
    # The dead connection was thrown away with the rest of the pool: the next one is new.
    assert client.get("/readyz").status_code == 200
    with app.app_context():
        db.engine.dispose()

"""/readyz: 200 when the database and the configured Redis servers answer, 503 naming the part
that does not (never a traceback)."""

from __future__ import annotations

import logging
import os
import socket
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
from redis import Redis

from dispatch import create_app
from dispatch.extensions import db
from dispatch.health.checks import describe, redis_urls

REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/0")


@pytest.fixture
def redis_url():
    """A real Redis server (TEST_REDIS_URL, or the machine's default one)."""
    try:
        Redis.from_url(REDIS_URL, socket_connect_timeout=1).ping()
    except Exception as exc:
        pytest.skip(f"no Redis at {REDIS_URL}: {exc}")
    return REDIS_URL


def test_ready_with_the_database(client):
    response = client.get("/readyz")
    assert response.status_code == 200
    assert response.json == {"status": "ready", "checks": {"database": "ok"}}
    assert response.headers["Cache-Control"] == "no-store"


def test_ready_with_redis(app, client, redis_url):
    app.config["RQ_REDIS_URL"] = redis_url
    response = client.get("/readyz")
    assert response.status_code == 200
    assert response.json == {"status": "ready", "checks": {"database": "ok", "redis": "ok"}}


def test_redis_refusing_connections_is_named(app, client, closed_port, caplog):
    app.config["RQ_REDIS_URL"] = f"redis://127.0.0.1:{closed_port}/0"
    with caplog.at_level(logging.WARNING, logger="dispatch.health.checks"):
        response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json == {
        "status": "unavailable",
        "checks": {"database": "ok", "redis": "connection refused"},
    }
    assert b"Traceback" not in response.data
    # The log has the error itself, for whoever looks into it.
    [logged] = [r.getMessage() for r in caplog.records if r.name == "dispatch.health.checks"]
    assert logged.startswith("readiness check redis failed: ConnectionError")
    assert str(closed_port) in logged


def test_a_redis_that_never_answers_times_out_quickly(app, client):
    # Accepts connections (the kernel's backlog) but never reads or answers.
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen(8)
        app.config["RQ_REDIS_URL"] = f"redis://127.0.0.1:{silent.getsockname()[1]}/0"
        app.config["READY_CHECK_TIMEOUT"] = 0.3
        started = time.monotonic()
        response = client.get("/readyz")
    assert time.monotonic() - started < 3
    assert response.status_code == 503
    assert response.json["checks"]["redis"] == "timed out"


def test_the_rate_limit_storage_is_checked_when_it_is_redis(app, client, closed_port):
    app.config["RATELIMIT_STORAGE_URI"] = f"redis://127.0.0.1:{closed_port}/1"
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json["checks"] == {
        "database": "ok",
        "rate_limit_storage": "connection refused",
    }


def test_which_redis_servers_are_checked():
    assert redis_urls({"RATELIMIT_STORAGE_URI": "memory://"}) == {}
    same = "redis://cache:6379/0"
    assert redis_urls({"RQ_REDIS_URL": same, "RATELIMIT_STORAGE_URI": same}) == {"redis": same}
    assert redis_urls({"RQ_REDIS_URL": same, "RATELIMIT_STORAGE_URI": "rediss://c/1"}) == {
        "redis": same,
        "rate_limit_storage": "rediss://c/1",
    }


def test_an_unreachable_database_server_is_named(closed_port):
    app = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "test",
            "SQLALCHEMY_DATABASE_URI": f"postgresql+psycopg://postgres@127.0.0.1:{closed_port}/x",
        }
    )
    response = app.test_client().get("/readyz")
    assert response.status_code == 503
    assert response.json == {"status": "unavailable", "checks": {"database": "connection refused"}}
    assert b"127.0.0.1" not in response.data  # /readyz is public: no host names


def test_an_unopenable_database_file_is_named(tmp_path):
    url = f"sqlite:///{tmp_path}/no/such/folder/dispatch.sqlite"
    app = create_app({"TESTING": True, "SECRET_KEY": "test", "SQLALCHEMY_DATABASE_URI": url})
    response = app.test_client().get("/readyz")
    assert response.status_code == 503
    assert response.json["checks"] == {"database": "cannot open the database file"}
    with app.app_context():
        db.engine.dispose()


def test_an_unknown_failure_names_its_kind():
    try:
        raise KeyError("surprise")
    except KeyError as exc:
        assert describe(exc) == "unavailable (KeyError)"


@pytest.fixture
def counted_checks(monkeypatch):
    """Count the database checks /readyz makes (each a connection of its own)."""
    made = []

    def check(timeout):
        made.append(timeout)
        time.sleep(0.05)

    monkeypatch.setattr("dispatch.health.checks.check_database", check)
    return made


def test_the_answer_is_kept_a_moment_per_process(app, client, counted_checks):
    app.config["READY_CHECK_CACHE_SECONDS"] = 0.5
    assert [client.get("/readyz").status_code for _ in range(5)] == [200] * 5
    assert len(counted_checks) == 1
    time.sleep(0.6)
    assert client.get("/readyz").status_code == 200
    assert len(counted_checks) == 2


def test_callers_at_once_wait_for_one_check(app, counted_checks):
    app.config["READY_CHECK_CACHE_SECONDS"] = 5

    def ask(_):
        return app.test_client().get("/readyz").status_code

    with ThreadPoolExecutor(8) as pool:
        assert list(pool.map(ask, range(8))) == [200] * 8
    assert len(counted_checks) == 1


def test_no_keeping_checks_every_time(app, client, counted_checks):
    app.config["READY_CHECK_CACHE_SECONDS"] = 0
    for _ in range(3):
        client.get("/readyz")
    assert len(counted_checks) == 3


def test_a_failure_is_kept_too_and_logged_once(app, client, closed_port, caplog):
    app.config["RQ_REDIS_URL"] = f"redis://:hunter2@127.0.0.1:{closed_port}/0"
    app.config["READY_CHECK_CACHE_SECONDS"] = 5
    with caplog.at_level(logging.WARNING, logger="dispatch.health.checks"):
        answers = [client.get("/readyz") for _ in range(3)]
    assert [a.status_code for a in answers] == [503] * 3
    assert {a.json["checks"]["redis"] for a in answers} == {"connection refused"}
    # The part is named; the server, its port and its password are not (they are in the log).
    for secret in (b"hunter2", b"127.0.0.1", str(closed_port).encode()):
        assert secret not in answers[0].data
    logged = [r.getMessage() for r in caplog.records if r.name == "dispatch.health.checks"]
    assert len(logged) == 1 and str(closed_port) in logged[0]


def test_the_default_keeps_the_answer_about_a_second(app):
    assert 1 <= app.config["READY_CHECK_CACHE_SECONDS"] <= 2
